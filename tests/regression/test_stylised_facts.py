"""Stylised facts of the sources on the calibrated baseline and the shipped scenarios (paired seeds).

The mechanisms' directions are tested on a fixed synthetic world in tests/test_mechanisms.py; these
check that the calibrated baseline keeps them, with its own numbers (S1's 7-month lag in 2025).
"""

import numpy as np
from support import ensemble

YEARS = [f"{y}-12" for y in range(2026, 2031)]


def median(result, outcome, year):
    return float(np.median(result.year_end[outcome][year]))


def test_tightening_exports_never_shortens_the_median_lag():
    base, tight = ensemble("baseline"), ensemble("tighten_full_ban")
    for y in YEARS:
        assert median(tight, "capability_lag_months", y) >= median(base, "capability_lag_months", y), y


def test_loosening_h200_raises_china_compute_share():
    base, loose = ensemble("baseline"), ensemble("loosen_h200")
    for y in YEARS:
        assert median(loose, "china_compute_share", y) > median(base, "china_compute_share", y), y
    # and shortens the lag (S2, S12: chips bind China)
    assert median(loose, "capability_lag_months", "2028-12") < median(
        base, "capability_lag_months", "2028-12"
    )


def test_customs_block_cuts_legal_imports_and_raises_domestic_purchases():
    loose, blocked = ensemble("loosen_h200"), ensemble("h200_customs_block")
    for y in ("2026-12", "2027-12", "2028-12"):
        legal_loose = median(loose, "china_chip_imports_legal_h100e", y)
        legal_blocked = median(blocked, "china_chip_imports_legal_h100e", y)
        # the scenario's customs stop H200 and H20 (S4, P35, P38): legal imports near zero
        assert legal_blocked < 0.05 * legal_loose, y
        # demand falls on Huawei: never fewer Ascends (Huawei sells all it can make in both when
        # the domestic mandate, P37, takes its output first) and a larger domestic share
        dom_blocked = median(blocked, "china_domestic_chips_h100e", y)
        dom_loose = median(loose, "china_domestic_chips_h100e", y)
        assert dom_blocked >= dom_loose * (1.0 - 1e-9), y
        share_blocked = dom_blocked / (dom_blocked + median(blocked, "china_chip_imports_h100e", y))
        share_loose = dom_loose / (dom_loose + median(loose, "china_chip_imports_h100e", y))
        assert share_blocked > share_loose, y


def test_no_distillation_widens_the_gap():
    base, nodist = ensemble("baseline"), ensemble("no_distillation")
    for y in ["2025-12", *YEARS]:
        assert (
            median(nodist, "capability_lag_months", y) > median(base, "capability_lag_months", y) + 1.0
        ), y


def test_baseline_lag_near_seven_months_in_2025():
    # S1: Chinese models trail US ones by 7 months on average (2025)
    base = ensemble("baseline")
    assert 4.0 <= median(base, "capability_lag_months", "2025-12") <= 10.0


def test_us_power_permitting_adds_us_power():
    base, permit = ensemble("baseline"), ensemble("us_power_permitting")
    assert median(permit, "us_ai_power_gw", "2028-12") > median(base, "us_ai_power_gw", "2028-12")
