"""Plots of the policy-analysis commands: sweeps, Sobol indices, PRIM peeling trajectories.

Like `sim.viz.run`, each figure function takes tables and returns a `matplotlib.figure.Figure` in
the style of `sim.viz.style`: axes labelled with units (outcomes through the outcome registry),
greys that read in greyscale, titles naming the scenario, the run count and the seed.

`draw_sweep_figures`, `draw_sensitivity_figures` and `draw_discovery_figures` are the figure
writers a caller hands to `sim.analysis.sweep.write_sweep`, `sim.analysis.sensitivity
.write_sensitivity` and `sim.analysis.discovery.write_discovery` (``figures=...``); the analysis
layer never imports plotting itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import outcomes as registry
from sim.analysis.refs import default_year_end, parameter_label
from sim.outcomes import HEADLINE
from sim.viz import style
from sim.viz.style import heading

if TYPE_CHECKING:
    from sim.analysis.discovery import Discovery
    from sim.analysis.sensitivity import ModelEvaluator, SobolResult
    from sim.analysis.sweep import SweepResult

#: Resolution of the analysis PNGs [dots per inch]: 150, as every figure (sim.viz.style).
ANALYSIS_DPI = 150


def draw_sweep_figures(result: SweepResult, folder: Path, year_end: str | None = None) -> list[Path]:
    """Write the PNG of a sweep folder and return its path: sweep.png (one lever) or heatmap.png.

    Args:
        result: the sweep (`sim.analysis.sweep.SweepResult`).
        folder: where to write it (the sweep folder being filled).
        year_end: which year-end to draw, 'YYYY-12' [default: the scenario's default year-end];
            bind it with ``functools.partial`` to hand this function to `write_sweep`.
    """
    year_end = year_end or default_year_end(result.scenario)
    stats, parity = result.stats_table(), result.parity_table()
    name, runs, seed = result.scenario.name, result.runs, result.seed
    if len(result.axes) == 1:
        fig = sweep_figure(stats, parity, result.axes[0].path, year_end, name, runs, seed)
        file = "sweep.png"
    else:
        fig = sweep_heatmaps(stats, parity, result.paths, year_end, name, runs, seed)
        file = "heatmap.png"
    return [style.save(fig, Path(folder) / file, dpi=ANALYSIS_DPI)]


def draw_sensitivity_figures(result: SobolResult, evaluator: ModelEvaluator, folder: Path) -> list[Path]:
    """Write the PNG of a sensitivity folder, sensitivity.png (bar chart), and return its path.

    Args:
        result: the indices (`sim.analysis.sensitivity.SobolResult`).
        evaluator: the evaluator that produced them: the outcome, the scenario and the seed of
            the title (`sim.analysis.sensitivity.ModelEvaluator`).
        folder: where to write it (the sensitivity folder being filled).
    """
    fig = sobol_figure(
        result.table(), evaluator.ref.key, evaluator.scenario.name, result.evaluations, evaluator.seed
    )
    return [style.save(fig, Path(folder) / "sensitivity.png", dpi=ANALYSIS_DPI)]


def draw_discovery_figures(found: Discovery, folder: Path) -> list[Path]:
    """Write the PNG of a discovery folder, trajectory.png, and return its path.

    PRIM's peeling trajectory exists only when a box was found; with no box nothing is drawn.

    Args:
        found: the discovery (`sim.analysis.discovery.Discovery`).
        folder: where to write it (the discovery folder being filled).
    """
    if not found.boxes:
        return []
    chosen = found.trajectory[found.trajectory["selected"]]
    result = found.result
    fig = trajectory_figure(
        found.trajectory, chosen, found.condition.text, result.scenario.name, result.runs, result.seed
    )
    return [style.save(fig, Path(folder) / "trajectory.png", dpi=ANALYSIS_DPI)]


def sweep_figure(
    stats: pd.DataFrame,
    parity: pd.DataFrame,
    path: str,
    year_end: str,
    name: str,
    runs: int,
    seed: int,
    outcomes: Sequence[str] = HEADLINE,
) -> Figure:
    """Each outcome at one year-end against the swept lever: median, 50% and 90% bands.

    Args:
        stats: `SweepResult.stats_table()` (columns path, outcome, year_end, p5 … p95).
        parity: `SweepResult.parity_table()` (columns path, year_end, p_parity).
        path: the swept dotted path (the x axis).
        year_end: which year-end to draw, 'YYYY-12'.
        name: scenario name. runs: runs per point. seed: the shared seed.
        outcomes: the outcomes to draw, one panel each; a last panel shows P(parity by year_end).
    """
    n = len(outcomes) + 1
    cols = 4 if n > 6 else 3
    rows = int(np.ceil(n / cols))
    fig = style.figure(4.2 * cols, 3.3 * rows)
    fig.suptitle(heading(f"Sweep at {year_end}", name, runs, seed))
    for k, outcome in enumerate(outcomes):
        ax = fig.add_subplot(rows, cols, k + 1)
        df = stats[(stats["outcome"] == outcome) & (stats["year_end"] == year_end)]
        df = df.sort_values(path)
        x = df[path].to_numpy(dtype=float)
        style.bands(ax, x, df, marker="o", ms=3)
        if outcome == "capability_lag_months":
            style.zero_line(ax, label="parity")
        ax.set_ylabel(registry.year_end_label(outcome), fontsize=8)
        ax.set_xlabel(parameter_label(path), fontsize=8)
        style.grid(ax)
        if k == 0:
            style.legend(ax, fontsize=7)
    ax = fig.add_subplot(rows, cols, n)
    df = parity[parity["year_end"] == year_end].sort_values(path)
    ax.plot(df[path], df["p_parity"], color=style.INK, lw=2, marker="o", ms=3)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel(f"P(China at parity by {year_end}) [-]", fontsize=8)
    ax.set_xlabel(parameter_label(path), fontsize=8)
    style.grid(ax)
    return fig


def _tick(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) and abs(value) >= 1000 else f"{value:.4g}"


def _heat(
    ax: object,
    grid: pd.DataFrame,
    fmt: str,
    cbar_label: str,
    fig: Figure,
    limits: tuple[float, float] | None = None,
) -> None:
    data = grid.to_numpy(dtype=float)
    vmin, vmax = limits if limits else (None, None)
    image = ax.imshow(data, origin="lower", aspect="auto", cmap="Greys", vmin=vmin, vmax=vmax)
    ax.set_xticks(range(grid.shape[1]), [_tick(v) for v in grid.columns], rotation=45, fontsize=7)
    ax.set_yticks(range(grid.shape[0]), [_tick(v) for v in grid.index], fontsize=7)
    finite = data[np.isfinite(data)]
    low, high = limits if limits else ((finite.min(), finite.max()) if finite.size else (0.0, 0.0))
    middle = (low + high) / 2
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            colour = "white" if data[i, j] > middle else "black"
            ax.text(j, i, format(data[i, j], fmt), ha="center", va="center", fontsize=7, color=colour)
    fig.colorbar(image, ax=ax, label=cbar_label)


def sweep_heatmaps(
    stats: pd.DataFrame,
    parity: pd.DataFrame,
    paths: Sequence[str],
    year_end: str,
    name: str,
    runs: int,
    seed: int,
) -> Figure:
    """Two-lever sweep: heat maps of the median lag and of P(parity by year_end).

    Args:
        stats: `SweepResult.stats_table()`.
        parity: `SweepResult.parity_table()`.
        paths: the two swept paths (rows, columns).
        year_end: which year-end to draw, 'YYYY-12'.
        name: scenario name. runs: runs per point. seed: the shared seed.
    """
    row, col = paths
    lag = stats[(stats["outcome"] == "capability_lag_months") & (stats["year_end"] == year_end)]
    lag_grid = lag.pivot_table(index=row, columns=col, values="p50")
    par = parity[parity["year_end"] == year_end]
    par_grid = par.pivot_table(index=row, columns=col, values="p_parity")
    fig = style.figure(13, 5)
    fig.suptitle(heading(f"Two-lever sweep at {year_end}", name, runs, seed))
    ax = fig.add_subplot(1, 2, 1)
    _heat(ax, lag_grid, ".1f", "median capability lag [months]", fig)
    ax.set_title(f"Median capability lag at {year_end} [months]")
    ax.set_xlabel(parameter_label(col))
    ax.set_ylabel(parameter_label(row))
    ax = fig.add_subplot(1, 2, 2)
    _heat(ax, par_grid, ".0%", "probability [-]", fig, limits=(0.0, 1.0))
    ax.set_title(f"P(China at parity by {year_end})")
    ax.set_xlabel(parameter_label(col))
    ax.set_ylabel(parameter_label(row))
    return fig


def sobol_figure(indices: pd.DataFrame, what: str, name: str, evaluations: int, seed: int) -> Figure:
    """First-order and total Sobol indices per factor, with confidence intervals.

    Args:
        indices: table with columns factor, S1, S1_conf, ST, ST_conf (any order; drawn by ST).
        what: the outcome reference, e.g. 'capability_lag_months@2028-12'.
        name: scenario name. evaluations: model runs used. seed: the seed.
    """
    df = indices.sort_values("ST", ascending=True)
    y = np.arange(len(df))
    fig = style.figure(9, 0.45 * len(df) + 1.8)
    ax = fig.add_subplot()
    h = 0.38
    ax.barh(
        y + h / 2,
        df["ST"],
        h,
        xerr=df["ST_conf"],
        color="0.3",
        ecolor=style.INK,
        capsize=2,
        label="total effect (ST)",
    )
    ax.barh(
        y - h / 2,
        df["S1"],
        h,
        xerr=df["S1_conf"],
        color="0.75",
        ecolor=style.INK,
        capsize=2,
        hatch="//",
        edgecolor="0.2",
        label="first order (S1)",
    )
    ax.set_yticks(y, df["factor"], fontsize=8)
    ax.axvline(0.0, color=style.INK, lw=0.8)
    ax.set_xlabel("Share of the outcome's variance [-] (bars: 95% confidence intervals)")
    ax.set_title(heading(f"Sobol indices of {what}", name, evaluations, seed))
    style.grid(ax, "x")
    style.legend(ax, "lower right")
    return fig


def trajectory_figure(
    trajectory: pd.DataFrame, chosen: pd.DataFrame, where: str, name: str, runs: int, seed: int
) -> Figure:
    """PRIM peeling trajectories: coverage against density, shaded by restricted dimensions.

    Args:
        trajectory: columns box, step, coverage, density, res_dim.
        chosen: the selected step of each box (columns box, step, coverage, density).
        where: the condition, e.g. 'capability_lag_months@2028-12 <= 0'.
        name: scenario name. runs: runs analysed. seed: the seed.
    """
    fig = style.figure(8, 5.5)
    ax = fig.add_subplot()
    markers = style.MARKERS[:5]
    scatter = None
    for k, (box, df) in enumerate(trajectory.groupby("box")):
        ax.plot(df["coverage"], df["density"], color="0.6", lw=0.8)
        scatter = ax.scatter(
            df["coverage"],
            df["density"],
            c=df["res_dim"],
            cmap="Greys",
            edgecolors=style.INK,
            linewidths=0.4,
            s=28,
            marker=markers[k % len(markers)],
            label=f"box {box} trajectory",
            vmin=0,
            vmax=max(1, trajectory["res_dim"].max()),
        )
    for _, row in chosen.iterrows():
        ax.scatter(
            [row["coverage"]],
            [row["density"]],
            s=160,
            facecolors="none",
            edgecolors=style.INK,
            linewidths=1.5,
        )
        ax.annotate(
            f"box {int(row['box'])}",
            (row["coverage"], row["density"]),
            textcoords="offset points",
            xytext=(8, 6),
            fontsize=8,
        )
    if scatter is not None:
        fig.colorbar(scatter, ax=ax, label="restricted parameters [count]")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("Coverage: share of the cases of interest inside the box [-]")
    ax.set_ylabel("Density: share of the box's runs that are cases of interest [-]")
    ax.set_title(heading(f"PRIM peeling trajectory for {where}", name, runs, seed))
    style.grid(ax)
    style.legend(ax, "upper left", fontsize=8)
    return fig
