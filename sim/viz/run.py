"""Plots: functions that take results (tables) and return a matplotlib Figure.

They use `matplotlib.figure.Figure` directly (no pyplot state), label axes with units, and draw
in shades of grey with line styles so they read in greyscale. Titles say the scenario, the run
count and the seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import outcomes
from sim.outcomes import OUTCOMES
from sim.viz.tables import CHINA_SOURCES, parity_curve, source_totals

#: greyscale styles that stay distinguishable without colour, cycled over scenarios.
GREYS = ("0.0", "0.35", "0.55", "0.0", "0.35", "0.55", "0.0", "0.35", "0.55", "0.2")
LINESTYLES = ("-", "--", ":", "-.", "-", "--", ":", "-.", "-", "--")
MARKERS = ("o", "s", "^", "v", "D", "x", "+", "*", "P", "X")
SOURCE_GREYS = ("0.25", "0.55", "0.82")
SOURCE_HATCHES = (None, "//", "..")


def label(outcome: str) -> str:
    """Axis label with unit for an outcome's monthly series (`sim.outcomes`)."""
    return outcomes.label(outcome)


def year_end_label(outcome: str) -> str:
    """Axis label with unit for an outcome's year-end value (a flow is a total per year)."""
    return outcomes.year_end_label(outcome)


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


def fan_chart(monthly: pd.DataFrame, outcome: str, heading: str, zero_line: bool = False) -> Figure:
    """Median with 50% and 90% bands of a monthly outcome over time.

    Args:
        monthly: table with columns month, outcome, p5, p25, p50, p75, p95.
        outcome: which outcome to draw.
        heading: figure title.
        zero_line: draw a dashed line at zero (parity for the lag).
    """
    df = monthly[monthly["outcome"] == outcome]
    x = pd.to_datetime(df["month"] + "-01")
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    ax.fill_between(x, df["p5"], df["p95"], color="0.85", label="90% interval")
    ax.fill_between(x, df["p25"], df["p75"], color="0.65", label="50% interval")
    ax.plot(x, df["p50"], color="0.0", lw=2, label="median")
    if zero_line:
        ax.axhline(0.0, color="0.3", ls="--", lw=1, label="parity")
    ax.set_xlabel("Month")
    ax.set_ylabel(label(outcome))
    ax.set_title(heading)
    ax.grid(True, color="0.9")
    ax.legend(loc="best", frameon=False)
    return fig


def distributions(runs: pd.DataFrame, outcome: str, heading: str) -> Figure:
    """Violin plots of an outcome's per-run values at each year-end."""
    cols = [c for c in runs.columns if c.startswith(f"{outcome}@")]
    data = [runs[c].to_numpy(dtype=float) for c in cols]
    labels = [c.split("@")[1][:4] for c in cols]
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    parts = ax.violinplot(data, showmedians=True, showextrema=False)
    for body in parts["bodies"]:
        body.set_facecolor("0.6")
        body.set_edgecolor("0.2")
        body.set_alpha(1.0)
    parts["cmedians"].set_color("0.0")
    ax.set_xticks(np.arange(1, len(labels) + 1), labels)
    ax.set_xlabel("Year end (December)")
    ax.set_ylabel(year_end_label(outcome))
    if outcome == "capability_lag_months":
        ax.axhline(0.0, color="0.3", ls="--", lw=1)
    ax.set_title(heading)
    ax.grid(True, axis="y", color="0.9")
    return fig


