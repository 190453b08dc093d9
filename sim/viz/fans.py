"""Outcomes over time: fan charts of one or several scenarios, and the probability of parity.

Each function takes tables (`sim.viz.tables`) and returns a `matplotlib.figure.Figure` in the
style of `sim.viz.style`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from matplotlib.figure import Figure

from sim import outcomes
from sim.viz import style

LAG = "capability_lag_months"


def fan_chart(monthly: pd.DataFrame, outcome: str, heading: str, zero_line: bool = False) -> Figure:
    """Median with 50% and 90% bands of a monthly outcome over time.

    Args:
        monthly: table with columns month, outcome, p5, p25, p50, p75, p95.
        outcome: which outcome to draw.
        heading: figure title.
        zero_line: draw a dashed line at zero (parity for the lag).
    """
    df = monthly[monthly["outcome"] == outcome]
    fig = style.figure()
    ax = fig.add_subplot()
    style.bands(ax, style.months(df), df)
    if zero_line:
        style.zero_line(ax, label="parity")
    ax.set_xlabel("Month")
    ax.set_ylabel(outcomes.label(outcome))
    ax.set_title(heading)
    style.grid(ax)
    style.legend(ax)
    return fig


def fan_charts(
    monthly_by_scenario: Mapping[str, pd.DataFrame],
    outcome: str,
    heading: str,
    reference: str | None = "baseline",
    ncols: int = 3,
) -> Figure:
    """Small multiples of fan charts, one per scenario, on shared axes.

    Each panel shows the scenario's median with 50% and 90% bands over time; the reference
    scenario's median is drawn dashed in every other panel so that shifts are visible.

    Args:
        monthly_by_scenario: scenario -> monthly quantiles, in display order.
        outcome: a monthly outcome (e.g. ``capability_lag_months``, ``china_compute_share``).
        heading: figure title.
        reference: scenario whose median is repeated in every panel (skipped if absent).
        ncols: panels per row.
    """
    names = list(monthly_by_scenario)
    nrows, ncols = style.small_multiples(len(names), ncols)
    fig = style.figure(style.CELL[0] * ncols, style.CELL[1] * nrows + style.GRID_EXTRA)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    ref = None
    if reference in monthly_by_scenario:
        df = monthly_by_scenario[reference]
        ref = df[df["outcome"] == outcome]
    style.label_bottoms(axes, len(names), "Month")
    for i, ax in enumerate(axes.flat):
        if i >= len(names):
            continue
        df = monthly_by_scenario[names[i]]
        df = df[df["outcome"] == outcome]
        style.bands(ax, style.months(df), df, median_lw=1.8)
        if ref is not None and names[i] != reference:
            ax.plot(
                style.months(ref),
                ref["p50"],
                color=style.INK,
                lw=1,
                ls="--",
                label=f"{reference} median",
            )
        if outcome == LAG:
            style.zero_line(ax, ls=":", label="parity")
        ax.set_title(names[i], fontsize="medium")
        style.grid(ax)
        ax.tick_params(axis="x", labelrotation=45)
    handles, texts = [], []
    for ax in axes.flat:
        for h, t in zip(*ax.get_legend_handles_labels(), strict=True):
            if t not in texts:
                handles.append(h)
                texts.append(t)
    style.legend_below(fig, handles, texts, ncols=min(5, len(texts)))
    fig.supylabel(outcomes.label(outcome))
    fig.suptitle(heading)
    return fig


def parity_probability(
    curves: Mapping[str, pd.DataFrame], heading: str, within_months: float = 0.0
) -> Figure:
    """Cumulative probability that China reaches parity (or comes within a few months) by date.

    Args:
        curves: scenario -> `sim.viz.tables.parity_curve` table (date, p).
        heading: figure title.
        within_months: the threshold the curves were computed with (for the axis label).
    """
    fig = style.figure()
    ax = fig.add_subplot()
    top = 0.0
    for i, (name, curve) in enumerate(curves.items()):
        ax.plot(
            curve["date"],
            curve["p"],
            color=style.GREYS[i % len(style.GREYS)],
            ls=style.LINESTYLES[i % len(style.LINESTYLES)],
            marker=style.MARKERS[i % len(style.MARKERS)],
            markersize=4,
            mfc="white",
            drawstyle="steps-post",
            label=name,
            markevery=max(1, len(curve) // 12),
        )
        top = max(top, float(curve["p"].max()))
    if top == 0.0:
        ax.text(
            0.5,
            0.5,
            "no run reached this threshold in any scenario shown",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="0.2",
        )
    what = "at parity or ahead" if within_months == 0 else f"within {within_months:g} months of the US"
    # small probabilities stay visible: the axis ends a little above the highest curve
    high = min(1.0, max(0.1, 1.15 * top))
    ax.set_ylim(-0.02 * high, high + 0.02 * high)
    ax.set_xlabel("Date")
    ax.set_ylabel(f"P(China {what} by date) [probability]")
    ax.set_title(heading)
    style.grid(ax)
    style.legend(ax, "upper left", fontsize="small", ncols=2)
    return fig
