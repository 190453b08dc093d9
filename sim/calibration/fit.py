"""Calibration: targets and priors -> a bounded fit and an ABC posterior -> calibrated.yaml.

The pieces, in the order `sim calibrate` runs them:

1. `load_targets` / `load_priors` read ``calibration/targets.yaml`` (the figures of SOURCES.md
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
6. `write_outputs` writes ``calibrated.yaml`` (world: point values; uncertainties: the posterior
   as triangular distributions) with provenance, the fit report (Markdown + JSON) and a PNG.

The quantities and statistics live in `sim.calibration.targets`; the fit report and the
regression baselines in `sim.calibration.report`.
"""

from __future__ import annotations

import copy
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize

from sim.calibration.targets import (
    FreeParam,
    Target,
    evaluate_quantity,
    load_priors,
    load_targets,
    normalised_error,
)
from sim.errors import ScenarioError
from sim.model import RaceModel
from sim.run.ensemble import chunks, release_model
from sim.scenario import Scenario, month_index, read_yaml, validate_dict

__all__ = [
    "CalibrationResult",
    "Evaluator",
    "abc_posterior",
    "calibrate",
    "calibration_scenario",
    "file_sha256",
    "fit",
    "load_priors",
    "load_targets",
]

#: Defaults of `sim calibrate` (a budget that finishes in a few minutes on 2 cores).
FIT_RUNS = 100
FIT_SEED = 20250101
ABC_RUNS = 2000
MIN_ACCEPTED = 100
MAX_EVALS = 100
STARTS = 8
PREDICTIVE_RUNS = 400


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --------------------------------------------------------------------------- the scenario


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
    raw["run"]["end"] = max(months, key=month_index)
    return validate_dict(raw, baseline)


# --------------------------------------------------------------------------- evaluation


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


# --------------------------------------------------------------------------- ABC and fit


@dataclass
class Posterior:
    """Accepted draws {path: values (n,)} with importance weights, and how they were chosen."""

    samples: dict[str, np.ndarray]
    weights: np.ndarray
    order: np.ndarray  # accepted draws, nearest to the targets first
    n_drawn: int
    n_within: int
    rule: str


def _accept(
    ev: Evaluator, values: dict[str, np.ndarray], min_accepted: int
) -> tuple[np.ndarray, np.ndarray, int, str]:
    """Choose accepted draws: mask, distances, how many met every target, and the rule."""
    fitted = [t for t in ev.targets if t.in_fit]
    errors = np.stack([normalised_error(t, values[t.id]) for t in fitted])
    within = np.all(np.abs(errors) <= 1.0, axis=0)
    distance = np.sqrt(np.mean(errors**2, axis=0))
    if within.sum() >= min_accepted:
        rule = f"all {len(fitted)} fitted targets within tolerance"
        return within, distance, int(within.sum()), rule
    keep = np.zeros(len(distance), bool)
    keep[np.argsort(distance, kind="stable")[:min_accepted]] = True
    rule = (
        f"only {int(within.sum())} draws met every fitted target; kept the {min_accepted} "
        "nearest by root-mean-square error in units of tolerance "
        f"(distance <= {np.sort(distance)[min_accepted - 1]:.2f})"
    )
    return keep, distance, int(within.sum()), rule


