"""Running a scenario as a Monte Carlo ensemble, chunk by chunk, on any backend.

A chunk is a block of consecutive run indices stepped by one `RaceModel`. Because every random
number depends only on (seed, stream, month, run index), the ensemble's numbers are the same for
any chunk size. `run_chunk` is a plain function of picklable arguments, so a backend
(`sim.run.backends`: this process, a process pool, a Dask cluster) can map it over chunks.

Chunk results are aggregated as they arrive, in whatever order they finish (`Aggregator`):

- the per-run table (every outcome at every year-end, parity flags, sampled parameters, about
  1 KB a run) is written into arrays indexed by run, so it is in run order however the chunks
  arrived; summary statistics are computed from it exactly as for one chunk;
- the per-run monthly series (9 series x months x runs, float32: 2.6 KB a run for six years) are
  not held: each chunk's block goes to a `MonthlyStore`, kept in memory while small and appended
  to an anonymous scratch file beyond `MONTHLY_MEMORY_LIMIT`. A series is read back one at a
  time, in run order, to compute exact monthly quantiles, so they too are identical for any
  chunking. (Streaming histograms would need no scratch file but give approximate quantiles.)

Peak memory is therefore the chunks in flight plus about 1 KB a run, not the 12 KB a run of every
series of every run: 100,000 runs of the baseline stay well under 2 GiB.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import outcomes as metrics
from sim.model import RaceModel
from sim.run.backends import DEFAULT_CHUNK, Backend, make_backend
from sim.run.monthly import MONTHLY_MEMORY_LIMIT, MonthlyStore
from sim.scenario import Scenario, month_index, month_label

__all__ = [
    "DEFAULT_CHUNK",
    "Aggregator",
    "ChunkResult",
    "EnsembleResult",
    "MONTHLY_MEMORY_LIMIT",
    "MonthlyStore",
    "chunks",
    "combine",
    "run_chunk",
    "run_ensemble",
]

#: the capability lag, the outcome `EnsembleResult.lag_at_most_probabilities` thresholds.
LAG = "capability_lag_months"


@dataclass
class ChunkResult:
    """What one chunk returns: per-run year-end outcomes, parity, parameters, monthly series."""

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
    interrupt: Callable[[], None] | None = None,
) -> ChunkResult:
    """Simulate runs run_start .. run_start + n_runs - 1 of a scenario.

    `draws` optionally fixes parameter values for these runs ({path: values (n_runs,)}).
    `interrupt`, if given, is called before every month; it raises to abandon the chunk (the
    app stops a computation the user has already superseded this way). It never changes a number.
    """
    model = RaceModel(scenario, run_start=run_start, n_runs=n_runs, seed=seed, draws=draws)
    try:
        if interrupt is None:
            series = model.run()
        else:
            for _ in range(model.n_months):
                interrupt()
                model.step()
            series = model.series()
        params = {k: np.asarray(v, dtype=float) for k, v in model.draws.items()}
    finally:
        release_model(model)
    start = month_index(scenario.run.start)
    return ChunkResult(
        run_start=run_start,
        n_runs=n_runs,
        year_end=metrics.year_end_values(series, start),
        parity=metrics.parity_by(series, start),
        params=params,
        monthly={k: series[k].astype(np.float32) for k in metrics.MONTHLY},
    )


def release_model(model: mesa.Model) -> None:
    """Free a finished model's state now.

    Mesa 3.3 numbers agents from a class-level ``Agent._ids`` keyed by the model itself, so every
    model ever built stayed alive with its agents and its history (about 15 KB a run per chunk):
    an ensemble's memory grew with its run count. And a model sits in reference cycles (agents
    point to it, it points to them), so even once unreachable its arrays wait for the next full
    garbage collection; dropping its attributes returns them at once.
    """
    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)
    model.__dict__.clear()


def chunks(runs: int, chunk_size: int) -> list[tuple[int, int]]:
    """(run_start, n_runs) blocks covering 0..runs-1."""
    size = max(1, int(chunk_size))
    return [(s, min(size, runs - s)) for s in range(0, runs, size)]


@dataclass
class EnsembleResult:
    """An ensemble's outcomes, in run order.

    ``monthly`` maps each series of `metrics.MONTHLY` to its values for every run, shape
    (months, runs); it reads them from a `MonthlyStore`, one series at a time. To read runs'
    monthly paths as a table, use `trajectories`; for the quantiles over runs,
    `monthly_quantiles`.
    """

    scenario: Scenario
    runs: int
    seed: int
    year_end: dict[str, dict[str, np.ndarray]]
    parity: dict[str, np.ndarray]
    params: dict[str, np.ndarray]
    monthly: Mapping[str, np.ndarray]
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

    def lag_at_most_probabilities(
        self, within: tuple[float, ...] | list[float] = metrics.LAG_WITHIN
    ) -> dict[str, dict[str, float]]:
        """P(China's lag is at most N months in each December), {'N': {'YYYY-12': p}}."""
        return metrics.lag_at_most(self.year_end[LAG], within)

    def trajectories(
        self, runs: int | list[int] = 10, outcomes: tuple[str, ...] | list[str] | None = None
    ) -> pd.DataFrame:
        """Monthly paths of individual runs, one row per (run, month): the spaghetti of a fan.

        Args:
            runs: how many runs (the first K, which are as random as any K) or which run indices.
            outcomes: which monthly series [default: every series of `sim.outcomes.MONTHLY`].

        Returns:
            Tidy-by-run, wide-by-outcome table: columns run, month ('YYYY-MM'), then one column
            per outcome in its monthly unit (`sim.outcomes.ALL[name].series_unit`).
        """
        index = list(range(min(int(runs), self.runs))) if isinstance(runs, int) else list(runs)
        bad = [i for i in index if not 0 <= i < self.runs]
        if bad:
            raise ValueError(f"run {bad[0]} is outside 0..{self.runs - 1}")
        names = list(self.monthly) if outcomes is None else list(outcomes)
        known = list(self.monthly)  # by iteration: a MonthlyStore has no KeyError for `in`
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(
                f"{unknown[0]!r} is not a monthly series (choose from {list(self.monthly)})"
            )
        n_months = len(self.months)
        cols: dict[str, Any] = {
            "run": np.repeat(np.asarray(index, dtype=int), n_months),
            "month": np.tile(np.asarray(self.months, dtype=object), len(index)),
        }
        for name in names:
            cols[name] = self.monthly[name][:, index].T.reshape(-1).astype(float)
        return pd.DataFrame(cols)

    def monthly_quantiles(self) -> pd.DataFrame:
        """Monthly series summarised across runs: month, outcome, mean, p5 … p95.

        Reads one series at a time and summarises it month by month, so memory holds one
        float32 series of every run (288 bytes a run for six years), not all of them.
        """
        levels = list(metrics.QUANTILES.values())
        frames = []
        for name in self.monthly:
            series = self.monthly[name]
            stats = np.empty((series.shape[0], 1 + len(levels)))
            for month, row in enumerate(series):
                values = row.astype(float)
                stats[month, 0] = values.mean()
                stats[month, 1:] = np.quantile(values, levels)
            df = pd.DataFrame({"month": self.months, "outcome": name, "mean": stats[:, 0]})
            for i, key in enumerate(metrics.QUANTILES, start=1):
                df[key] = stats[:, i]
            frames.append(df)
            del series
        return pd.concat(frames, ignore_index=True)


class Aggregator:
    """Builds an `EnsembleResult` from chunk results arriving in any order.

    Per-run values go into arrays indexed by run (allocated when the first chunk arrives);
    monthly series go to a `MonthlyStore`. Every run must be added exactly once.

    Args:
        scenario: the scenario the chunks ran.
        seed: their seed.
        runs: runs in the ensemble.
        memory_limit: passed to the `MonthlyStore`.
    """

    def __init__(self, scenario: Scenario, seed: int, runs: int, memory_limit: int | None = None):
        self.scenario = scenario
        self.seed = int(seed)
        self.runs = int(runs)
        self.memory_limit = MONTHLY_MEMORY_LIMIT if memory_limit is None else int(memory_limit)
        self.year_end: dict[str, dict[str, np.ndarray]] = {}
        self.parity: dict[str, np.ndarray] = {}
        self.params: dict[str, np.ndarray] = {}
        self.monthly: MonthlyStore | None = None
        self._filled = np.zeros(self.runs, dtype=bool)

    def _allocate(self, part: ChunkResult) -> None:
        def like(values: np.ndarray) -> np.ndarray:
            return np.empty(self.runs, dtype=np.asarray(values).dtype)

        self.year_end = {
            name: {label: like(v) for label, v in by_year.items()}
            for name, by_year in part.year_end.items()
        }
        self.parity = {label: like(v) for label, v in part.parity.items()}
        self.params = {path: like(v) for path, v in part.params.items()}
        n_months = next(iter(part.monthly.values())).shape[0]
        self.monthly = MonthlyStore(tuple(part.monthly), n_months, self.runs, self.memory_limit)

    def add(self, part: ChunkResult) -> None:
        """Put one chunk's results in place."""
        if self.monthly is None:
            self._allocate(part)
        assert self.monthly is not None
        rows = slice(part.run_start, part.run_start + part.n_runs)
        if part.run_start < 0 or rows.stop > self.runs or self._filled[rows].any():
            raise ValueError(
                f"runs {rows.start}..{rows.stop - 1} are outside the ensemble or were added twice"
            )
        for name, by_year in part.year_end.items():
            for label, values in by_year.items():
                self.year_end[name][label][rows] = values
        for label, flags in part.parity.items():
            self.parity[label][rows] = flags
        for path, values in part.params.items():
            self.params[path][rows] = values
        self.monthly.add(part.run_start, part.monthly)
        self._filled[rows] = True

    @property
    def runs_done(self) -> int:
        """Runs added so far."""
        return int(self._filled.sum())

    def result(self) -> EnsembleResult:
        """Return the ensemble's result; every run must have been added."""
        if self.monthly is None or not self._filled.all():
            missing = np.flatnonzero(~self._filled)
            raise ValueError(f"{missing.size} runs missing (first: run {missing[0]})")
        start = month_index(self.scenario.run.start)
        months = [month_label(start + i) for i in range(self.scenario.n_months)]
        return EnsembleResult(
            scenario=self.scenario,
            runs=self.runs,
            seed=self.seed,
            year_end=self.year_end,
            parity=self.parity,
            params=self.params,
            monthly=self.monthly,
            months=months,
        )


def combine(scenario: Scenario, seed: int, parts: list[ChunkResult]) -> EnsembleResult:
    """Build an ensemble result from chunk results (any order) covering runs 0..N-1."""
    aggregator = Aggregator(scenario, seed, sum(p.n_runs for p in parts))
    for part in parts:
        aggregator.add(part)
    return aggregator.result()


def run_ensemble(
    scenario: Scenario,
    runs: int | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    draws: dict[str, np.ndarray] | None = None,
    *,
    backend: str | Backend = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    interrupt: Callable[[], None] | None = None,
) -> EnsembleResult:
    """Run a scenario's Monte Carlo ensemble, chunk by chunk, on a backend.

    The numbers are the same, bit for bit, for any backend, chunk size and number of workers.

    Args:
        scenario: a validated scenario.
        runs: number of runs (default: the scenario's `run.runs`).
        seed: the seed (default: the scenario's `run.seed`).
        chunk_size: runs stepped together by one model [default: 5,000, or fewer so that every
            worker gets a chunk]; never changes a number.
        progress: called as progress(runs_done, runs_total) each time a chunk finishes.
        draws: fixed parameter values for every run, {dotted path: values (runs,)}; other
            declared uncertainties are sampled as usual.
        backend: ``local``, ``processes`` or ``dask`` (started for this call and stopped after
            it), or a `sim.run.backends.Backend` the caller has opened (reused, left open).
        workers: worker processes for ``processes`` or a local Dask cluster.
        scheduler: address of an existing Dask scheduler (``dask`` only).
        interrupt: called before every simulated month of every chunk (``local`` backend only);
            whatever it raises stops the ensemble and propagates (see `run_chunk`).

    Raises:
        sim.errors.ModelError: a run failed; names the run. Nothing is returned.
        sim.run.backends.BackendError: the backend cannot be used as asked.
    """
    runs = scenario.run.runs if runs is None else int(runs)
    seed = scenario.run.seed if seed is None else int(seed)
    if draws is not None:
        draws = {k: np.asarray(v) for k, v in draws.items()}
        for path, values in draws.items():
            if values.shape[:1] != (runs,):
                raise ValueError(f"draws[{path!r}] has shape {values.shape}; expected ({runs},)")
    began = time.perf_counter()
    owned = isinstance(backend, str)
    engine = make_backend(backend, workers, scheduler) if isinstance(backend, str) else backend
    try:
        engine.start()
        size = int(chunk_size) if chunk_size else engine.default_chunk_size(runs)
        aggregator = Aggregator(scenario, seed, runs)

        def tasks() -> Iterator[tuple[Any, ...]]:
            for run_start, n in chunks(runs, size):
                part = (
                    None
                    if draws is None
                    else {k: v[run_start : run_start + n] for k, v in draws.items()}
                )
                yield (scenario, seed, run_start, n, part) + ((interrupt,) if interrupt else ())

        for _position, part in engine.map_unordered(run_chunk, tasks()):
            aggregator.add(part)
            if progress is not None:
                progress(aggregator.runs_done, runs)
        described = engine.describe()
    finally:
        if owned:
            engine.close()
    result = aggregator.result()
    result.wall_time_s = time.perf_counter() - began
    result.chunk_size = size
    result.backend = engine.name
    result.extra["backend"] = described
    return result
