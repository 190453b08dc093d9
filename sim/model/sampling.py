"""Random numbers that depend only on (seed, stream name, month, run index).

Each named stream is a Philox counter-based generator keyed by the seed, the stream's name and
the month. Run i always reads the counter block i, so a run's numbers never depend on how the
ensemble is chunked, on the number of workers, or on the backend. Two scenarios run with the same
seed see the same uniforms for the same run and stream: paired comparisons use common random
numbers. Uncertain parameters are drawn by inverse CDF from those uniforms, so changing a
distribution changes the values but not which random number a run uses.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import special

_ANY_MONTH = -1


@lru_cache(maxsize=16384)
def _key(seed: int, name: str, month: int) -> np.ndarray:
    entropy = [int(seed), zlib.crc32(name.encode()), month + 1]
    key = np.random.SeedSequence(entropy).generate_state(2, np.uint64)
    key.flags.writeable = False  # shared by every caller of the cache
    return key


class _Streams:
    """Normals already drawn, by (seed, stream, first run, runs, month): off unless `keep_streams`.

    A stream's numbers depend only on that key, so a process that runs the same seed again (the
    app: every lever change reruns the scenario, and the baseline shares its shocks) can reuse
    them instead of building a Philox generator and inverting the normal CDF per lab and month.
    The arrays are read-only and the same bits as drawn afresh; the least recently used go first.
    """

    def __init__(self) -> None:
        self.max_bytes = 0
        self.bytes = 0
        self.arrays: OrderedDict[tuple[Any, ...], np.ndarray] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> np.ndarray | None:
        with self.lock:
            found = self.arrays.get(key)
            if found is not None:
                self.arrays.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], values: np.ndarray) -> None:
        values.flags.writeable = False
        with self.lock:
            if key in self.arrays or values.nbytes > self.max_bytes:
                return
            self.arrays[key] = values
            self.bytes += values.nbytes
            while self.bytes > self.max_bytes:
                self.bytes -= self.arrays.popitem(last=False)[1].nbytes


_STREAMS = _Streams()


def keep_streams(max_bytes: int) -> None:
    """Keep up to `max_bytes` [bytes] of drawn normals for reuse in this process (0: none).

    For long-lived processes that rerun the same seed (`sim app`); batch commands leave it off,
    so their memory and timings are those of drawing every stream once. Never changes a number.
    """
    with _STREAMS.lock:
        _STREAMS.max_bytes = max(0, int(max_bytes))
        while _STREAMS.arrays and _STREAMS.bytes > _STREAMS.max_bytes:
            _STREAMS.bytes -= _STREAMS.arrays.popitem(last=False)[1].nbytes


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
    """Standard normals for the runs of one stream [-], shape (n_runs,); read-only when kept."""
    if not _STREAMS.max_bytes:
        return special.ndtri(uniforms(seed, name, run_start, n_runs, month))
    key = (int(seed), name, int(run_start), int(n_runs), int(month))
    found = _STREAMS.get(key)
    if found is None:
        found = special.ndtri(uniforms(seed, name, run_start, n_runs, month))
        _STREAMS.put(key, found)
    return found


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
