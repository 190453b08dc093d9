"""Outcomes across runs at year-ends: violins of one or several scenarios, paired policy effects.

Each function takes tables (`sim.viz.tables`) and returns a `matplotlib.figure.Figure` in the
style of `sim.viz.style`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import outcomes
from sim.viz import style

LAG = "capability_lag_months"


def distributions(runs: pd.DataFrame, outcome: str, heading: str) -> Figure:
    """Violin plots of an outcome's per-run values at each year-end."""
    cols = [c for c in runs.columns if c.startswith(f"{outcome}@")]
    data = [runs[c].to_numpy(dtype=float) for c in cols]
    labels = [c.split("@")[1][:4] for c in cols]
    fig = style.figure()
    ax = fig.add_subplot()
    style.style_violins(ax.violinplot(data, showmedians=True, showextrema=False))
    ax.set_xticks(np.arange(1, len(labels) + 1), labels)
    ax.set_xlabel("Year end (December)")
    ax.set_ylabel(outcomes.year_end_label(outcome))
    if outcome == LAG:
        style.zero_line(ax)
    ax.set_title(heading)
    style.grid(ax, "y")
    return fig


def distributions_by_scenario(
    long: pd.DataFrame, outcome: str, heading: str, years: Sequence[str] | None = None, ncols: int = 3
) -> Figure:
    """Violin plots of an outcome per scenario, one panel per year-end.

    Args:
        long: `sim.viz.tables.year_end_long` table (scenario, year_end, run, value).
        outcome: the outcome shown (for the axis label).
        heading: figure title.
        years: year-end labels to show (default: all).
        ncols: panels per row.
    """
    names = (
        list(long["scenario"].cat.categories)
        if hasattr(long["scenario"], "cat")
        else list(dict.fromkeys(long["scenario"]))
    )
    years = list(years) if years is not None else sorted(long["year_end"].unique())
    nrows, ncols = style.small_multiples(len(years), ncols)
    # room for one violin per scenario [inches per scenario], and the scenario names on the left
    height = max(2.4, 0.32 * len(names) + 0.9)
    fig = style.figure(3.3 * ncols + 1.6, height * nrows + 0.6)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    positions = np.arange(len(names), 0, -1)
    for i, ax in enumerate(axes.flat):
        if i >= len(years):
            ax.set_visible(False)
            continue
        sub = long[long["year_end"] == years[i]]
        data = [sub.loc[sub["scenario"] == n, "value"].to_numpy(dtype=float) for n in names]
        keep = [j for j, d in enumerate(data) if d.size]
        parts = ax.violinplot(
            [data[j] for j in keep],
            positions=positions[keep],
            orientation="horizontal",
            showmedians=True,
            showextrema=False,
            widths=0.85,
        )
        style.style_violins(parts, face="0.65", edge="0.15")
        if outcome == LAG:
            style.zero_line(ax, vertical=True)
        ax.set_title(f"December {years[i][:4]}", fontsize="medium")
        ax.set_yticks(positions, names)
        style.grid(ax, "x")
    fig.supxlabel(outcomes.year_end_label(outcome))
    fig.suptitle(heading)
    return fig


def paired_effects(
    effects: pd.DataFrame,
    outcome: str,
    heading: str,
    years: Sequence[str] | None = None,
    reference: str = "baseline",
) -> Figure:
    """Forest plot of paired policy effects: one row per scenario, one panel per year-end.

    Each row shows the distribution over runs of (scenario - reference) in the same draw of the
    world: median (marker), mean (bar), 50% interval (thick) and 90% interval (thin). The text
    on the right gives the share of runs in which the scenario's value is lower than the
    reference's ('same' when no run differs). Rows are sorted by the median effect in the last panel.

    Args:
        effects: `sim.viz.tables.effect_summary` table.
        outcome: the outcome compared (for the axis label).
        heading: figure title.
        years: year-end labels to show (default: every second year-end, ending with the last).
        reference: name of the reference scenario (for the axis label).
    """
    all_years = sorted(effects["year_end"].unique())
    years = list(years) if years is not None else all_years[::-2][::-1]
    last = effects[effects["year_end"] == years[-1]].sort_values("p50", ascending=False)
    names = list(last["scenario"])
    y = np.arange(len(names))
    fig = style.figure(3.4 * len(years) + 2.2, 0.42 * len(names) + 1.8)
    axes = fig.subplots(1, len(years), sharey=True, squeeze=False)[0]
    unit = outcomes.OUTCOMES[outcome].unit if outcome in outcomes.OUTCOMES else ""
    for ax, year in zip(axes, years, strict=True):
        sub = effects[effects["year_end"] == year].set_index("scenario").reindex(names)
        ax.hlines(y, sub["p5"], sub["p95"], color="0.45", lw=1.2, label="90% interval")
        ax.hlines(y, sub["p25"], sub["p75"], color=style.INK, lw=5, label="50% interval")
        ax.plot(sub["p50"], y, "o", color=style.INK, mfc="white", ms=6, label="median")
        ax.plot(sub["mean"], y, "|", color=style.INK, ms=12, mew=1.5, label="mean")
        style.zero_line(ax, vertical=True)
        for yi, p, q in zip(y, sub["p_lower"], sub["p_higher"], strict=True):
            if np.isfinite(p):
                ax.annotate(
                    "same" if p == 0 and q == 0 else f"{p:.0%}",
                    (1.0, yi),
                    xycoords=("axes fraction", "data"),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize="x-small",
                    color="0.2",
                )
        ax.set_title(
            f"December {year[:4]}\n(right: share of runs lower than {reference})", fontsize="small"
        )
        ax.set_xlabel(f"{outcome}: scenario − {reference} [{unit}]", fontsize="small")
        style.grid(ax, "x")
    axes[0].set_yticks(y, names)
    axes[0].set_ylim(len(names) - 0.5, -0.5)
    handles, texts = axes[0].get_legend_handles_labels()
    style.legend_below(fig, handles, texts, ncols=4)
    fig.suptitle(heading)
    return fig
