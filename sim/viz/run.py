"""Figures of `sim run` results: the PNGs of a results folder, and every run figure by name.

`draw_run_figures` is the figure writer a caller hands to `sim.run.results.write_run_results`
(``figures=draw_run_figures``); the results layer never imports plotting itself. The figure
functions live by subject (`sim.viz.fans`, `sim.viz.distributions`, `sim.viz.sources`) and are
re-exported here, with the titles of `sim.viz.style`, so that notebooks and the report can use
one name space: ``from sim.viz import run as plotting``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.viz import style
from sim.viz.distributions import distributions, distributions_by_scenario, paired_effects
from sim.viz.fans import (
    any_parity,
    fan_chart,
    fan_charts,
    lag_within_probability,
    parity_probability,
    run_paths,
)
from sim.viz.sources import china_compute_sources, china_compute_sources_by_scenario
from sim.viz.style import title, title_many
from sim.viz.tables import lag_within_table, parity_curve, policy_dates

__all__ = [
    "any_parity",
    "china_compute_sources",
    "china_compute_sources_by_scenario",
    "distributions",
    "distributions_by_scenario",
    "draw_run_figures",
    "fan_chart",
    "fan_charts",
    "lag_within_probability",
    "paired_effects",
    "parity_probability",
    "run_paths",
    "title",
    "title_many",
]


def draw_run_figures(
    result: Any,
    folder: Path,
    within: Sequence[float] = (3.0,),
    trajectories: int = 0,
    baseline: Any = None,
) -> list[Path]:
    """Write the PNGs of a `sim run` results folder and return their paths.

    lag_fan.png, compute_share_fan.png, lag_distribution.png, china_compute_sources.png; then
    parity_probability.png when some run reaches parity, else lag_within_probability.png
    (P(lag ≤ N months) in each December); and trajectories.png with ``trajectories=K``.

    Args:
        result: the ensemble result (`sim.run.ensemble.EnsembleResult`).
        folder: where to write them (the results folder being filled).
        within: the thresholds N [months] of lag_within_probability.png; bind it (and the
            others) with ``functools.partial`` to hand this function to `write_run_results`.
        trajectories: draw this many runs' monthly lag paths (0: no trajectories.png).
        baseline: an ensemble result of the scenario this one extends, overlaid on the fans.
    """
    name, runs, seed = result.scenario.name, result.runs, result.seed
    monthly = result.monthly_quantiles()
    per_run = result.per_run()
    dates = policy_dates(result.scenario)
    ref = baseline.monthly_quantiles() if baseline is not None else None
    ref_name = baseline.scenario.name if baseline is not None else "baseline"
    lag = "capability_lag_months"
    figures = {
        "lag_fan.png": fan_chart(
            monthly,
            lag,
            title(name, runs, seed, "Capability lag"),
            zero_line=True,
            baseline=ref,
            baseline_name=ref_name,
            dates=dates,
        ),
        "compute_share_fan.png": fan_chart(
            monthly,
            "china_compute_share",
            title(name, runs, seed, "China's compute share"),
            baseline=ref,
            baseline_name=ref_name,
            dates=dates,
        ),
        "lag_distribution.png": distributions(per_run, lag, title(name, runs, seed, "Lag at year-ends")),
        "china_compute_sources.png": china_compute_sources(
            monthly, title(name, runs, seed, "Where China's chips come from"), runs=per_run
        ),
    }
    curve = parity_curve(result)
    if any_parity(curve):
        figures["parity_probability.png"] = parity_probability(
            {name: curve}, title(name, runs, seed, "Probability of parity by date")
        )
    else:
        figures["lag_within_probability.png"] = lag_within_probability(
            {name: lag_within_table(result, within)},
            title(name, runs, seed, "Probability of a short lag"),
        )
    if trajectories:
        figures["trajectories.png"] = run_paths(
            result.trajectories(trajectories, [lag]),
            monthly,
            title(name, runs, seed, f"Capability lag of {min(trajectories, runs):,} single runs"),
            dates=dates,
        )
    return [style.save(fig, Path(folder) / file) for file, fig in figures.items()]