def china_compute_sources(
    monthly: pd.DataFrame, heading: str, runs: pd.DataFrame | None = None
) -> Figure:
    """Where China's chips come from: legal imports, smuggled chips and domestic production.

    The top panel stacks each source's monthly mean (means add up, so the top edge is the mean
    total) and marks each source's 90% interval across runs at year-ends. With the per-run table,
    a second panel shows each source's share of the year's chips: median, 50% and 90% intervals.

    Args:
        monthly: monthly quantiles (columns month, outcome, mean, p5 … p95).
        heading: figure title.
        runs: optional per-run table (``outcome@YYYY-12`` columns) for the share panel.
    """
    fig = Figure(figsize=(8, 7.5 if runs is not None else 4.5), layout="constrained")
    ax = fig.add_subplot(2, 1, 1) if runs is not None else fig.add_subplot()
    base = None
    for (name, text), colour, hatch in zip(CHINA_SOURCES, SOURCE_GREYS, SOURCE_HATCHES, strict=True):
        df = monthly[monthly["outcome"] == name]
        x = pd.to_datetime(df["month"] + "-01")
        y = df["mean"].to_numpy(dtype=float)
        lower = np.zeros_like(y) if base is None else base
        ax.fill_between(
            x,
            lower,
            lower + y,
            color=colour,
            hatch=hatch,
            edgecolor="0.1",
            lw=0.3,
            label=f"{text} (mean)",
        )
        dec = df["month"].str.endswith("-12").to_numpy()
        ax.errorbar(
            x[dec],
            (lower + y)[dec],
            yerr=[
                np.clip(y[dec] - df["p5"].to_numpy()[dec], 0, None),
                np.clip(df["p95"].to_numpy()[dec] - y[dec], 0, None),
            ],
            fmt="none",
            color="0.0",
            ecolor="0.0",
            capsize=3,
            lw=0.8,
        )
        base = lower + y
    ax.errorbar(
        [],
        [],
        yerr=[],
        fmt="none",
        color="0.0",
        ecolor="0.0",
        capsize=3,
        lw=0.8,
        label="90% interval of each source (December)",
    )
    ax.set_xlabel("Month")
    ax.set_ylabel("Chips reaching Chinese labs [H100e/month]")
    ax.set_title(heading)
    ax.legend(loc="upper left", frameon=False, fontsize="small")
    ax.grid(True, color="0.9")
    if runs is not None:
        share_ax = fig.add_subplot(2, 1, 2)
        shares = source_totals(runs)
        years = sorted(shares["year_end"].unique())
        offsets = np.linspace(-0.2, 0.2, len(CHINA_SOURCES))
        for (_, text), dx, marker, style in zip(
            CHINA_SOURCES, offsets, MARKERS, LINESTYLES, strict=False
        ):
            sub = shares[shares["source"] == text]
            q = (
                sub.groupby("year_end")["share"]
                .quantile([0.05, 0.25, 0.5, 0.75, 0.95])
                .unstack()
                .reindex(years)
            )
            xs = np.arange(len(years)) + dx
            share_ax.vlines(xs, q[0.05], q[0.95], color="0.35", lw=1)
            share_ax.vlines(xs, q[0.25], q[0.75], color="0.0", lw=4)
            share_ax.plot(xs, q[0.5], marker=marker, ls=style, color="0.0", mfc="white", label=text)
        share_ax.set_xticks(np.arange(len(years)), [y[:4] for y in years])
        share_ax.set_ylim(-0.02, 1.15)
        share_ax.set_xlabel("Calendar year")
        share_ax.set_ylabel("Share of the year's chips [fraction]")
        share_ax.set_title(
            "Share of each source in China's chips by year:\nmedian (marker), "
            "50% (thick) and 90% (thin) intervals across runs",
            fontsize="medium",
        )
        share_ax.grid(True, axis="y", color="0.9")
        share_ax.legend(loc="upper center", ncols=3, frameon=False, fontsize="small")
    return fig


def _grid(n: int, ncols: int) -> tuple[int, int]:
    """Rows and columns of a small-multiples grid for n panels."""
    ncols = max(1, min(ncols, n))
    return int(np.ceil(n / ncols)), ncols


