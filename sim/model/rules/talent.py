"""Talent: how attractive a nation is to a researcher, and how many move.

Pure formulas (no Mesa, no files, no randomness of their own); the last axis is the run axis.
"""

from __future__ import annotations

import numpy as np


def attractiveness(
    compute_per_researcher: np.ndarray,
    pay_log: np.ndarray | float,
    visa_cost_kusd: np.ndarray | float,
    visa_scale_kusd: float,
) -> np.ndarray:
    """How attractive a nation is to a mobile researcher [log units].

    log(compute per researcher) + pay premium - visa cost / scale.
    """
    return (
        np.log(np.maximum(compute_per_researcher, 1e-9))
        + pay_log
        - np.asarray(visa_cost_kusd) / visa_scale_kusd
    )


def migration_flow(
    pool_from: np.ndarray, gap: np.ndarray, rate: np.ndarray | float, home_bias: np.ndarray | float
) -> np.ndarray:
    """Researchers moving in a month from one pool to the other [head/month].

    rate x pool x max(gap - home bias, 0): only a gap larger than the pull of home moves people.
    """
    return np.asarray(rate) * pool_from * np.maximum(gap - home_bias, 0.0)
