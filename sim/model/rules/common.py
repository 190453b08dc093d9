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
        np.add(out, row, out=out)  # in place: the same sums, one array fewer per row
    return out


def weighted_total(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Sum over the first axis of values x weights, for several weights at once, in fixed order.

    Args:
        values: shape (K, R), e.g. chips by type [chips].
        weights: shape (K, J, R), J weights per type (e.g. H100e, kW per chip).

    Returns:
        Shape (J, R): row j is sum over k of values[k] x weights[k, j], added type by type (the
        same bits for any chunk size, as `total`), without building the (K, J, R) product.
    """
    out = np.zeros(np.shape(weights)[1:])
    term = np.empty_like(out)
    for row, weight in zip(values, weights, strict=True):
        np.multiply(row, weight, out=term)  # in place: the same products and sums
        np.add(out, term, out=out)
    return out


def growth_factor(rate_per_year: np.ndarray | float, months: np.ndarray | float) -> np.ndarray:
    """(1 + rate)^(months/12) [-]."""
    return np.power(1.0 + np.asarray(rate_per_year, dtype=float), np.asarray(months) / 12.0)
