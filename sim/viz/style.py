"""The one plot style of sim: greys, sizes, titles, quantile bands, grids, legends, PNG settings.

Every figure of `sim.viz` (run, analysis, calibration) is a `matplotlib.figure.Figure` made
here (no pyplot state), drawn in shades of grey with line styles and hatches so that it reads in
greyscale and in print. Axis labels with units come from the outcome registry
(`sim.outcomes.label` for monthly series, `sim.outcomes.year_end_label` for year-end values).
Titles say the scenario, the run count and the seed.

Every saved figure goes through `save` (a PNG file) or `png_bytes` (the report's embedded
images): both give axes of plain numbers thousands separators (`thousands`), write at `DPI`, and
check that nothing was drawn outside the canvas (`overflow`), warning with `FigureClippedWarning`
when something was: the tests turn that warning into an error, so a clipped label fails them.
"""

from __future__ import annotations

import io
import textwrap
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, ScalarFormatter

#: one panel [inches]: width, height.
PANEL = (8, 4.5)
#: one small-multiples cell [inches]: width, height (plus `GRID_EXTRA` for titles and legend).
CELL = (3.6, 2.6)
GRID_EXTRA = 0.8
GRID_MIN_HEIGHT = 4.2
#: longest one-line title of a one-panel figure [characters at 12 pt].
TITLE_CHARS = 80
#: resolution of saved and embedded PNGs [dots per inch].
DPI = 150
#: narrowest figure [pixels at `DPI`]: a briefing page or the report's column shows it at full size.
MIN_WIDTH_PX = 1000
#: how far a figure's drawn content may reach past the canvas before it counts as clipped [inches].
TOLERANCE_IN = 0.5 / DPI

#: greys of the 90% and 50% quantile bands and of the median line (matplotlib grey levels).
BAND_90 = "0.85"
BAND_50 = "0.65"
INK = "0.0"
#: grey of grid lines, and of reference lines (zero, parity).
GRID = "0.9"
REFERENCE = "0.3"

#: greyscale styles that stay distinguishable without colour, cycled over scenarios.
GREYS = ("0.0", "0.35", "0.55", "0.0", "0.35", "0.55", "0.0", "0.35", "0.55", "0.2")
LINESTYLES = ("-", "--", ":", "-.", "-", "--", ":", "-.", "-", "--")
MARKERS = ("o", "s", "^", "v", "D", "x", "+", "*", "P", "X")
#: fills of stacked sources (China's chips): greys and hatches in stacking order.
SOURCE_GREYS = ("0.25", "0.55", "0.82")
SOURCE_HATCHES = (None, "//", "..")
#: fill and edge of violins.
VIOLIN_FACE = "0.6"
VIOLIN_EDGE = "0.2"
#: the baseline overlaid on a scenario's fan: light band (its 90% interval) and dashed median.
BASELINE_BAND = "0.93"


class FigureClippedWarning(UserWarning):
    """A saved figure draws text or lines outside its canvas (a clipped label or legend)."""


def figure(width: float = PANEL[0], height: float = PANEL[1]) -> Figure:
    """A new figure [inches] with constrained layout (titles, labels and legends never clip).

    It is at least `MIN_WIDTH_PX` wide at `DPI`; the height is kept as asked.
    """
    return Figure(figsize=(max(width, MIN_WIDTH_PX / DPI), height), layout="constrained")


def grid_figure(nrows: int, ncols: int) -> Figure:
    """A figure for a small-multiples grid: `CELL` per panel, room below for the legend.

    One row gets at least `GRID_MIN_HEIGHT`, so that the shared y label fits beside it.
    """
    return figure(CELL[0] * ncols, max(CELL[1] * nrows + GRID_EXTRA, GRID_MIN_HEIGHT))


def supylabel(fig: Figure, text: str) -> None:
    """A y label shared by a grid's panels, wrapped on spaces to fit the figure's height."""
    per_line = max(20, int(fig.get_figheight() * 10))  # about ten characters an inch at 10 pt
    fig.supylabel(textwrap.fill(text, per_line), fontsize=10)


