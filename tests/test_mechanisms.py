"""The direction of each lever, on the synthetic world of tests/synthetic.py (fixed parameters).

These are the stylised facts of the sources (S1-S30) as properties of the mechanisms: they hold
whatever the calibration says, so their bounds never need loosening. Every variant shares the seed
of the reference world, so run i of one variant and run i of another see the same monthly shocks
(paired: a difference is the lever's effect, not sampling noise). The same facts on the calibrated
baseline are in tests/regression/test_stylised_facts.py.
"""

from functools import cache

import numpy as np
import pytest
from synthetic import full_ban, synthetic

from sim import run_ensemble

YEARS = [f"{y}-12" for y in range(2026, 2031)]
#: the H200 opening of scenarios/loosen_h200.yaml (S2, P9), on top of a full ban
LOOSEN_H200 = {
    **full_ban(),
    "policy.us.export.h200.allowed": True,
    "policy.us.export.h200.cap_units": 890_000,
    "policy.us.export.h200.fee": 0.25,
}
#: the customs block of scenarios/h200_customs_block.yaml (S4, P35, P38)
CUSTOMS_BLOCK = {**LOOSEN_H200, "policy.china.customs.h200": 1.0, "policy.china.customs.h20": 1.0}


@cache
def ensemble(**updates):
    return run_ensemble(synthetic(dict(updates)))


def variant(updates):
    return ensemble(**updates)


def median(result, outcome, year):
    return float(np.median(result.year_end[outcome][year]))


def test_the_synthetic_world_is_small_and_fixed():
    sc = synthetic()
    assert sorted(sc.world.labs) == ["china_lab", "us_lab"]
    assert sc.uncertainties == {} and sc.extends is None and sc.history == []


@pytest.mark.parametrize(
    ("loose", "tight"),
    [
        ({}, full_ban()),
        (LOOSEN_H200, {**LOOSEN_H200, "policy.us.export.h200.cap_units": 100_000}),
        (full_ban(enforcement=0.5), full_ban(enforcement=0.95)),
    ],
    ids=["ban_everything", "lower_h200_cap", "enforce_the_ban_harder"],
)
def test_a_tighter_export_rule_never_increases_china_imports(loose, tight):
    # "tighter" = the same chips, fewer of them allowed. Banning one type while another stays open
    # is not tighter in this sense: buyers move to the open type, which may carry more H100e per
    # chip (banning the H20 alone can raise the H100e China imports).
    before, after = variant(loose), variant(tight)
    for y in ["2025-12", *YEARS]:
        more = after.year_end["china_chip_imports_h100e"][y]
        less = before.year_end["china_chip_imports_h100e"][y]
        assert np.all(more <= less), (y, float((more - less).max()))


def test_more_china_power_build_never_lowers_china_compute_when_chips_bind():
    # under a full ban chips, not power, limit China's labs
    slow, fast = variant(full_ban()), variant({**full_ban(), "policy.china.power_build": 2.0})
    for y in ["2025-12", *YEARS]:
        assert np.all(
            fast.year_end["china_compute_h100e"][y] >= slow.year_end["china_compute_h100e"][y]
        ), y


def test_tightening_exports_never_shortens_the_median_lag():
    base, tight = variant({}), variant(full_ban())
    for y in YEARS:
        assert median(tight, "capability_lag_months", y) >= median(base, "capability_lag_months", y), y


def test_loosening_h200_raises_china_compute_share():
    base, loose = variant(full_ban()), variant(LOOSEN_H200)
    for y in YEARS:
        assert median(loose, "china_compute_share", y) > median(base, "china_compute_share", y), y
    # and shortens the lag (S2, S12: chips bind China)
    assert median(loose, "capability_lag_months", "2028-12") < median(
        base, "capability_lag_months", "2028-12"
    )


def test_customs_block_cuts_legal_imports_and_raises_domestic_purchases():
    loose, blocked = variant(LOOSEN_H200), variant(CUSTOMS_BLOCK)
    for y in ("2026-12", "2027-12", "2028-12"):
        legal_loose = median(loose, "china_chip_imports_legal_h100e", y)
        legal_blocked = median(blocked, "china_chip_imports_legal_h100e", y)
        # customs stop H200 and H20 (S4, P35, P38): legal imports near zero
        assert legal_blocked < 0.05 * legal_loose, y
        assert median(blocked, "china_domestic_chips_h100e", y) > median(
            loose, "china_domestic_chips_h100e", y
        ), y


def test_no_distillation_widens_the_gap():
    base, nodist = variant({}), variant({"world.science.distill_rate": 0.0})
    for y in ["2025-12", *YEARS]:
        assert (
            median(nodist, "capability_lag_months", y) > median(base, "capability_lag_months", y) + 1.0
        ), y


def test_us_power_permitting_adds_us_power():
    base, permit = variant({}), variant({"policy.us.power_permitting": 1.5})
    assert median(permit, "us_ai_power_gw", "2028-12") > median(base, "us_ai_power_gw", "2028-12")