def _label_bottoms(axes: np.ndarray, n: int, xlabel: str) -> None:
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
    nrows, ncols = _grid(len(names), ncols)
    fig = Figure(figsize=(3.6 * ncols, 2.6 * nrows + 0.8), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    ref = None
    if reference in monthly_by_scenario:
        df = monthly_by_scenario[reference]
        ref = df[df["outcome"] == outcome]
    _label_bottoms(axes, len(names), "Month")
    for i, ax in enumerate(axes.flat):
        if i >= len(names):
            continue
        df = monthly_by_scenario[names[i]]
        df = df[df["outcome"] == outcome]
        x = pd.to_datetime(df["month"] + "-01")
        ax.fill_between(x, df["p5"], df["p95"], color="0.85", label="90% interval")
        ax.fill_between(x, df["p25"], df["p75"], color="0.65", label="50% interval")
        ax.plot(x, df["p50"], color="0.0", lw=1.8, label="median")
        if ref is not None and names[i] != reference:
            ax.plot(
                pd.to_datetime(ref["month"] + "-01"),
                ref["p50"],
                color="0.0",
                lw=1,
                ls="--",
                label=f"{reference} median",
            )
        if outcome == "capability_lag_months":
            ax.axhline(0.0, color="0.3", ls=":", lw=1, label="parity")
        ax.set_title(names[i], fontsize="medium")
        ax.grid(True, color="0.9")
        ax.tick_params(axis="x", labelrotation=45)
    handles, texts = [], []
    for ax in axes.flat:
        for h, t in zip(*ax.get_legend_handles_labels(), strict=True):
            if t not in texts:
                handles.append(h)
                texts.append(t)
    fig.legend(
        handles,
        texts,
        loc="outside lower center",
        ncols=min(5, len(texts)),
        frameon=False,
        fontsize="small",
    )
    fig.supylabel(label(outcome))
    fig.suptitle(heading)
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
    nrows, ncols = _grid(len(years), ncols)
    height = max(2.4, 0.32 * len(names) + 0.9)
    fig = Figure(figsize=(3.3 * ncols + 1.6, height * nrows + 0.6), layout="constrained")
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
        for body in parts["bodies"]:
            body.set_facecolor("0.65")
            body.set_edgecolor("0.15")
            body.set_alpha(1.0)
        parts["cmedians"].set_color("0.0")
        if outcome == "capability_lag_months":
            ax.axvline(0.0, color="0.3", ls="--", lw=1)
        ax.set_title(f"December {years[i][:4]}", fontsize="medium")
        ax.set_yticks(positions, names)
        ax.grid(True, axis="x", color="0.9")
    fig.supxlabel(year_end_label(outcome))
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
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    top = 0.0
    for i, (name, curve) in enumerate(curves.items()):
        ax.plot(
            curve["date"],
            curve["p"],
            color=GREYS[i % len(GREYS)],
            ls=LINESTYLES[i % len(LINESTYLES)],
            marker=MARKERS[i % len(MARKERS)],
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
    ax.grid(True, color="0.9")
    ax.legend(loc="upper left", frameon=False, fontsize="small", ncols=2)
    return fig


def china_compute_sources_by_scenario(
    runs_by_scenario: Mapping[str, pd.DataFrame], heading: str, ncols: int = 3
) -> Figure:
    """China's chips per calendar year by source, one panel per scenario, on shared axes.

    Bars stack each source's mean (means add up to the mean total); the error bar is the 90%
    interval of the total across runs.

    Args:
        runs_by_scenario: scenario -> per-run table, in display order.
        heading: figure title.
        ncols: panels per row.
    """
    names = list(runs_by_scenario)
    nrows, ncols = _grid(len(names), ncols)
    fig = Figure(figsize=(3.6 * ncols, 2.6 * nrows + 0.8), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    _label_bottoms(axes, len(names), "Calendar year")
    for i, ax in enumerate(axes.flat):
        if i >= len(names):
            continue
        totals = source_totals(runs_by_scenario[names[i]])
        years = sorted(totals["year_end"].unique())
        x = np.arange(len(years))
        bottom = np.zeros(len(years))
        for (_, text), colour, hatch in zip(CHINA_SOURCES, SOURCE_GREYS, SOURCE_HATCHES, strict=True):
            mean = (
                totals[totals["source"] == text]
                .groupby("year_end")["value"]
                .mean()
                .reindex(years)
                .to_numpy()
                / 1e6
            )
            ax.bar(
                x,
                mean,
                bottom=bottom,
                color=colour,
                hatch=hatch,
                edgecolor="0.1",
                lw=0.3,
                label=f"{text} (mean)",
            )
            bottom = bottom + mean
        per_run_total = totals.groupby(["year_end", "run"])["value"].sum() / 1e6
        q = per_run_total.groupby("year_end").quantile([0.05, 0.95]).unstack().reindex(years)
        ax.errorbar(
            x,
            bottom,
            yerr=[np.clip(bottom - q[0.05], 0, None), np.clip(q[0.95] - bottom, 0, None)],
            fmt="none",
            color="0.0",
            ecolor="0.0",
            capsize=3,
            lw=0.8,
            label="90% interval of the total",
        )
        ax.set_xticks(x, [y[:4] for y in years])
        ax.set_title(names[i], fontsize="medium")
        ax.grid(True, axis="y", color="0.9")
    handles, texts = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, texts, loc="outside lower center", ncols=4, frameon=False, fontsize="small")
    fig.supylabel("Chips reaching Chinese labs [million H100e/year]")
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
    fig = Figure(figsize=(3.4 * len(years) + 2.2, 0.42 * len(names) + 1.8), layout="constrained")
    axes = fig.subplots(1, len(years), sharey=True, squeeze=False)[0]
    unit = OUTCOMES[outcome].unit if outcome in OUTCOMES else ""
    for ax, year in zip(axes, years, strict=True):
        sub = effects[effects["year_end"] == year].set_index("scenario").reindex(names)
        ax.hlines(y, sub["p5"], sub["p95"], color="0.45", lw=1.2, label="90% interval")
        ax.hlines(y, sub["p25"], sub["p75"], color="0.0", lw=5, label="50% interval")
        ax.plot(sub["p50"], y, "o", color="0.0", mfc="white", ms=6, label="median")
        ax.plot(sub["mean"], y, "|", color="0.0", ms=12, mew=1.5, label="mean")
        ax.axvline(0.0, color="0.3", ls="--", lw=1)
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
        ax.grid(True, axis="x", color="0.9")
    axes[0].set_yticks(y, names)
    axes[0].set_ylim(len(names) - 0.5, -0.5)
    handles, texts = axes[0].get_legend_handles_labels()
    fig.legend(handles, texts, loc="outside lower center", ncols=4, frameon=False, fontsize="small")
    fig.suptitle(heading)
    return fig


def save_run_plots(result: Any, folder: Path) -> list[Path]:
    """Write the PNGs of a `sim run` results folder and return their paths."""
    name, runs, seed = result.scenario.name, result.runs, result.seed
    monthly = result.monthly_quantiles()
    per_run = result.per_run()
    figures = {
        "lag_fan.png": fan_chart(
            monthly, "capability_lag_months", title(name, runs, seed, "Capability lag"), zero_line=True
        ),
        "compute_share_fan.png": fan_chart(
            monthly, "china_compute_share", title(name, runs, seed, "China's compute share")
        ),
        "lag_distribution.png": distributions(
            per_run, "capability_lag_months", title(name, runs, seed, "Lag at year-ends")
        ),
        "china_compute_sources.png": china_compute_sources(
            monthly, title(name, runs, seed, "Where China's chips come from"), runs=per_run
        ),
        "parity_probability.png": parity_probability(
            {name: parity_curve(result)}, title(name, runs, seed, "Probability of parity by date")
        ),
    }
    paths = []
    for file, fig in figures.items():
        path = Path(folder) / file
        fig.savefig(path, dpi=110)
        paths.append(path)
    return paths
