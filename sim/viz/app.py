"""The playground's figures (`sim app`): one small matplotlib figure per view, and all of them in one.

Each `draw_*` function draws one view of `sim.app.views.Views` on an axes; `view_figure` puts one
on a figure of its own (what the page shows, rendered to PNG in the worker thread), and
`all_views_figure` puts every view and the one-sentence answer on one figure (the PNG download).
Greyscale like the rest of sim's figures: the scenario in black bands and a solid median, the
baseline dashed. Figures are `matplotlib.figure.Figure` objects, never pyplot state, so worker
threads can draw them side by side.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.outcomes import label

#: greys: the 90% and 50% bands, ink, reference lines, grid; fills of China's chip sources.
BAND_90, BAND_50, INK, REFERENCE, GRID = "0.85", "0.65", "0.0", "0.3", "0.9"
SOURCE_GREYS = ("0.25", "0.55", "0.82")
#: one view on the page [inches] and its resolution [dots per inch].
VIEW_SIZE = (5.4, 3.1)
DPI = 96


def _dates(frame: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(frame["month"] + "-01")


def _grid(ax: Any, axis: str = "both") -> None:
    ax.grid(True, axis=axis, color=GRID)
    ax.set_axisbelow(True)


def _fan(ax: Any, views: Any, outcome: str, zero: bool) -> None:
    scen, base = views.fans[outcome]["scenario"], views.fans[outcome]["baseline"]
    x, xb = _dates(scen), _dates(base)
    ax.fill_between(x, scen["p5"], scen["p95"], color=BAND_90, label=f"{views.name}: 90%")
    ax.fill_between(x, scen["p25"], scen["p75"], color=BAND_50, label="50%")
    ax.plot(x, scen["p50"], color=INK, lw=2, label="median")
    ax.plot(xb, base["p50"], color=INK, lw=1.3, ls="--", label=f"{views.baseline}: median")
    ax.plot(xb, base["p5"], color=REFERENCE, lw=0.8, ls=":", label="90%")
    ax.plot(xb, base["p95"], color=REFERENCE, lw=0.8, ls=":")
    if zero:
        ax.axhline(0.0, color=REFERENCE, lw=1)
    ax.set_ylabel(label(outcome), fontsize="small")
    _grid(ax)
    ax.legend(loc="best", frameon=False, fontsize="x-small", ncols=2)


def draw_lag(ax: Any, views: Any) -> None:
    """The lag fan chart, the baseline overlaid."""
    _fan(ax, views, "capability_lag_months", zero=True)
    ax.set_title("Capability lag of China behind the US", fontsize="medium")


def draw_share(ax: Any, views: Any) -> None:
    """The compute-share fan chart, the baseline overlaid."""
    _fan(ax, views, "china_compute_share", zero=False)
    ax.set_title("China's share of installed compute", fontsize="medium")


def draw_effect(ax: Any, views: Any) -> None:
    """The paired effect on the lag at the chosen year-end, as a histogram over runs."""
    d = np.asarray(views.effect, dtype=float)
    stats = views.effect_stats
    span = float(np.ptp(d)) if d.size else 0.0
    bins = 40 if span > 1e-9 else 1
    ax.hist(d, bins=bins, color=BAND_50, edgecolor=INK, linewidth=0.4)
    ax.axvline(0.0, color=REFERENCE, lw=1, ls="--", label="no effect")
    ax.axvline(stats["p50"], color=INK, lw=2, label=f"median {stats['p50']:+.1f}")
    for q in ("p5", "p95"):
        ax.axvline(stats[q], color=INK, lw=1, ls=":")
    ax.set_xlabel(
        f"lag change at {views.year}: this scenario − {views.baseline} [months]", fontsize="small"
    )
    ax.set_ylabel("runs")
    ax.set_title(f"Effect on the lag at {views.year} (paired runs)", fontsize="medium")
    _grid(ax, "y")
    ax.legend(loc="best", frameon=False, fontsize="x-small")


def draw_at_most(ax: Any, views: Any) -> None:
    """P(lag <= N months) by year-end, the scenario beside the baseline."""
    frame = views.at_most
    x = np.arange(len(frame))
    ax.bar(x - 0.2, frame["scenario"], width=0.4, color=BAND_50, edgecolor=INK, label=views.name)
    ax.bar(
        x + 0.2,
        frame["baseline"],
        width=0.4,
        color="white",
        edgecolor=INK,
        hatch="//",
        label=views.baseline,
    )
    ax.set_xticks(x, [y[:4] for y in frame["year_end"]])
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of runs")
    ax.set_title(f"P(lag ≤ {views.at_most_months:g} months) at each year-end", fontsize="medium")
    _grid(ax, "y")
    ax.legend(loc="upper left", frameon=False, fontsize="x-small")


def draw_chips(ax: Any, views: Any) -> None:
    """China's chips by source per year [H100e/year], scenario and baseline side by side."""
    frame = views.chips
    sources = [c for c in frame.columns if c not in ("year_end", "run")]
    years = list(dict.fromkeys(frame["year_end"]))
    x = np.arange(len(years))
    for offset, run, hatch in ((-0.2, "scenario", None), (0.2, "baseline", "//")):
        part = frame[frame["run"] == run].set_index("year_end").loc[years]
        bottom = np.zeros(len(years))
        for grey, source in zip(SOURCE_GREYS, sources, strict=False):
            values = part[source].to_numpy() / 1e6
            ax.bar(
                x + offset,
                values,
                width=0.4,
                bottom=bottom,
                color=grey,
                edgecolor=INK,
                linewidth=0.4,
                hatch=hatch,
                label=source if run == "scenario" else None,
            )
            bottom += values
    ax.set_xticks(x, [y[:4] for y in years])
    ax.set_ylabel("million H100e/year")
    ax.set_title("China's chips by source (left: scenario, right: baseline)", fontsize="medium")
    _grid(ax, "y")
    ax.legend(loc="upper left", frameon=False, fontsize="x-small")


#: The views in page order: key (as in `sim.app.views.CAPTIONS`) -> drawing function.
DRAW: dict[str, Callable[[Any, Any], None]] = {
    "lag": draw_lag,
    "share": draw_share,
    "effect": draw_effect,
    "at_most": draw_at_most,
    "chips": draw_chips,
}


def view_figure(key: str, views: Any) -> Figure:
    """One view on a figure of its own."""
    fig = Figure(figsize=VIEW_SIZE, layout="constrained")
    DRAW[key](fig.add_subplot(), views)
    return fig


def all_views_figure(views: Any) -> Figure:
    """Every view on one figure, the one-sentence answer as its title (the PNG download)."""
    fig = Figure(figsize=(16, 7.2), layout="constrained")
    axes = fig.subplots(2, 3).flat
    for ax, draw in zip(axes, DRAW.values(), strict=False):
        draw(ax, views)
    last = list(fig.axes)[-1]
    last.axis("off")
    last.text(0, 1, "\n".join(textwrap.wrap(views.sentence, 60)), va="top", fontsize="medium")
    fig.suptitle(f"{views.name} against {views.baseline}: {views.runs:,} runs, seed {views.seed}")
    return fig


def png(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
