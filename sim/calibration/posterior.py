"""What the targets leave open: a two-round ABC posterior of the free parameters.

`abc_posterior` draws the free parameters from their priors, one draw per run, and keeps the
draws whose simulated targets fall within tolerance (rejection ABC; if too few pass, the nearest
draws by normalised distance), then refines them once from a triangular proposal (ABC population
Monte Carlo). `posterior_rows` resamples the weighted accepted draws into the joint
posterior ``calibrated.yaml`` declares: one `empirical` group, so every run takes one accepted
particle whole and the correlations between parameters survive. `triangular_summary` is the
round-2 proposal (and a readable marginal summary).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.calibration.evaluator import Evaluator
from sim.calibration.targets import normalised_error
from sim.scenario import validate_dict

#: Prior draws of the ABC step [count] and the fewest draws it keeps [count].
ABC_RUNS = 2000
MIN_ACCEPTED = 100
#: Most rows of the joint posterior calibrated.yaml ships [count], and its group's name.
POSTERIOR_ROWS = 400
POSTERIOR_GROUP = "posterior"


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


def posterior_rows(
    posterior: Posterior, seed: int, max_rows: int = POSTERIOR_ROWS
) -> dict[str, np.ndarray]:
    """Resample the weighted accepted draws to at most `max_rows` rows, deterministically.

    Systematic resampling by importance weight (one offset drawn from `seed`), so a particle
    appears about weight x rows times and rows keep the accepted draws' order (by run index).
    Returns {path: values (rows,)}: row i of every parameter is one particle.
    """
    weights = np.asarray(posterior.weights, dtype=float)
    n = min(int(max_rows), len(weights))
    offset = np.random.default_rng(np.random.SeedSequence([int(seed), n])).random()
    cum = np.cumsum(weights / weights.sum())
    cum[-1] = 1.0
    picks = np.searchsorted(cum, (offset + np.arange(n)) / n, side="right")
    return {path: np.asarray(x, dtype=float)[picks] for path, x in posterior.samples.items()}


def empirical_posterior(rows: dict[str, np.ndarray]) -> dict[str, dict[str, Any]]:
    """The rows as one joint `empirical` group, values to four significant digits."""
    return {
        path: {"dist": "empirical", "values": [_round(v) for v in x], "group": POSTERIOR_GROUP}
        for path, x in rows.items()
    }


def _round(x: float) -> float:
    """Four significant digits, so calibrated.yaml stays readable."""
    return float(f"{x:.4g}")


def predictive_values(
    ev: Evaluator, dists: dict[str, dict[str, Any]], runs: int
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
