"""Where China's chips come from: legal imports, smuggled chips and domestic production.

Each function takes tables (`sim.viz.tables`) and returns a `matplotlib.figure.Figure` in the
style of `sim.viz.style`; sources are stacked greys with hatches (`style.SOURCE_GREYS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.viz import style
from sim.viz.tables import CHINA_SOURCES, source_totals


def china_compute_sources(
    monthly: pd.DataFrame, heading: str, runs: pd.DataFrame | None = None
) -> Figure:
    """Where China's chips come from: legal imports, smuggled chips and domestic production.

    The top panel stacks each source's mean per calendar year [H100e/year, the unit of the
    summary tables] (means add up, so the top of a bar is the mean total); with the per-run
    table, an error bar beside each bar gives the 90% interval of the year's total across runs,
    and a second panel shows each source's share of the year's chips: median, 50% and 90%
    intervals.

    Args:
        monthly: monthly quantiles (columns month, outcome, mean, p5 … p95).
        heading: figure title.
        runs: optional per-run table (``outcome@YYYY-12`` columns) for the intervals and shares.
    """
    fig = style.figure(style.PANEL[0], 8.0 if runs is not None else style.PANEL[1])
    ax = fig.add_subplot(2, 1, 1) if runs is not None else fig.add_subplot()
    # a calendar year's mean total is the sum of its monthly means (the mean is linear)
    first = monthly[monthly["outcome"] == CHINA_SOURCES[0][0]]
    years = sorted(first["month"].str[:4].unique())
    x = np.arange(len(years))
    bottom = np.zeros(len(years))
    sources = zip(CHINA_SOURCES, style.SOURCE_GREYS, style.SOURCE_HATCHES, strict=True)
    for (name, text), colour, hatch in sources:
        df = monthly[monthly["outcome"] == name]
        mean = df.groupby(df["month"].str[:4])["mean"].sum().reindex(years).to_numpy(dtype=float)
        ax.bar(
            x,
            mean,
            0.6,
            bottom=bottom,
            color=colour,
            hatch=hatch,
            edgecolor="0.1",
            lw=0.3,
            label=f"{text} (mean)",
        )
        bottom = bottom + mean
    if runs is not None:
        totals = source_totals(runs)
        per_run_total = totals.groupby(["year_end", "run"])["value"].sum()
        q = per_run_total.groupby("year_end").quantile([0.05, 0.5, 0.95]).unstack()
        q = q.rename(index=lambda y: y[:4]).reindex(years)
        # beside the bars, not on them: the interval of the total never hides a source
        xs = x + 0.38
        ax.vlines(xs, q[0.05], q[0.95], color=style.INK, lw=1.2, label="total: 90% interval")
        ax.plot(xs, q[0.5], "_", color=style.INK, ms=9, mew=1.5, label="total: median")
    ax.set_xticks(x, years)
    ax.set_xlim(-0.6, len(years) - 0.2)
    ax.set_xlabel("Calendar year")
    ax.set_ylabel("Chips reaching Chinese labs [H100e/year]")
    ax.set_title(heading)
    style.legend(ax, "upper left", fontsize="small", ncols=2)
    style.grid(ax, "y")
    if runs is not None:
        _share_panel(fig.add_subplot(2, 1, 2), runs)
    return fig


def _share_panel(ax: Any, runs: pd.DataFrame) -> None:
    """Each source's share of the year's chips across runs: median, 50% and 90% intervals."""
    shares = source_totals(runs)
    years = sorted(shares["year_end"].unique())
    offsets = np.linspace(-0.2, 0.2, len(CHINA_SOURCES))
    for (_, text), dx, marker, ls in zip(
        CHINA_SOURCES, offsets, style.MARKERS, style.LINESTYLES, strict=False
    ):
        sub = shares[shares["source"] == text]
        q = (
            sub.groupby("year_end")["share"]
            .quantile([0.05, 0.25, 0.5, 0.75, 0.95])
            .unstack()
            .reindex(years)
        )
        xs = np.arange(len(years)) + dx
        ax.vlines(xs, q[0.05], q[0.95], color="0.35", lw=1)
        ax.vlines(xs, q[0.25], q[0.75], color=style.INK, lw=4)
        ax.plot(xs, q[0.5], marker=marker, ls=ls, color=style.INK, mfc="white", label=text)
    ax.set_xticks(np.arange(len(years)), [y[:4] for y in years])
    ax.set_ylim(-0.02, 1.15)
    ax.set_xlabel("Calendar year")
    ax.set_ylabel("Share of the year's chips [fraction]")
    ax.set_title(
        "Share of each source in China's chips by year:\nmedian (marker), "
        "50% (thick) and 90% (thin) intervals across runs",
        fontsize="medium",
    )
    style.grid(ax, "y")
    style.legend(ax, "upper center", ncols=3, fontsize="small")


def china_compute_sources_by_scenario(
    runs_by_scenario: Mapping[str, pd.DataFrame], heading: str, ncols: int = 3
) -> Figure:
    """China's chips per calendar year by source, one panel per scenario, on shared axes.

    Bars stack each source's mean (means add up to the mean total); the line beside each bar is
    the 90% interval of the total across runs.

    Args:
        runs_by_scenario: scenario -> per-run table, in display order.
        heading: figure title.
        ncols: panels per row.
    """
    names = list(runs_by_scenario)
    nrows, ncols = style.small_multiples(len(names), ncols)
    fig = style.grid_figure(nrows, ncols)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    style.label_bottoms(axes, len(names), "Calendar year")
    for i, ax in enumerate(axes.flat):
        if i >= len(names):
            continue
        totals = source_totals(runs_by_scenario[names[i]])
        years = sorted(totals["year_end"].unique())
        x = np.arange(len(years))
        bottom = np.zeros(len(years))
        sources = zip(CHINA_SOURCES, style.SOURCE_GREYS, style.SOURCE_HATCHES, strict=True)
        for (_, text), colour, hatch in sources:
            mean = (
                totals[totals["source"] == text]
                .groupby("year_end")["value"]
                .mean()
                .reindex(years)
                .to_numpy()
            )
            ax.bar(
                x,
                mean,
                0.6,
                bottom=bottom,
                color=colour,
                hatch=hatch,
                edgecolor="0.1",
                lw=0.3,
                label=f"{text} (mean)",
            )
            bottom = bottom + mean
        per_run_total = totals.groupby(["year_end", "run"])["value"].sum()
        q = per_run_total.groupby("year_end").quantile([0.05, 0.95]).unstack().reindex(years)
        # beside the bars, as in `china_compute_sources`: the interval never hides a source
        ax.vlines(x + 0.38, q[0.05], q[0.95], color=style.INK, lw=1.2, label="total: 90% interval")
        ax.set_xticks(x, [y[:4] for y in years])
        ax.set_title(names[i], fontsize="medium")
        style.grid(ax, "y")
    handles, texts = axes.flat[0].get_legend_handles_labels()
    style.legend_below(fig, handles, texts, ncols=2 if ncols < 3 else 4)
    style.supylabel(fig, "Chips reaching Chinese labs [H100e/year]")
    fig.suptitle(heading)
    return fig
