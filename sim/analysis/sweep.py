"""Parameter sweeps: how the outcomes move as one or two levers move.

Every value of the lever is run on the same random draws: run i reads the same uniforms for its
uncertain parameters and its monthly shocks whatever the lever's value (common random numbers,
see `sim.model.sampling`). The difference between two points of the sweep is therefore the lever's
effect in each drawn world, not noise between two samples, and the curve is smooth.

A lever is any numeric scenario field, named by its dotted path (the same paths as ``--set``),
e.g. ``policy.us.export.h200.cap_units``. If the path is also a declared uncertainty, the sweep
fixes it at each value in every run (the other uncertainties keep their draws).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.refs import parameter_unit
from sim.analysis.sweep_axes import (
    MAX_POINTS,
    Axis,
    SweepPoint,
    build_points,
    parse_axes,
    parse_range,
    parse_values,
)
from sim.outcomes import LAG_WITHIN, OUTCOMES, STATS
from sim.run.ensemble import EnsembleResult, run_ensemble
from sim.scenario import Scenario

__all__ = [
    "MAX_POINTS",
    "Axis",
    "SweepPoint",
    "SweepResult",
    "build_points",
    "parse_axes",
    "parse_range",
    "parse_values",
    "run_sweep",
    "sweep",
    "write_sweep",
]


# --------------------------------------------------------------------------- running


@dataclass
class SweepResult:
    """Every point's ensemble, in the order of `itertools.product` over the axes."""

    axes: list[Axis]
    points: list[SweepPoint]
    results: list[EnsembleResult]
    wall_time_s: float = 0.0

    @property
    def scenario(self) -> Scenario:
        """The scenario at the first point (name, runs, seed are the same at every point)."""
        return self.points[0].scenario

    @property
    def runs(self) -> int:
        """Runs per point."""
        return self.results[0].runs

    @property
    def seed(self) -> int:
        """The seed every point shares."""
        return self.results[0].seed

    @property
    def paths(self) -> list[str]:
        """The swept dotted paths."""
        return [a.path for a in self.axes]

    def has_effect(self) -> bool:
        """Whether any outcome of any run differs between the points of the sweep."""
        first = self.results[0]
        for res in self.results[1:]:
            for name, by_year in res.year_end.items():
                for label, values in by_year.items():
                    if not np.array_equal(values, first.year_end[name][label]):
                        return True
        return False

    def summary_dict(self) -> dict[str, Any]:
        """The content of sweep.json: for each point, the statistics summary.json holds."""
        from sim.run.results import sim_version
        from sim.scenario import scenario_sha256

        return {
            "scenario": self.scenario.name,
            "runs": self.runs,
            "seed": self.seed,
            "sim_version": sim_version(),
            "parameters": [
                {"path": a.path, "unit": parameter_unit(a.path), "values": list(a.values)}
                for a in self.axes
            ],
            "points": [
                {
                    "values": pt.values,
                    "scenario_sha256": scenario_sha256(pt.scenario),
                    "outcomes": res.summary_outcomes(),
                    "probabilities": {
                        "china_parity_by": res.parity_probabilities(),
                        "china_lag_at_most": res.lag_at_most_probabilities(LAG_WITHIN),
                    },
                }
                for pt, res in zip(self.points, self.results, strict=True)
            ],
        }

    def stats_table(self) -> pd.DataFrame:
        """Tidy table: one row per point, outcome and year-end with mean, p5 … p95."""
        rows = []
        for i, (pt, res) in enumerate(zip(self.points, self.results, strict=True)):
            for name, by_year in res.summary_outcomes().items():
                for label, stats in by_year.items():
                    rows.append(
                        {
                            "point": i,
                            **pt.values,
                            "outcome": name,
                            "unit": OUTCOMES[name].unit,
                            "year_end": label,
                            **{k: stats[k] for k in STATS},
                        }
                    )
        return pd.DataFrame(rows)

    def parity_table(self) -> pd.DataFrame:
        """Tidy table: one row per point and year-end with P(China at parity by then)."""
        rows = []
        for i, (pt, res) in enumerate(zip(self.points, self.results, strict=True)):
            for label, p in res.parity_probabilities().items():
                rows.append({"point": i, **pt.values, "year_end": label, "p_parity": p})
        return pd.DataFrame(rows)

    def per_run(self) -> pd.DataFrame:
        """Every run of every point (paired: same run index = same draws), with the lever values."""
        frames = []
        for i, (pt, res) in enumerate(zip(self.points, self.results, strict=True)):
            df = res.per_run()
            for p, v in pt.values.items():
                df[p] = v
            df.insert(0, "point", i)
            frames.append(df)
        return pd.concat(frames, ignore_index=True)


