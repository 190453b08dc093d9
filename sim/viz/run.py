"""Figures of `sim run` results: the PNGs of a results folder, and every run figure by name.

`draw_run_figures` is the figure writer a caller hands to `sim.run.results.write_run_results`
(``figures=draw_run_figures``); the results layer never imports plotting itself. The figure
functions live by subject (`sim.viz.fans`, `sim.viz.distributions`, `sim.viz.sources`) and are
re-exported here, with the titles of `sim.viz.style`, so that notebooks and the report can use
one name space: ``from sim.viz import run as plotting``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.viz import style
from sim.viz.distributions import distributions, distributions_by_scenario, paired_effects
from sim.viz.fans import fan_chart, fan_charts, parity_probability
from sim.viz.sources import china_compute_sources, china_compute_sources_by_scenario
from sim.viz.style import title, title_many
from sim.viz.tables import parity_curve

__all__ = [
    "china_compute_sources",
    "china_compute_sources_by_scenario",
    "distributions",
    "distributions_by_scenario",
    "draw_run_figures",
    "fan_chart",
    "fan_charts",
    "paired_effects",
    "parity_probability",
    "title",
    "title_many",
]


def draw_run_figures(result: Any, folder: Path) -> list[Path]:
    """Write the PNGs of a `sim run` results folder and return their paths.

    Args:
        result: the ensemble result (`sim.run.ensemble.EnsembleResult`).
        folder: where to write them (the results folder being filled).
    """
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
    return [style.save(fig, Path(folder) / file) for file, fig in figures.items()]
