"""The capability lag: when one frontier path first reached the other's level.

Pure formulas (no Mesa, no files, no randomness of their own); the last axis is the run axis.
"""

from __future__ import annotations

import numpy as np


def first_reach(path: np.ndarray, value: np.ndarray, slope_before: np.ndarray | float) -> np.ndarray:
    """Month at which a non-decreasing path first reached `value` [months since the start].

    The path before month 0 is the straight line path[0] + slope x t (t < 0); within the
    simulation the crossing is interpolated linearly between months.

    Args:
        path: non-decreasing path over months 0..t, shape (t+1, R).
        value: level to reach, shape (R,).
        slope_before: growth of the path before month 0 [units/month].

    Returns:
        Crossing month, shape (R,); +inf if the path never reached the value.
    """
    path = np.asarray(path, dtype=float)
    value = np.asarray(value, dtype=float)
    start = path[0]
    before = (value - start) / np.asarray(slope_before, dtype=float)
    reached = path >= value[None, :]
    k = np.argmax(reached, axis=0)
    ever = reached[k, np.arange(path.shape[1])]
    prev = path[np.maximum(k - 1, 0), np.arange(path.shape[1])]
    here = path[k, np.arange(path.shape[1])]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(here > prev, (value - prev) / (here - prev), 1.0)
    within = np.where(k > 0, k - 1 + np.clip(frac, 0.0, 1.0), 0.0)
    return np.where(value <= start, before, np.where(ever, within, np.inf))


def lag_at_end(
    us_max: np.ndarray, cn_max: np.ndarray, us_slope_before: np.ndarray | float
) -> np.ndarray:
    """The capability lag at the last month of running-maximum paths [months], shape (R,).

    lag(t) = t - (month the US frontier first reached China's capability at t). When China is
    ahead, the lag is negative: minus the months since China first reached the US's capability.

    Args:
        us_max, cn_max: running maxima of the frontier capabilities [log10 effective FLOP],
            shape (t+1, R).
        us_slope_before: US frontier growth before the start [log10/month].
    """
    t = us_max.shape[0] - 1
    behind = cn_max[t] <= us_max[t]
    lag_behind = t - first_reach(us_max, cn_max[t], us_slope_before)
    with np.errstate(divide="ignore", invalid="ignore"):
        lag_ahead = -(t - first_reach(cn_max, us_max[t], np.inf))
    return np.where(behind, lag_behind, np.minimum(lag_ahead, 0.0))


def capability_lag(
    us_path: np.ndarray, china_path: np.ndarray, us_slope_before: np.ndarray | float
) -> np.ndarray:
    """The capability lag in months at every month (DESIGN.md's headline outcome).

    The same quantity as :func:`lag_at_end` at every month, computed for all months at once:
    both running maxima are non-decreasing, so the first month at which one path reached a level
    is the number of months it spent below that level.

    Args:
        us_path, china_path: frontier capability [log10 effective FLOP], shape (T, R).
        us_slope_before: US frontier growth before the start [log10/month].

    Returns:
        Lag [months], shape (T, R).
    """
    us_max = np.maximum.accumulate(us_path, axis=0)
    cn_max = np.maximum.accumulate(china_path, axis=0)
    months = np.arange(us_path.shape[0], dtype=float)[:, None]
    behind = cn_max <= us_max
    reached_us = _crossing(us_max, cn_max, us_slope_before)
    with np.errstate(divide="ignore", invalid="ignore"):
        reached_cn = _crossing(cn_max, us_max, np.inf)
    return np.where(behind, months - reached_us, np.minimum(-(months - reached_cn), 0.0))


def _months_below(path: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Months a non-decreasing path (T, R) spent below each level[t] (T, R) [months].

    Both the path and the levels are running maxima (non-decreasing in t), so the count is the
    first month the path reached the level, and it never falls as t grows: one pointer per run
    walks forward once (T steps in all, instead of T x T comparisons).
    """
    n, runs = path.shape
    cols = np.arange(runs)
    below = np.empty((level.shape[0], runs), dtype=np.intp)
    k = np.zeros(runs, dtype=np.intp)
    for t in range(level.shape[0]):
        while True:
            step = (k < n) & (path[np.minimum(k, n - 1), cols] < level[t])
            if not step.any():
                break
            k = k + step
        below[t] = k
    return below


def _crossing(path: np.ndarray, level: np.ndarray, slope_before: np.ndarray | float) -> np.ndarray:
    """First month a non-decreasing path (T, R) reached level[t] (T, R), interpolated.

    As :func:`first_reach`, for every month at once; meaningful where level[t] <= path[t].
    """
    below = _months_below(path, level)
    k = np.minimum(below, path.shape[0] - 1)
    here = np.take_along_axis(path, k, axis=0)
    prev = np.take_along_axis(path, np.maximum(k - 1, 0), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(here > prev, (level - prev) / (here - prev), 1.0)
        before = (level - path[0]) / np.asarray(slope_before, dtype=float)
    within = np.where(k > 0, k - 1 + np.clip(frac, 0.0, 1.0), 0.0)
    return np.where(level <= path[0], before, within)