def run_sweep(
    points: Sequence[SweepPoint],
    axes: Sequence[Axis],
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int | None = None,
    backend: Any = "local",
) -> SweepResult:
    """Run the ensemble at every point (same seed and runs, so the same draws).

    Args:
        points: from `build_points`.
        axes: the axes the points were built from.
        progress: called as progress(runs_done, runs_total) after each chunk.
        chunk_size: runs stepped together [default: the backend's]; never changes a number.
        backend: where chunks run: a name, or an open `sim.run.backends.Backend` reused for every
            point; never changes a number.
    """
    began = time.perf_counter()
    total = sum(pt.scenario.run.runs for pt in points)
    done = 0
    results = []
    for pt in points:
        offset = done
        tick = None if progress is None else (lambda d, _t, o=offset: progress(o + d, total))
        results.append(
            run_ensemble(
                pt.scenario, chunk_size=chunk_size, progress=tick, draws=pt.draws, backend=backend
            )
        )
        done += pt.scenario.run.runs
    return SweepResult(list(axes), list(points), results, time.perf_counter() - began)


def sweep(
    scenario_file: str | Path,
    axes: Sequence[Axis],
    runs: int | None = None,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> SweepResult:
    """Build and run a sweep in one call (notebooks)."""
    return run_sweep(build_points(scenario_file, axes, runs, seed, overrides), axes)


# --------------------------------------------------------------------------- writing


def write_sweep(
    result: SweepResult,
    out: Path,
    *,
    figures: Callable[[SweepResult, Path], object] | None = None,
    command: str = "sim sweep",
) -> Path:
    """Write a complete sweep folder atomically.

    Files: sweep.json (per-point statistics), sweep.parquet and summary.csv (the same as a tidy
    table),
    parity.parquet (P(parity by year-end) per point), runs.parquet (every run of every point),
    scenario.yaml (the scenario at the first point), manifest.json, and the figures (sweep.png for
    one lever, heatmap.png for two).

    Args:
        result: the sweep.
        out: the folder to create or replace (atomically).
        figures: draws the folder's figures, ``figures(result, folder)``; the caller that wants
            PNGs passes the viz layer's `draw_sweep_figures` (with its year-end bound). None
            writes the data files only, so the analysis layer never imports the plotting layer.
        command: the command line, recorded in manifest.json.

    Returns:
        The folder written.
    """
    from sim.run.results import atomic_folder, manifest, resolved_yaml, write_csv, write_json

    def fill(tmp: Path) -> None:
        write_json(tmp / "sweep.json", result.summary_dict())
        result.stats_table().to_parquet(tmp / "sweep.parquet", index=False)
        write_csv(tmp / "summary.csv", result.stats_table())
        result.parity_table().to_parquet(tmp / "parity.parquet", index=False)
        result.per_run().to_parquet(tmp / "runs.parquet", index=False)
        (tmp / "scenario.yaml").write_text(resolved_yaml(result.scenario), encoding="utf-8")
        info = manifest(result.results[0], command)
        info["wall_time_s"] = round(result.wall_time_s, 3)
        info["runs"] = sum(r.runs for r in result.results)
        info["points"] = len(result.points)
        write_json(tmp / "manifest.json", info)
        if figures is not None:
            figures(result, tmp)

    return atomic_folder(Path(out), fill)
