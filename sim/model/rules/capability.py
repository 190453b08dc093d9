"""Capability formation: frontier compute, training runs, algorithmic progress, catch-up.

Pure formulas (no Mesa, no files, no randomness of their own); the last axis is the run axis.
"""

from __future__ import annotations

import numpy as np

SECONDS_PER_MONTH = 365.25 * 24 * 3600 / 12  # [s/month]


def frontier_share(
    base: np.ndarray | float,
    push: np.ndarray | float,
    gap_log10: np.ndarray,
    most: np.ndarray | float,
) -> np.ndarray:
    """Share of deployed compute a lab puts on its frontier run [fraction].

    A lab behind the global leader by `gap_log10` [log10 effective FLOP] pushes harder:
    base x (1 + push x gap), at most 2.5 x base (assumption) and at most `most`.
    """
    share = np.asarray(base) * (1.0 + np.asarray(push) * np.maximum(gap_log10, 0.0))
    return np.minimum(np.minimum(share, 2.5 * np.asarray(base)), most)


def run_flop_update(
    run_flop: np.ndarray, monthly_flop: np.ndarray, run_months: np.ndarray | float
) -> np.ndarray:
    """Compute accumulated in the current frontier run [FLOP].

    An exponential window of `run_months`: run <- run (1 - 1/L) + this month's frontier FLOP,
    so a steady lab's run holds L months of its frontier compute.
    """
    return run_flop * (1.0 - 1.0 / np.asarray(run_months)) + monthly_flop


def monthly_flop(
    deployed_h100e: np.ndarray,
    share: np.ndarray,
    flop_per_s: float,
    utilisation: np.ndarray | float,
) -> np.ndarray:
    """Frontier-run FLOP in a month: H100e x share x FLOP/s x utilisation x s/month [FLOP]."""
    return np.asarray(deployed_h100e) * share * flop_per_s * np.asarray(utilisation) * SECONDS_PER_MONTH


def algo_progress(
    rate: np.ndarray | float,
    researchers: np.ndarray,
    ref_researchers: float,
    compute: np.ndarray,
    ref_compute: float,
    talent_elasticity: np.ndarray | float,
    compute_elasticity: np.ndarray | float,
    shock: np.ndarray,
    level: np.ndarray | float = 0.0,
    returns: np.ndarray | float = 0.0,
) -> np.ndarray:
    """A lab's own algorithmic progress this month [log10/month].

    rate x (researchers/ref)^a x (experiment compute/ref)^b x 10^(-returns x level) x (1 + shock),
    never negative: a Jones-style research production function with diminishing returns in the
    efficiency already found (semi-endogenous growth: Jones 1995; Davidson 2023; Epoch's GATE),
    so sustained progress needs growing inputs (P23 sets `rate`, S15/S23 motivate talent).
    """
    r = np.maximum(np.asarray(researchers, dtype=float), 1e-9) / ref_researchers
    c = np.maximum(np.asarray(compute, dtype=float), 1e-9) / ref_compute
    # one exp of a sum of logs rather than three powers: the same value, several times faster
    step = np.asarray(rate) * np.exp(
        np.asarray(talent_elasticity) * np.log(r)
        + np.asarray(compute_elasticity) * np.log(c)
        - np.log(10.0) * np.asarray(returns) * np.asarray(level)
    )
    return np.maximum(step * (1.0 + shock), 0.0)


def catch_up(gap: np.ndarray, rate: np.ndarray | float) -> np.ndarray:
    """Progress from closing a share of an algorithmic gap each month (open-weight spill-over).

    rate x max(gap, 0) [log10/month]: zero for a lab already ahead.
    """
    return np.asarray(rate) * np.maximum(gap, 0.0)


def capability(run_flop: np.ndarray, algo_log10: np.ndarray) -> np.ndarray:
    """log10 of effective training compute: log10(physical FLOP) + algorithmic multiplier."""
    return np.log10(np.maximum(run_flop, 1.0)) + algo_log10


def toward(value: np.ndarray, target: np.ndarray | float, rate: np.ndarray | float) -> np.ndarray:
    """Close a share `rate` of the gap to `target` [unit of value]."""
    return value + np.asarray(rate) * (np.asarray(target) - value)


def imitated(base: np.ndarray, uplift: np.ndarray, teacher: np.ndarray) -> np.ndarray:
    """Capability with a distillation uplift that never lifts a student above its teacher.

    max(base, min(base + uplift, teacher)) [log10 effective FLOP]: the uplift multiplies the
    student's own effective compute (it does not depend on the gap, so it hands back no change
    in the student's compute), and a student never passes the teacher by imitation alone.
    """
    return np.maximum(base, np.minimum(base + uplift, teacher))


def run_length(
    growth: np.ndarray, shortest: np.ndarray | float, longest: np.ndarray | float
) -> np.ndarray:
    """Planned length of a frontier run: 1 / (growth of effective compute), clipped [months].

    Sevilla et al. (Epoch AI, 2022): a run that lasts longer than the time effective compute
    takes to grow e-fold is beaten by starting later with more; `growth` is in 1/month.
    """
    with np.errstate(divide="ignore"):
        months = 1.0 / np.maximum(np.asarray(growth), 1e-9)
    return np.clip(months, shortest, longest)
