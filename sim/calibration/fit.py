"""Calibration: targets and priors -> a bounded fit and an ABC posterior -> calibrated.yaml.

The pieces, in the order `sim calibrate` runs them:

1. `load_targets` / `load_priors` read ``calibration/targets.yaml`` (the figures of docs/sources.md
   the baseline must reproduce, each mapped to a model quantity) and ``calibration/priors.yaml``
   (the free parameters with their ranges and reasons).
2. `calibration_scenario` builds the baseline *without* ``calibrated.yaml`` and with every free
   parameter declared as a uniform prior, so a fit never depends on the previous fit.
3. `Evaluator` simulates a set of parameter values on fixed runs (common random numbers: the
   same seed and run indices at every evaluation, so the loss is a deterministic, nearly smooth
   function of the parameters) and reduces the monthly series to one number per target and run.
4. `abc_posterior` draws the free parameters from their priors, one draw per run, and keeps the
   draws whose simulated targets fall within tolerance (rejection ABC; if too few pass, the
   nearest draws by normalised distance): what the targets leave open.
5. `fit` starts scipy's bounded L-BFGS-B from the accepted draws' mean and minimises the sum of
   squared target errors in units of tolerance (the point fit).
6. `posterior_rows` resamples the accepted draws (by importance weight, at most 400 rows) into
   the joint posterior: one `empirical` group, so a run takes one accepted particle whole.
7. The entries of ``validation:`` (public figures held out of the fit: the loss and ABC never
   read them) are evaluated at the point fit and on the baseline as shipped.
8. `write_outputs` writes ``calibrated.yaml`` (world: point values; uncertainties: the joint
   posterior) with provenance, the fit report (Markdown + JSON) and a PNG.

Modules: `sim.calibration.targets` (the files' schema, quantities, statistics; step 1),
`sim.calibration.evaluator` (steps 2-3), `sim.calibration.posterior` (steps 4
and 6), this module (step 5 and the whole run; it re-exports the others' public names),
`sim.calibration.report` (step 8 and the regression baselines).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize

from sim.calibration.evaluator import (
    FIT_RUNS,
    FIT_SEED,
    Evaluator,
    baseline_raw,
    calibration_scenario,
    series_chunk,
)
from sim.calibration.posterior import (
    ABC_RUNS,
    MIN_ACCEPTED,
    POSTERIOR_ROWS,
    Posterior,
    _round,
    abc_posterior,
    empirical_posterior,
    posterior_rows,
    predictive_values,
    triangular_summary,
    weighted_quantile,
)
from sim.calibration.targets import (
    Check,
    FreeParam,
    Target,
    evaluate_quantity,
    load_priors,
    load_targets,
    load_validation,
)
from sim.model import RaceModel
from sim.scenario import validate_dict

__all__ = [
    "ABC_RUNS",
    "FIT_RUNS",
    "FIT_SEED",
    "MAX_EVALS",
    "MIN_ACCEPTED",
    "POSTERIOR_ROWS",
    "PREDICTIVE_RUNS",
    "STARTS",
    "CalibrationResult",
    "Evaluator",
    "FitResult",
    "Posterior",
    "abc_posterior",
    "baseline_raw",
    "best_start",
    "calibrate",
    "calibration_scenario",
    "empirical_posterior",
    "evaluate_scenario",
    "file_sha256",
    "fit",
    "load_priors",
    "load_targets",
    "load_validation",
    "posterior_rows",
    "predictive_values",
    "series_chunk",
    "triangular_summary",
    "weighted_quantile",
]

#: Defaults of `sim calibrate` (a budget that finishes in a few minutes on 2 cores); FIT_RUNS,
#: FIT_SEED (`sim.calibration.evaluator`), ABC_RUNS and MIN_ACCEPTED (`sim.calibration.posterior`).
MAX_EVALS = 100
STARTS = 8
PREDICTIVE_RUNS = 400


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --------------------------------------------------------------------------- the point fit


def best_start(
    ev: Evaluator,
    posterior: Posterior,
    n_candidates: int = STARTS,
    progress: Callable[[str], None] | None = None,
) -> np.ndarray:
    """Pick the optimiser's start: the best of the ABC mean and the nearest accepted draws.

    Medians of one-sided targets can sit on a plateau (e.g. zero H20 imports) where the loss
    has no slope; starting from the accepted draw with the lowest ensemble loss keeps the
    local optimiser out of such plateaus.
    """
    say = progress or (lambda _msg: None)
    samples = np.stack([posterior.samples[p.path] for p in ev.priors], axis=1)
    mean = np.average(samples, axis=0, weights=posterior.weights)
    candidates = [mean, *samples[posterior.order[: n_candidates - 1]]]
    losses = [ev.loss(c) for c in candidates]
    k = int(np.argmin(losses))
    say(
        f"fit: start from {'the ABC mean' if k == 0 else f'accepted draw {k}'} "
        f"(loss {losses[k]:.3f}; best of {len(candidates)} candidates)"
    )
    return np.asarray(candidates[k], dtype=float)


@dataclass
class FitResult:
    """The point fit: parameter values, loss, evaluations, and scipy's message."""

    theta: np.ndarray
    loss: float
    n_evals: int
    message: str
    start: np.ndarray