def tick(value: float, _pos: Any = None) -> str:
    """A tick label: thousands separated from 1,000 (250,000), short below, powers from 1e9."""
    if value != 0 and abs(value) >= 1e9:
        return f"{value:.2g}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.6g}"


def thousands(fig: Figure) -> None:
    """Give every axis of plain numbers (not dates, logs or named ticks) separated thousands."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(FuncFormatter(tick))


def overflow(fig: Figure) -> float:
    """How far the figure's drawn content reaches past its canvas [inches]; 0 when it fits.

    Lays the figure out (constrained layout runs at draw time) and compares its tight bounding
    box, which holds every visible title, label, legend and annotation, with the canvas.
    """
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    fig.draw(renderer)
    box = fig.get_tightbbox(renderer)
    page = fig.bbox_inches
    return float(max(0.0, page.x0 - box.x0, page.y0 - box.y0, box.x1 - page.x1, box.y1 - page.y1))


def check_fits(fig: Figure, name: str) -> None:
    """Warn (`FigureClippedWarning`) when the figure draws outside its canvas."""
    past = overflow(fig)
    if past > TOLERANCE_IN:
        title = fig.get_suptitle() or next((a.get_title() for a in fig.axes if a.get_title()), "")
        warnings.warn(
            f"{name}: drawn {past:.2f} in past the canvas, so text is clipped ({title!r})",
            FigureClippedWarning,
            stacklevel=3,
        )


def title(name: str, runs: int, seed: int, what: str) -> str:
    """Title of a one-scenario figure: '<what>: <scenario> (N runs, seed S)'."""
    return f"{what}: {name} ({runs:,} runs, seed {seed})"


def title_many(names: Sequence[str], runs: Sequence[int], seeds: Sequence[int], what: str) -> str:
    """Title of a figure over several scenarios: names them, with run counts and seeds.

    '<what>: a, b, c (N runs each, seed S)', or the per-scenario values when they differ.
    """
    names = list(names)
    shown = ", ".join(names) if len(names) <= 4 else f"{len(names)} scenarios"
    runs_set, seed_set = sorted(set(runs)), sorted(set(seeds))
    n = (
        f"{runs_set[0]:,} runs each"
        if len(runs_set) == 1
        else "runs " + "/".join(f"{r:,}" for r in runs)
    )
    s = f"seed {seed_set[0]}" if len(seed_set) == 1 else "seeds " + "/".join(map(str, seeds))
    text = f"{what}: {shown} ({n}, {s})"
    # a one-panel figure holds about 80 characters of title: longer ones take a second line
    return text if len(text) <= TITLE_CHARS else f"{what}: {shown}\n({n}, {s})"


def heading(what: str, name: str, runs: int, seed: int) -> str:
    """Two-line title of an analysis figure: '<what>' over '<scenario> (N runs, seed S)'."""
    return f"{what}\n{name} ({runs:,} runs, seed {seed})"


def months(df: pd.DataFrame) -> pd.Series:
    """The 'YYYY-MM' month column as dates (the first of each month), for time axes."""
    return pd.to_datetime(df["month"] + "-01")


def bands(ax: Any, x: Any, q: pd.DataFrame, median_lw: float = 2.0, **median: Any) -> None:
    """Draw a fan: the 90% (p5–p95) and 50% (p25–p75) bands and the median (p50) line.

    Args:
        ax: the axes to draw on.
        x: the x values, one per row of `q`.
        q: quantiles with columns p5, p25, p50, p75, p95.
        median_lw: width of the median line [points].
        **median: further styling of the median line (e.g. marker).
    """
    ax.fill_between(x, q["p5"], q["p95"], color=BAND_90, label="90% interval")
    ax.fill_between(x, q["p25"], q["p75"], color=BAND_50, label="50% interval")
    ax.plot(x, q["p50"], color=INK, lw=median_lw, label="median", **median)


def zero_line(ax: Any, vertical: bool = False, ls: str = "--", label: str | None = None) -> None:
    """Mark zero (parity for the capability lag, no effect for a difference)."""
    line = ax.axvline if vertical else ax.axhline
    line(0.0, color=REFERENCE, ls=ls, lw=1, label=label)


def grid(ax: Any, axis: str = "both") -> None:
    """Light grid lines behind the data."""
    ax.grid(True, axis=axis, color=GRID)


def style_violins(parts: dict[str, Any], face: str = VIOLIN_FACE, edge: str = VIOLIN_EDGE) -> None:
    """Grey opaque violin bodies with a black median bar."""
    for body in parts["bodies"]:
        body.set_facecolor(face)
        body.set_edgecolor(edge)
        body.set_alpha(1.0)
    parts["cmedians"].set_color(INK)


def small_multiples(n: int, ncols: int) -> tuple[int, int]:
    """Rows and columns of a small-multiples grid for n panels."""
    ncols = max(1, min(ncols, n))
    return int(np.ceil(n / ncols)), ncols


def label_bottoms(axes: np.ndarray, n: int, xlabel: str) -> None:
    """Hide the panels past n; give the lowest panel of each column its x tick labels and label.

    Shared x axes show tick labels only on the last row; when that row is incomplete, the
    panels above its gaps need them back.
    """
    nrows, ncols = axes.shape
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.set_visible(False)
        elif i + ncols >= n:
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.set_xlabel(xlabel)


def legend(ax: Any, loc: str = "best", **kw: Any) -> None:
    """An axes legend without a frame."""
    ax.legend(loc=loc, frameon=False, **kw)


def legend_below(fig: Figure, handles: Sequence[Any], texts: Sequence[str], ncols: int) -> None:
    """One legend for a whole figure, under its panels."""
    fig.legend(handles, texts, loc="outside lower center", ncols=ncols, frameon=False, fontsize="small")


def save(fig: Figure, path: str | Path, dpi: int = DPI, **kw: Any) -> Path:
    """Write a figure as PNG [dpi: dots per inch], after `thousands` and `check_fits`."""
    thousands(fig)
    check_fits(fig, Path(path).name)
    fig.savefig(path, dpi=dpi, **kw)
    return Path(path)


def png_bytes(fig: Figure, name: str, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes (the report embeds them), after `thousands` and `check_fits`."""
    thousands(fig)
    check_fits(fig, name)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def mark_dates(ax: Any, dates: Sequence[tuple[str, str]], top: bool = True) -> None:
    """Vertical dotted lines at dated policy changes, each labelled beside its line.

    Args:
        ax: axes with a date x axis.
        dates: ('YYYY-MM', label) pairs, e.g. ('2026-01', 'policy in force').
        top: put the labels at the top of the axes (else at the bottom).
    """
    for k, (month, text) in enumerate(dates):
        x = pd.Timestamp(f"{month}-01")
        ax.axvline(x, color=REFERENCE, ls=":", lw=1.2, zorder=3)
        ax.annotate(
            f"{text} ({month})",
            (x, 0.98 - 0.07 * k if top else 0.02 + 0.07 * k),
            xycoords=("data", "axes fraction"),
            xytext=(3, 0),
            textcoords="offset points",
            va="top" if top else "bottom",
            ha="left",
            fontsize="small",
            color="0.15",
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
            zorder=4,
        )


def baseline_band(ax: Any, x: Any, q: pd.DataFrame, name: str = "baseline") -> None:
    """Overlay a reference scenario: its 90% interval as a light band, its median dashed."""
    ax.fill_between(x, q["p5"], q["p95"], color=BASELINE_BAND, lw=0, zorder=0.5)
    ax.plot(x, q["p5"], color="0.55", lw=0.6, ls=":", zorder=2.4)
    ax.plot(x, q["p95"], color="0.55", lw=0.6, ls=":", zorder=2.4, label=f"{name}: 90% interval")
    ax.plot(x, q["p50"], color=INK, lw=1.2, ls="--", zorder=2.5, label=f"{name}: median")
