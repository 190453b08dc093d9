"""Running a scenario as a Monte Carlo ensemble, chunk by chunk.

A chunk is a block of consecutive run indices stepped by one `RaceModel`. Because every random
number depends only on (seed, stream, month, run index), the ensemble's numbers are the same for
any chunk size. `run_chunk` is a plain function of picklable arguments, so executors (a process
pool, a Dask cluster) can map it over chunks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim import metrics
from sim.model import RaceModel
from sim.scenario import Scenario, month_index, month_label

DEFAULT_CHUNK = 5_000


@dataclass
class ChunkResult:
    """What one chunk returns: per-run year-end outcomes, parity flags, parameters, monthly series."""

    run_start: int
    n_runs: int
    year_end: dict[str, dict[str, np.ndarray]]
    parity: dict[str, np.ndarray]
    params: dict[str, np.ndarray]
    monthly: dict[str, np.ndarray]


def run_chunk(
    scenario: Scenario,
    seed: int,
    run_start: int,
    n_runs: int,
    draws: dict[str, np.ndarray] | None = None,
) -> ChunkResult:
    """Simulate runs run_start .. run_start + n_runs - 1 of a scenario.

    `draws` optionally fixes parameter values for these runs ({path: values (n_runs,)}).
    """
    model = RaceModel(scenario, run_start=run_start, n_runs=n_runs, seed=seed, draws=draws)
    series = model.run()
    start = month_index(scenario.run.start)
    return ChunkResult(
        run_start=run_start,
        n_runs=n_runs,
        year_end=metrics.year_end_values(series, start),
        parity=metrics.parity_by(series, start),
        params={k: np.asarray(v, dtype=float) for k, v in model.draws.items()},
        monthly={k: series[k].astype(np.float32) for k in metrics.MONTHLY},
    )


def chunks(runs: int, chunk_size: int) -> list[tuple[int, int]]:
    """(run_start, n_runs) blocks covering 0..runs-1."""
    size = max(1, int(chunk_size))
    return [(s, min(size, runs - s)) for s in range(0, runs, size)]


@dataclass
class EnsembleResult:
    """An ensemble's outcomes, in run order."""

    scenario: Scenario
    runs: int
    seed: int
    year_end: dict[str, dict[str, np.ndarray]]
    parity: dict[str, np.ndarray]
    params: dict[str, np.ndarray]
    monthly: dict[str, np.ndarray]
    months: list[str]
    wall_time_s: float = 0.0
    chunk_size: int = DEFAULT_CHUNK
    backend: str = "local"
    extra: dict[str, Any] = field(default_factory=dict)

    def per_run(self) -> pd.DataFrame:
        """One row per run: run index, sampled parameters, outcome@YYYY-12 columns, parity flags."""
        cols: dict[str, np.ndarray] = {"run": np.arange(self.runs)}
        for path, values in self.params.items():
            cols[path] = values
        for name, by_year in self.year_end.items():
            for label, values in by_year.items():
                cols[f"{name}@{label}"] = values
        for label, flags in self.parity.items():
            cols[f"china_parity_by@{label}"] = flags
        return pd.DataFrame(cols)

    def summary_outcomes(self) -> dict[str, dict[str, dict[str, float]]]:
        """{outcome: {'YYYY-12': {mean, p5, p25, p50, p75, p95}}}."""
        return {
            name: {label: metrics.describe(v) for label, v in by_year.items()}
            for name, by_year in self.year_end.items()
        }

    def parity_probabilities(self) -> dict[str, float]:
        """P(China reached parity by each year-end)."""
        return {label: float(np.mean(flags)) for label, flags in self.parity.items()}

    def monthly_quantiles(self) -> pd.DataFrame:
        """Monthly series summarised across runs: month, outcome, mean, p5 … p95."""
        frames = []
        for name, values in self.monthly.items():
            v = values.astype(float)
            q = np.quantile(v, list(metrics.QUANTILES.values()), axis=1)
            df = pd.DataFrame({"month": self.months, "outcome": name, "mean": v.mean(axis=1)})
            for key, row in zip(metrics.QUANTILES, q, strict=True):
                df[key] = row
            frames.append(df)
        return pd.concat(frames, ignore_index=True)


def combine(scenario: Scenario, seed: int, parts: list[ChunkResult]) -> EnsembleResult:
    """Concatenate chunk results in run order."""
    parts = sorted(parts, key=lambda c: c.run_start)
    first = parts[0]
    year_end = {
        name: {label: np.concatenate([p.year_end[name][label] for p in parts]) for label in by_year}
        for name, by_year in first.year_end.items()
    }
    parity = {label: np.concatenate([p.parity[label] for p in parts]) for label in first.parity}
    params = {k: np.concatenate([p.params[k] for p in parts]) for k in first.params}
    monthly = {k: np.concatenate([p.monthly[k] for p in parts], axis=1) for k in first.monthly}
    start = month_index(scenario.run.start)
    months = [month_label(start + i) for i in range(scenario.n_months)]
    return EnsembleResult(
        scenario=scenario,
        runs=sum(p.n_runs for p in parts),
        seed=seed,
        year_end=year_end,
        parity=parity,
        params=params,
        monthly=monthly,
        months=months,
    )


def run_ensemble(
    scenario: Scenario,
    runs: int | None = None,
    seed: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Callable[[int, int], None] | None = None,
    draws: dict[str, np.ndarray] | None = None,
) -> EnsembleResult:
    """Run a scenario's Monte Carlo ensemble in this process, chunk by chunk.

    Args:
        scenario: a validated scenario.
        runs: number of runs (default: the scenario's `run.runs`).
        seed: the seed (default: the scenario's `run.seed`).
        chunk_size: runs stepped together by one model; never changes a number.
        progress: called as progress(runs_done, runs_total) after each chunk.
        draws: fixed parameter values for every run, {dotted path: values (runs,)}; other
            declared uncertainties are sampled as usual.
    """
    runs = scenario.run.runs if runs is None else int(runs)
    seed = scenario.run.seed if seed is None else int(seed)
    began = time.perf_counter()
    parts = []
    done = 0
    for run_start, n in chunks(runs, chunk_size):
        part = (
            None
            if draws is None
            else {k: np.asarray(v)[run_start : run_start + n] for k, v in draws.items()}
        )
        parts.append(run_chunk(scenario, seed, run_start, n, part))
        done += n
        if progress is not None:
            progress(done, runs)
    result = combine(scenario, seed, parts)
    result.wall_time_s = time.perf_counter() - began
    result.chunk_size = chunk_size
    return result
