"""The figure of `sim compare`: the paired effect B - A on the lag at every year-end.

One box per year-end, drawn from the per-run differences on the same random draws: the box
spans the 50% interval (p25 to p75), the whiskers the 90% interval (p5 to p95), the bar is the
median, as in the terminal table. Zero (no effect) is marked, and the side on which China gets
closer is labelled (`sim.analysis.words.closer_sign`). At the right of each box: the share of
runs that move the way the median does.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim.analysis.compare import effect_stats
from sim.analysis.words import closer_sign, phrase
from sim.outcomes import ALL
from sim.viz import style

#: resolution of the comparison's PNG [dots per inch]: 8 in wide gives 1,200 px.
DPI = 150
#: the outcome whose paired effect `sim compare` plots.
PLOTTED = "capability_lag_months"


def effect_figure(
    a_values: Mapping[str, np.ndarray],
    b_values: Mapping[str, np.ndarray],
    a: str,
    b: str,
    runs: int,
    seed: int,
    outcome: str = PLOTTED,
) -> Figure:
    """Boxes of the paired effect B - A on `outcome`, one per year-end, with zero marked.

    Args:
        a_values: {'YYYY-12': A's value per run} of the outcome [its unit].
        b_values: the same of B, run i matched with run i.
        a: name of scenario A (the reference).
        b: name of scenario B.
        runs: runs of each scenario [runs].
        seed: the seed both share.
        outcome: the outcome's name (`sim.outcomes`), for the axis label and the closer side.
    """
    years = [y for y in a_values if y in b_values]
    unit = ALL[outcome].unit if outcome in ALL else "-"
    stats = [effect_stats(a_values[y], b_values[y]) for y in years]
    fig = style.figure()
    ax = fig.add_subplot()
    pos = np.arange(len(years))[::-1]  # the first year-end on top
    ax.bxp(
        [
            {
                "med": s["p50"],
                "q1": s["p25"],
                "q3": s["p75"],
                "whislo": s["p5"],
                "whishi": s["p95"],
                "mean": s["mean"],
                "fliers": [],
            }
            for s in stats
        ],
        positions=pos,
        orientation="horizontal",
        widths=0.55,
        showmeans=True,
        patch_artist=True,
        boxprops={"facecolor": style.BAND_50, "edgecolor": style.INK},
        medianprops={"color": style.INK, "lw": 2},
        meanprops={"marker": "D", "markerfacecolor": "white", "markeredgecolor": style.INK},
    )
    ax.set_yticks(pos, years)
    ax.set_ylabel("year-end")
    ax.set_xlabel(
        f"paired effect {b} − {a} on {phrase(outcome).what} [{unit}]\n"
        "box: 50% of runs; whiskers: 90%; bar: median; ◇: mean"
    )
    style.zero_line(ax, vertical=True)
    style.grid(ax, axis="x")
    lo, hi = min(0.0, *(s["p5"] for s in stats)), max(0.0, *(s["p95"] for s in stats))
    pad = 0.08 * max(hi - lo, 1e-9)
    left, right = lo - pad, hi + pad
    # room on both sides of zero for the labels of the two sides
    ax.set_xlim(min(left, -0.4 * right), max(right, -0.4 * left))
    ax.set_ylim(-0.6, len(years) - 0.4 + 0.5)  # a free band on top for the side labels
    _mark_sides(ax, outcome, len(years) - 0.4 + 0.2)
    p = phrase(outcome)
    notes = []
    for s in stats:
        if s["direction"] == 0:
            note = f"{s['share_same_direction']:.0%} of runs unchanged"
        else:
            word = p.more if s["direction"] > 0 else p.less
            note = f"{s['share_same_direction']:.0%} of runs {word}"
        notes.append(note)
    shares = ax.secondary_yaxis("right")
    shares.set_yticks(pos, notes, fontsize="small")
    shares.tick_params(length=0)
    ax.set_title(style.heading(f"Paired effect on {p.what}, run by run", f"{b} − {a}", runs, seed))
    return fig


def _mark_sides(ax: Any, outcome: str, y: float) -> None:
    """Label the side of zero on which China gets closer, and the other, at height `y` [data]."""
    sign = closer_sign(outcome)
    if not sign:
        return
    left, right = ("← China closer", "China further behind →")
    if sign > 0:
        left, right = ("← China further behind", "China closer →")
    kw = {"va": "center", "fontsize": "small", "color": style.REFERENCE}
    ax.text(0.0, y, left + "  ", ha="right", **kw)
    ax.text(0.0, y, "  " + right, ha="left", **kw)


def draw_compare_figures(folder: Path, a: Any, b: Any) -> list[Path]:
    """Write effect.png (the paired effect on the lag at every year-end) into `folder`.

    Args:
        folder: the comparison folder being written.
        a: the reference `EnsembleResult`.
        b: the compared `EnsembleResult`, same runs and seed.

    Returns:
        The paths written.
    """
    fig = effect_figure(
        a.year_end[PLOTTED], b.year_end[PLOTTED], a.scenario.name, b.scenario.name, a.runs, a.seed
    )
    return [style.save(fig, folder / "effect.png", dpi=DPI)]
