"""Domestic chip supply: die yield and output limited by good dies and HBM.

Pure formulas (no Mesa, no files, no randomness of their own); the last axis is the run axis.
"""

from __future__ import annotations

import numpy as np


def yield_at(
    months: float, y0: np.ndarray | float, ymax: np.ndarray | float, halflife: np.ndarray | float
) -> np.ndarray:
    """Die yield approaching its target: ymax - (ymax - y0) 2^(-months/halflife) [fraction]."""
    return ymax - (np.asarray(ymax) - y0) * np.power(2.0, -months / np.asarray(halflife))


def domestic_output(
    wafers: np.ndarray,
    dies_per_wafer: np.ndarray | float,
    die_yield: np.ndarray,
    dies_per_chip: float,
    hbm_packages: np.ndarray,
) -> np.ndarray:
    """Huawei chips made in a month, limited by good dies and by HBM [chips/month].

    Args:
        wafers: wafers started for Ascend [wafers/month].
        dies_per_wafer: candidate dies per wafer [dies/wafer].
        die_yield: share of good dies [fraction].
        dies_per_chip: dies per package [dies/chip] (2 for the 910C, P13).
        hbm_packages: packages HBM supply allows this month [chips/month].
    """
    good = np.asarray(wafers) * dies_per_wafer * die_yield / dies_per_chip
    return np.minimum(good, hbm_packages)