def fit(
    ev: Evaluator,
    start: np.ndarray,
    max_evals: int = MAX_EVALS,
    progress: Callable[[str], None] | None = None,
) -> FitResult:
    """Minimise the loss with bounded L-BFGS-B in coordinates scaled to [0, 1].

    Finite-difference steps are 2% of each range: large enough to step over the kinks that
    medians of finitely many runs leave, small enough to follow the slope.
    """
    say = progress or (lambda _msg: None)
    lows, highs = ev.lows, ev.highs
    span = highs - lows
    best: dict[str, Any] = {"loss": np.inf, "x": None}
    count = {"n": 0}

    def objective(u: np.ndarray) -> float:
        if count["n"] >= max_evals:
            raise _BudgetSpent
        theta = lows + np.clip(u, 0.0, 1.0) * span
        value = ev.loss(theta)
        count["n"] += 1
        if value < best["loss"]:
            best.update(loss=value, x=np.array(u))
        if count["n"] % 5 == 0 or count["n"] == 1:
            say(
                f"fit: evaluation {count['n']:>3} (budget {max_evals})  loss {value:9.3f}  "
                f"best {best['loss']:9.3f}"
            )
        return value

    u0 = np.clip((start - lows) / span, 0.0, 1.0)
    try:
        res = optimize.minimize(
            objective,
            u0,
            method="L-BFGS-B",
            bounds=[(0.0, 1.0)] * len(u0),
            options={"maxfun": max_evals, "eps": 0.02, "ftol": 1e-6},
        )
        message = str(res.message)
    except _BudgetSpent:
        message = f"stopped after the budget of {max_evals} evaluations"
    say(f"fit: {message}; best loss {best['loss']:.4f}")
    return FitResult(
        theta=lows + np.clip(best["x"], 0.0, 1.0) * span,
        loss=float(best["loss"]),
        n_evals=count["n"],
        message=message,
        start=start,
    )


class _BudgetSpent(Exception):
    """Raised inside the objective when the evaluation budget is spent."""


# --------------------------------------------------------------------------- the whole run


@dataclass
class CalibrationResult:
    """Everything `write_outputs` needs."""

    targets: list[Target]
    priors: list[FreeParam]
    fit: FitResult
    posterior: Posterior
    values: dict[str, np.ndarray]  # per-run target quantities at the point fit
    predictive: dict[str, np.ndarray]  # the same with the posterior drawn per run
    backtest: dict[str, np.ndarray]  # monthly series for the backtest figure
    runs: int
    seed: int
    wall_time_s: float
    inputs: dict[str, str]  # file -> sha256
    shipped: dict[str, dict[str, Any]] = field(default_factory=dict)  # uncertainties: written
    checks: list[Check] = field(default_factory=list)  # validation: entries, never fitted
    check_values: dict[str, np.ndarray] = field(default_factory=dict)  # at the point fit
    check_predictive: dict[str, np.ndarray] = field(default_factory=dict)  # as shipped


