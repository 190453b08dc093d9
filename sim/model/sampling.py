"""Random numbers that depend only on (seed, stream name, month, run index).

Each named stream is a Philox counter-based generator keyed by the seed, the stream's name and
the month. Run i always reads the counter block i, so a run's numbers never depend on how the
ensemble is chunked, on the number of workers, or on the backend. Two scenarios run with the same
seed see the same uniforms for the same run and stream: paired comparisons use common random
numbers. Uncertain parameters are drawn by inverse CDF from those uniforms, so changing a
distribution changes the values but not which random number a run uses.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
from scipy import special

_ANY_MONTH = -1


def _key(seed: int, name: str, month: int) -> np.ndarray:
    entropy = [int(seed), zlib.crc32(name.encode()), month + 1]
    return np.random.SeedSequence(entropy).generate_state(2, np.uint64)


def uniforms(seed: int, name: str, run_start: int, n_runs: int, month: int = _ANY_MONTH) -> np.ndarray:
    """Uniforms on (0, 1) for runs run_start..run_start+n_runs-1 of one stream [-], shape (n_runs,).

    Run i reads the i-th 64-bit output of the stream: Philox makes four outputs per counter, so
    a block starting at run a jumps to counter a // 4 and drops the first a % 4 outputs.
    """
    bits = np.random.Philox(key=_key(seed, name, month))
    bits.advance(run_start // 4)
    skip = run_start % 4
    u = np.random.Generator(bits).random(skip + n_runs)[skip:]
    return np.clip(u, 1e-12, 1.0 - 1e-12)


def normals(seed: int, name: str, run_start: int, n_runs: int, month: int = _ANY_MONTH) -> np.ndarray:
    """Standard normals for the runs of one stream [-], shape (n_runs,)."""
    return special.ndtri(uniforms(seed, name, run_start, n_runs, month))


def ppf(dist: Any, u: np.ndarray) -> np.ndarray:
    """Inverse CDF of a scenario distribution (a `sim.scenario` uncertainty block) at `u`."""
    kind = dist.dist
    if kind == "uniform":
        return dist.low + (dist.high - dist.low) * u
    if kind == "normal":
        x = dist.mean + dist.sd * special.ndtri(u)
        return np.clip(
            x,
            dist.low if dist.low is not None else -np.inf,
            dist.high if dist.high is not None else np.inf,
        )
    if kind == "lognormal":
        return dist.median * np.exp(dist.sigma * special.ndtri(u))
    if kind == "triangular":
        low, mode, high = dist.low, dist.mode, dist.high
        c = (mode - low) / (high - low)
        return np.where(
            u < c,
            low + np.sqrt(u * (high - low) * (mode - low)),
            high - np.sqrt((1.0 - u) * (high - low) * (high - mode)),
        )
    if kind == "fixed":
        return np.full_like(u, dist.value, dtype=float)
    if kind == "empirical":
        # the empirical quantile: sorted values, index floor(u * n); a group's joint rows are
        # drawn in sample_uncertainties, so here (Sobol/SALib designs) each parameter is
        # independent of the others
        values = np.sort(np.asarray(dist.values, dtype=float))
        return values[_rows(u, len(values))]
    raise ValueError(f"unknown distribution {kind!r}")


def _rows(u: np.ndarray, n: int) -> np.ndarray:
    """Row index floor(u * n) of n equally likely rows [-]."""
    return np.minimum((np.asarray(u) * n).astype(np.int64), n - 1)


def sample_uncertainties(
    uncertainties: dict[str, Any], seed: int, run_start: int, n_runs: int
) -> dict[str, np.ndarray]:
    """Draw every uncertain parameter for a block of runs: {dotted path: values (n_runs,)}.

    An empirical distribution with a `group` is drawn jointly: one uniform stream per group
    ("group:<name>") picks a row per run, and every parameter of the group takes that row of its
    values, so a run's draws still depend only on the seed and its index.
    """
    rows: dict[str, np.ndarray] = {}
    out = {}
    for path, dist in uncertainties.items():
        group = getattr(dist, "group", None)
        if group is None:
            out[path] = ppf(dist, uniforms(seed, f"param:{path}", run_start, n_runs))
            continue
        if group not in rows:
            u = uniforms(seed, f"group:{group}", run_start, n_runs)
            rows[group] = _rows(u, len(dist.values))
        out[path] = np.asarray(dist.values, dtype=float)[rows[group]]
    return out
