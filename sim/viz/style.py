"""The one plot style of sim: greys, sizes, titles, quantile bands, grids, legends, PNG settings.

Every figure of `sim.viz` (run, analysis, calibration) is a `matplotlib.figure.Figure` made
here (no pyplot state), drawn in shades of grey with line styles and hatches so that it reads in
greyscale and in print. Axis labels with units come from the outcome registry
(`sim.outcomes.label` for monthly series, `sim.outcomes.year_end_label` for year-end values).
Titles say the scenario, the run count and the seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

#: one panel [inches]: width, height.
PANEL = (8, 4.5)
#: one small-multiples cell [inches]: width, height (plus `GRID_EXTRA` for titles and legend).
CELL = (3.6, 2.6)
GRID_EXTRA = 0.8
#: resolution of saved PNGs [dots per inch].
DPI = 110

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


def figure(width: float = PANEL[0], height: float = PANEL[1]) -> Figure:
    """A new figure [inches] with constrained layout (titles, labels and legends never clip)."""
    return Figure(figsize=(width, height), layout="constrained")


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
    return f"{what}: {shown} ({n}, {s})"


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
    """Write a figure as PNG [dpi: dots per inch]; returns the path."""
    fig.savefig(path, dpi=dpi, **kw)
    return Path(path)
