"""Sums and growth shared by every rule.

Pure formulas (no Mesa, no files, no randomness of their own); the last axis is the run axis.
"""

from __future__ import annotations

import numpy as np


def total(values: np.ndarray) -> np.ndarray:
    """Sum over the first axis in a fixed order (chip types, months) [unit of the values].

    `ndarray.sum(axis=0)` may switch to pairwise summation when the run axis has length one, so a
    chunk of one run would round differently from a chunk of many; adding row by row gives the
    same bits for any chunk size.
    """
    out = np.zeros(np.shape(values)[1:])
    for row in values:
        out = out + row
    return out


def growth_factor(rate_per_year: np.ndarray | float, months: np.ndarray | float) -> np.ndarray:
    """(1 + rate)^(months/12) [-]."""
    return np.power(1.0 + np.asarray(rate_per_year, dtype=float), np.asarray(months) / 12.0)
