"""Outcomes over time: fan charts, runs' own paths, and the probability of parity or of a short lag.

Fans mark the dates the policy under study takes effect (`sim.viz.tables.policy_dates`) and can
overlay the baseline (its 90% interval as a light band, its median dashed).

Each function takes tables (`sim.viz.tables`) and returns a `matplotlib.figure.Figure` in the
style of `sim.viz.style`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import outcomes
from sim.viz import style

LAG = "capability_lag_months"


def fan_chart(
    monthly: pd.DataFrame,
    outcome: str,
    heading: str,
    zero_line: bool = False,
    *,
    baseline: pd.DataFrame | None = None,
    baseline_name: str = "baseline",
    dates: Sequence[tuple[str, str]] = (),
) -> Figure:
    """Median with 50% and 90% bands of a monthly outcome over time.

    Args:
        monthly: table with columns month, outcome, p5, p25, p50, p75, p95.
        outcome: which outcome to draw.
        heading: figure title.
        zero_line: draw a dashed line at zero (parity for the lag).
        baseline: the monthly quantiles of the scenario this one extends, overlaid (light band
            of its 90% interval, dashed median); None draws the scenario alone.
        baseline_name: the overlaid scenario's name, for the legend.
        dates: ('YYYY-MM', label) of the policy changes to mark (`sim.viz.tables.policy_dates`).
    """
    df = monthly[monthly["outcome"] == outcome]
    fig = style.figure()
    ax = fig.add_subplot()
    style.bands(ax, style.months(df), df)
    if baseline is not None:
        ref = baseline[baseline["outcome"] == outcome]
        style.baseline_band(ax, style.months(ref), ref, baseline_name)
    if zero_line:
        style.zero_line(ax, label="parity")
    style.mark_dates(ax, dates)
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
    dates: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> Figure:
    """Small multiples of fan charts, one per scenario, on shared axes.

    Each panel shows the scenario's median with 50% and 90% bands over time; the reference
    scenario's 90% interval (light band, dotted edges) and median (dashed) are drawn in every
    other panel so that shifts are visible.

    Args:
        monthly_by_scenario: scenario -> monthly quantiles, in display order.
        outcome: a monthly outcome (e.g. ``capability_lag_months``, ``china_compute_share``).
        heading: figure title.
        reference: scenario whose median is repeated in every panel (skipped if absent).
        ncols: panels per row.
        dates: scenario -> ('YYYY-MM', label) of its policy changes, marked in its panel.
    """
    names = list(monthly_by_scenario)
    nrows, ncols = style.small_multiples(len(names), ncols)
    fig = style.grid_figure(nrows, ncols)
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
            style.baseline_band(ax, style.months(ref), ref, str(reference))
        if outcome == LAG:
            style.zero_line(ax, ls=":", label="parity")
        marks = (dates or {}).get(names[i], ())
        if ax.get_subplotspec().is_first_col():
            style.mark_dates(ax, marks)
        else:  # the label would cross into the next panel's ticks: the line alone
            for month, _text in marks:
                ax.axvline(pd.Timestamp(f"{month}-01"), color=style.REFERENCE, ls=":", lw=1.2)
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
    style.supylabel(fig, outcomes.label(outcome))
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


def lag_within_probability(tables: Mapping[str, pd.DataFrame], heading: str) -> Figure:
    """Probability that China's lag is at most N months in each December, per scenario and N.

    The figure to show when no run reaches parity (an empty P(parity) axis says nothing).

    Args:
        tables: scenario -> `sim.viz.tables.lag_within_table` table (within, year_end, p).
        heading: figure title.
    """
    fig = style.figure()
    ax = fig.add_subplot()
    k = 0
    years: list[str] = []
    for name, table in tables.items():
        for n, df in table.groupby("within", sort=True):
            df = df.sort_values("year_end")
            years = sorted(set(years) | set(df["year_end"]))
            ax.plot(
                [int(y[:4]) for y in df["year_end"]],
                df["p"],
                color=style.GREYS[k % len(style.GREYS)],
                ls=style.LINESTYLES[k % len(style.LINESTYLES)],
                marker=style.MARKERS[k % len(style.MARKERS)],
                mfc="white",
                lw=1.8,
                label=f"{name}: lag ≤ {n:g} months" if len(tables) > 1 else f"lag ≤ {n:g} months",
            )
            k += 1
    ax.set_xticks([int(y[:4]) for y in years], [y[:4] for y in years])
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("Year end (December)")
    ax.set_ylabel("P(China's lag ≤ N months in December) [probability]")
    ax.set_title(heading)
    style.grid(ax)
    style.legend(ax, "upper left", fontsize="small", ncols=2 if k > 4 else 1)
    return fig


def run_paths(
    paths: pd.DataFrame,
    monthly: pd.DataFrame,
    heading: str,
    outcome: str = LAG,
    dates: Sequence[tuple[str, str]] = (),
) -> Figure:
    """Individual runs' monthly paths (thin lines) with the median of all runs (thick).

    A fan hides how single runs move (a run may cross the median several times); this shows K of
    them.

    Args:
        paths: `EnsembleResult.trajectories` table (run, month, one column per series).
        monthly: monthly quantiles of the whole ensemble (for the median).
        heading: figure title.
        outcome: the series drawn.
        dates: ('YYYY-MM', label) of the policy changes to mark.
    """
    fig = style.figure()
    ax = fig.add_subplot()
    runs = paths["run"].unique()
    for i, run in enumerate(runs):
        one = paths[paths["run"] == run]
        ax.plot(
            style.months(one),
            one[outcome],
            color="0.55",
            lw=0.7,
            label=f"{len(runs)} single runs" if i == 0 else None,
        )
    med = monthly[monthly["outcome"] == outcome]
    ax.plot(style.months(med), med["p50"], color=style.INK, lw=2.5, label="median of all runs")
    if outcome == LAG:
        style.zero_line(ax, label="parity")
    style.mark_dates(ax, dates)
    ax.set_xlabel("Month")
    ax.set_ylabel(outcomes.label(outcome))
    ax.set_title(heading)
    style.grid(ax)
    style.legend(ax, "best", fontsize="small")
    return fig


def any_parity(curve: pd.DataFrame) -> bool:
    """Whether any run reached parity: a `sim.viz.tables.parity_curve` table above zero."""
    return bool(np.any(curve["p"].to_numpy() > 0))
