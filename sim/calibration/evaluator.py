"""The calibration's scenario and its evaluator: parameter values -> per-run target quantities.

`calibration_scenario` builds the baseline *without* ``calibrated.yaml`` and with every free
parameter declared as a uniform prior, so a fit never depends on the previous fit. `Evaluator`
simulates a set of parameter values on fixed runs (common random numbers: the same seed and run
indices at every evaluation, so the loss is a deterministic, nearly smooth function of the
parameters) and reduces the monthly series to one number per target and run.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.calibration.targets import FreeParam, Target, evaluate_quantity, normalised_error
from sim.errors import ScenarioError
from sim.model import RaceModel
from sim.run.ensemble import chunks, release_model
from sim.scenario import Scenario, month_index, read_yaml, validate_dict

#: Runs per evaluation of the point fit [count] and the seed every evaluation shares.
FIT_RUNS = 100
FIT_SEED = 20250101


def baseline_raw(baseline: Path, calibrated: Path | None) -> dict[str, Any]:
    """Read the baseline's YAML mapping without the ``extends:`` of the calibrated file.

    The parent is dropped when it is `calibrated` or any file named ``calibrated.yaml`` (so a
    fit can be written to a scratch folder while the baseline extends the shipped one).

    Raises:
        ScenarioError: if the baseline extends any other file (its fit would depend on it).
    """
    raw = read_yaml(baseline)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    target = (baseline.parent / str(parent)).resolve()
    if target.name != "calibrated.yaml" and (calibrated is None or target != Path(calibrated).resolve()):
        raise ScenarioError(
            baseline,
            "extends",
            f"the baseline extends {parent}, not the calibrated file",
            "let the baseline extend only ../calibration/calibrated.yaml, or nothing",
        )
    return raw


def series_chunk(
    scenario: Scenario,
    seed: int,
    run_start: int,
    n_runs: int,
    draws: dict[str, np.ndarray] | None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], int]:
    """Monthly series, parameter draws and start month of a block of runs (a backend task)."""
    model = RaceModel(scenario, run_start=run_start, n_runs=n_runs, seed=seed, draws=draws)
    out = model.run()
    params = {k: np.asarray(v) for k, v in model.draws.items()}
    start = model.start
    release_model(model)  # Mesa 3.3 would keep every evaluation's model alive
    return out, params, start


def calibration_scenario(
    baseline: Path,
    priors: list[FreeParam],
    targets: list[Target],
    calibrated: Path | None = None,
    without_history: str | None = None,
) -> Scenario:
    """Build the baseline with uniform priors on the free parameters, to the last target month.

    Args:
        baseline: the baseline scenario file.
        priors: the free parameters.
        targets: the targets (they set the horizon).
        calibrated: the calibrated file the baseline extends (ignored, see module docstring).
        without_history: drop the history event of this month ('YYYY-MM'): a counterfactual.
    """
    raw = copy.deepcopy(baseline_raw(baseline, calibrated))
    uncertainties = dict(raw.get("uncertainties") or {})
    for p in priors:
        if p.path in uncertainties:
            raise ScenarioError(
                baseline,
                f"uncertainties.{p.path}",
                "is a free parameter of calibration/priors.yaml and cannot also be declared here",
                "delete it from the baseline; the calibration writes its distribution",
            )
        uncertainties[p.path] = {"dist": "uniform", "low": p.low, "high": p.high}
    raw["uncertainties"] = uncertainties
    raw.setdefault("run", {})
    months = [t.last_month() for t in targets if t.last_month() is not None]
    if without_history is not None:
        history = raw.get("history") or []
        kept = [e for e in history if str(e.get("date")) != without_history]
        if len(kept) == len(history):
            raise ScenarioError(
                baseline,
                "history",
                f"no event dated {without_history}",
                "fix without_history: in calibration/targets.yaml",
            )
        raw["history"] = kept
        months = [t.last_month() for t in targets if t.quantity.without_history == without_history]
    if months:  # catalogue checks alone read no month: keep the baseline's horizon
        raw["run"]["end"] = max(months, key=month_index)
    return validate_dict(raw, baseline)


@dataclass
class Evaluator:
    """Simulates parameter values on fixed runs and returns per-run target quantities.

    Args:
        baseline: the baseline scenario file.
        targets: the targets.
        priors: the free parameters.
        runs: runs per evaluation [count].
        seed: the seed every evaluation shares (common random numbers).
        calibrated: the calibrated file the baseline extends, if any.
    """

    baseline: Path
    targets: list[Target]
    priors: list[FreeParam]
    runs: int = FIT_RUNS
    seed: int = FIT_SEED
    calibrated: Path | None = None
    backend: Any = None
    n_evals: int = 0
    scenarios: dict[str | None, Scenario] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.scenarios[None] = calibration_scenario(
            self.baseline, self.priors, self.targets, self.calibrated
        )
        for t in self.targets:
            key = t.quantity.without_history
            if key is not None and key not in self.scenarios:
                self.scenarios[key] = calibration_scenario(
                    self.baseline, self.priors, self.targets, self.calibrated, key
                )

    @property
    def lows(self) -> np.ndarray:
        """Lower bounds of the free parameters."""
        return np.array([p.low for p in self.priors])

    @property
    def highs(self) -> np.ndarray:
        """Upper bounds of the free parameters."""
        return np.array([p.high for p in self.priors])

    def series(
        self, draws: dict[str, np.ndarray] | None, runs: int, key: str | None = None
    ) -> dict[str, np.ndarray]:
        """Monthly series (months, runs) of the baseline or a counterfactual for given draws.

        With a backend (``sim calibrate --backend``) the runs are split into chunks that run on
        its workers; a run's numbers depend only on the seed and its index, so the series are the
        same bits as in one chunk.
        """
        scenario = self.scenarios[key]
        if self.backend is None or self.backend.workers <= 1:
            out, params, start = series_chunk(scenario, self.seed, 0, runs, draws)
        else:
            size = self.backend.default_chunk_size(runs)
            tasks = [
                (
                    scenario,
                    self.seed,
                    s,
                    n,
                    None if draws is None else {k: np.asarray(v)[s : s + n] for k, v in draws.items()},
                )
                for s, n in chunks(runs, size)
            ]
            done = dict(self.backend.map_unordered(series_chunk, tasks))
            parts = [done[i] for i in range(len(tasks))]
            out = {k: np.concatenate([p[0][k] for p in parts], axis=1) for k in parts[0][0]}
            params = {k: np.concatenate([p[1][k] for p in parts]) for k in parts[0][1]}
            start = parts[0][2]
        out["_start"] = np.array(start)
        out["_params"] = params
        return out

    def per_run(
        self, draws: dict[str, np.ndarray] | None = None, runs: int | None = None
    ) -> dict[str, np.ndarray]:
        """Every target's quantity per run, {target id: values (runs,)}.

        Args:
            draws: values of the free parameters, {path: scalar or (runs,)}; None samples them
                from the priors (one draw per run).
            runs: number of runs [default: self.runs].
        """
        runs = self.runs if runs is None else int(runs)
        if draws is not None:
            draws = {k: np.broadcast_to(np.asarray(v, float), (runs,)) for k, v in draws.items()}
        base = self.series(draws, runs)
        counterfactual = {key: self.series(draws, runs, key) for key in self.scenarios if key}
        self.n_evals += 1
        out = {}
        for t in self.targets:
            cf = counterfactual.get(t.quantity.without_history)
            out[t.id] = evaluate_quantity(t.quantity, base, cf, self.scenarios[None])
        out["_params"] = base["_params"]
        return out

    def values(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Per-run target quantities at one point of parameter space."""
        draws = {p.path: float(v) for p, v in zip(self.priors, theta, strict=True)}
        return self.per_run(draws)

    def loss(self, theta: np.ndarray) -> float:
        """Sum over targets of the squared error of the median, in units of tolerance [-]."""
        values = self.values(theta)
        return float(
            sum(
                normalised_error(t, float(np.median(values[t.id]))) ** 2
                for t in self.targets
                if t.in_fit
            )
        )