def calibrate(
    targets_path: Path,
    priors_path: Path,
    baseline: Path,
    calibrated: Path,
    runs: int = FIT_RUNS,
    seed: int = FIT_SEED,
    abc_runs: int = ABC_RUNS,
    max_evals: int = MAX_EVALS,
    progress: Callable[[str], None] | None = None,
    backend: Any = None,
) -> CalibrationResult:
    """Fit the free parameters to the targets and keep what the targets leave open.

    The ``validation:`` entries of the targets file are evaluated after the fit, on the point
    fit and on the baseline as shipped, with an evaluator of their own: the loss and the ABC
    never read them.

    Args:
        targets_path: calibration/targets.yaml.
        priors_path: calibration/priors.yaml.
        baseline: scenarios/baseline.yaml.
        calibrated: the calibrated file the baseline extends (its content is ignored).
        runs: runs per evaluation of the point fit [count].
        seed: the seed of every evaluation.
        abc_runs: prior draws of the ABC step [count].
        max_evals: most loss evaluations of the optimiser [count].
        progress: called with one line of text per step.
        backend: an open `sim.run.backends.Backend` to run the evaluations' chunks on (the numbers
            do not depend on it); None runs them in this process.
    """
    began = time.perf_counter()
    say = progress or (lambda _msg: None)
    targets = load_targets(targets_path)
    checks = load_validation(targets_path)
    priors = load_priors(priors_path)
    ev = Evaluator(
        baseline, targets, priors, runs=runs, seed=seed, calibrated=calibrated, backend=backend
    )
    posterior = abc_posterior(ev, abc_runs, progress=say)
    start = best_start(ev, posterior, progress=say)
    say(f"fit: L-BFGS-B over {len(priors)} parameters, {runs} runs per evaluation, seed {seed}")
    result = fit(ev, start, max_evals=max_evals, progress=say)
    theta = np.array([_round(v) for v in result.theta])
    result.theta = theta
    result.loss = ev.loss(theta)
    values = ev.values(theta)
    draws = {p.path: float(v) for p, v in zip(priors, theta, strict=True)}
    base = ev.series({k: np.full(runs, v) for k, v in draws.items()}, runs)
    cf = {
        key: ev.series({k: np.full(runs, v) for k, v in draws.items()}, runs, key)
        for key in ev.scenarios
        if key
    }
    backtest = {k: v for k, v in base.items() if not k.startswith("_")}
    for key, s in cf.items():
        for name in ("china_h20_imports_units",):
            backtest[f"{name}|without {key}"] = s[name]
    say(f"check: the baseline as shipped (posterior draws), {PREDICTIVE_RUNS} runs ...")
    shipped = empirical_posterior(posterior_rows(posterior, seed))
    predictive = predictive_values(ev, shipped, PREDICTIVE_RUNS)
    check_values: dict[str, np.ndarray] = {}
    check_predictive: dict[str, np.ndarray] = {}
    if checks:
        say(f"validation: {len(checks)} held-out figure(s) at the point fit and as shipped ...")
        vev = Evaluator(
            baseline, checks, priors, runs=runs, seed=seed, calibrated=calibrated, backend=backend
        )
        check_values = vev.values(theta)
        check_predictive = predictive_values(vev, shipped, PREDICTIVE_RUNS)
    inputs = {
        "targets": file_sha256(targets_path),
        "priors": file_sha256(priors_path),
        "baseline": file_sha256(baseline),
    }
    return CalibrationResult(
        targets=targets,
        priors=priors,
        fit=result,
        posterior=posterior,
        values=values,
        predictive=predictive,
        backtest=backtest,
        runs=runs,
        seed=seed,
        wall_time_s=time.perf_counter() - began,
        inputs=inputs,
        shipped=shipped,
        checks=checks,
        check_values=check_values,
        check_predictive=check_predictive,
    )


def evaluate_scenario(
    scenario_path: Path, targets: list[Target], runs: int, seed: int
) -> dict[str, np.ndarray]:
    """Every target's quantity per run for a scenario as shipped (calibration applied).

    Runs its own Monte Carlo (uncertainties drawn as declared, the calibrated posterior
    included) and, for counterfactual targets, the same runs without the history event.
    """
    from sim.scenario import load_scenario

    scenario = load_scenario(scenario_path, {"run.runs": runs, "run.seed": seed})
    model = RaceModel(scenario, 0, runs, seed)
    base = model.run()
    base["_start"] = np.array(model.start)
    out = {}
    for t in targets:
        cf = None
        key = t.quantity.without_history
        if key is not None:
            raw = scenario.model_dump(mode="json")
            raw["history"] = [e for e in raw["history"] if e["date"] != key]
            cf_model = RaceModel(validate_dict(raw, scenario_path), 0, runs, seed)
            cf = cf_model.run()
            cf["_start"] = np.array(cf_model.start)
        out[t.id] = evaluate_quantity(t.quantity, base, cf, scenario)
    return out