def abc_posterior(
    ev: Evaluator,
    runs: int = ABC_RUNS,
    min_accepted: int = MIN_ACCEPTED,
    progress: Callable[[str], None] | None = None,
) -> Posterior:
    """Two-round ABC: keep the draws whose simulated targets are all within tolerance.

    Round 1 draws the free parameters from their uniform priors, one run per draw (the other
    uncertainties of the baseline are drawn from their own distributions: they are
    marginalised). If fewer than `min_accepted` draws meet every fitted target, the
    `min_accepted` nearest (root-mean-square error in units of tolerance) are kept. Round 2
    draws as many runs from the triangular summary of round 1 (the proposal), keeps the
    draws that meet every fitted target (or the nearest, as before) and weights each by
    prior density / proposal density, so the result estimates prior x P(within tolerance),
    as in ABC population Monte Carlo.
    """
    from scipy import stats

    say = progress or (lambda _msg: None)
    say(f"ABC round 1: simulating {runs:,} prior draws (one run each) ...")
    values = ev.per_run(None, runs)
    keep, _, n_within, rule = _accept(ev, values, min_accepted)
    say(f"ABC round 1: kept {int(keep.sum())} of {runs:,} draws ({rule})")
    proposal = {
        p.path: triangular_summary(np.asarray(values["_params"][p.path])[keep], p.low, p.high)
        for p in ev.priors
    }
    say(f"ABC round 2: simulating {runs:,} draws from the round-1 summary ...")
    values = predictive_values(ev, proposal, runs)
    keep, distance, n_within, rule = _accept(ev, values, min_accepted)
    say(f"ABC round 2: kept {int(keep.sum())} of {runs:,} draws ({rule})")
    samples = {p.path: np.asarray(values["_params"][p.path])[keep] for p in ev.priors}
    density = np.ones(int(keep.sum()))
    for p in ev.priors:
        d = proposal[p.path]
        c = (d["mode"] - d["low"]) / (d["high"] - d["low"])
        q = stats.triang.pdf(samples[p.path], c, loc=d["low"], scale=d["high"] - d["low"])
        density *= np.maximum(q, 1e-300) * (p.high - p.low)
    weights = 1.0 / density
    order = np.argsort(distance[keep], kind="stable")
    return Posterior(
        samples=samples,
        weights=weights / weights.sum(),
        order=order,
        n_drawn=runs,
        n_within=n_within,
        rule=f"round 2: {rule}",
    )


def weighted_quantile(x: np.ndarray, q: list[float], w: np.ndarray | None = None) -> np.ndarray:
    """Quantiles of weighted samples (midpoint rule on the sorted cumulative weights)."""
    x = np.asarray(x, dtype=float)
    w = np.ones_like(x) if w is None else np.asarray(w, dtype=float)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cum, x)


def triangular_summary(
    x: np.ndarray, low: float, high: float, weights: np.ndarray | None = None
) -> dict[str, float]:
    """Summarise accepted draws as a triangular distribution: 1%/99% quantiles and the mean.

    The mode follows from the mean of a triangular, (low + mode + high) / 3, kept inside
    [low, high]; the bounds never leave the prior's.
    """
    lo, hi = weighted_quantile(x, [0.01, 0.99], weights)
    lo, hi = max(float(lo), low), min(float(hi), high)
    if hi - lo < 1e-9 * max(1.0, abs(hi)):
        hi = lo + 1e-6 * max(1.0, abs(lo))
    mean = float(np.average(x, weights=weights))
    mode = float(np.clip(3.0 * mean - lo - hi, lo, hi))
    return {"dist": "triangular", "low": _round(lo), "mode": _round(mode), "high": _round(hi)}


def _round(x: float) -> float:
    """Four significant digits, so calibrated.yaml stays readable."""
    return float(f"{x:.4g}")


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


def predictive_values(
    ev: Evaluator, dists: dict[str, dict[str, float]], runs: int
) -> dict[str, np.ndarray]:
    """Per-run target quantities with the free parameters drawn from `dists` (a check)."""
    saved = dict(ev.scenarios)
    try:
        for key, sc in saved.items():
            raw = sc.model_dump(mode="json")
            raw["uncertainties"].update(dists)
            ev.scenarios[key] = validate_dict(raw, ev.baseline)
        return ev.per_run(None, runs)
    finally:
        ev.scenarios.update(saved)


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
    """Fit the free parameters to the targets and summarise what the targets leave open.

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
    posterior_dists = {
        p.path: triangular_summary(posterior.samples[p.path], p.low, p.high, posterior.weights)
        for p in priors
    }
    predictive = predictive_values(ev, posterior_dists, PREDICTIVE_RUNS)
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
