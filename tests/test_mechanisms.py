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
    # under a full ban chips, not power, limit China's labs. In every run until Huawei's HBM
    # stockpile (P13) runs out (~2029 here); after that, a faster grid has let China install the
    # stock's Ascends sooner, so they also retire sooner and a few runs end with slightly less
    # installed: the median still never falls
    slow, fast = variant(full_ban()), variant({**full_ban(), "policy.china.power_build": 2.0})
    for y in ["2025-12", *YEARS]:
        more, less = fast.year_end["china_compute_h100e"][y], slow.year_end["china_compute_h100e"][y]
        # equal to a millionth: the two variants take different arithmetic paths to the same chips
        assert np.median(more) >= np.median(less) * (1.0 - 1e-6), y
        if y <= "2028-12":
            assert np.all(more >= less * (1.0 - 1e-6)), y


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

    # and demand falls on Huawei: never fewer Ascends bought over 2025-2028 (the block holds from
    # 2025 here; within a year the order can flip once the block has used up Huawei's HBM
    # stockpile, P13, sooner than the opening has; where Huawei sells all it can make in both,
    # the two are equal), and a larger domestic share of what China gets
    def total(result, outcome):
        years = ["2025-12", *YEARS[:3]]
        return sum(result.year_end[outcome][y] for y in years)

    def domestic_share(result):
        domestic = total(result, "china_domestic_chips_h100e")
        return domestic / (domestic + total(result, "china_chip_imports_h100e"))

    dom_blocked = total(blocked, "china_domestic_chips_h100e")
    assert np.all(dom_blocked >= total(loose, "china_domestic_chips_h100e") * (1.0 - 1e-9))
    assert np.median(domestic_share(blocked)) > np.median(domestic_share(loose))


def test_no_distillation_widens_the_gap():
    # under the full ban China stays far enough behind that its uplift is not capped by its
    # teacher (with no controls it rides the cap: its lag is the imitation delay)
    base = variant(full_ban())
    nodist = variant({**full_ban(), "world.science.distill_uplift_log10": 0.0})
    for y in ["2025-12", *YEARS]:
        assert (
            median(nodist, "capability_lag_months", y) > median(base, "capability_lag_months", y) + 1.0
        ), y


def test_us_power_permitting_adds_us_power():
    base, permit = variant({}), variant({"policy.us.power_permitting": 1.5})
    assert median(permit, "us_ai_power_gw", "2028-12") > median(base, "us_ai_power_gw", "2028-12")


def test_china_power_binds_once_chips_flow():
    # S11: with no export controls chips flow, and a tenth of China's grid holds its compute back
    # (widening the lag); under the full ban the same cut barely matters before chips pile up
    open_, starved = variant({}), variant({"policy.china.power_build": 0.1})
    assert median(starved, "china_compute_h100e", "2028-12") < 0.9 * median(
        open_, "china_compute_h100e", "2028-12"
    )
    assert median(starved, "capability_lag_months", "2028-12") > median(
        open_, "capability_lag_months", "2028-12"
    )


def test_faster_us_permitting_widens_the_lag_where_power_binds_the_us():
    # S10, S27: the synthetic US lab is short of power; more of it is more US compute
    base, permit = variant(full_ban()), variant({**full_ban(), "policy.us.power_permitting": 2.0})
    assert median(permit, "us_compute_h100e", "2028-12") > median(base, "us_compute_h100e", "2028-12")
    assert median(permit, "capability_lag_months", "2030-12") > median(
        base, "capability_lag_months", "2030-12"
    )


def test_huawei_unsold_stock_stays_bounded_when_nvidia_chips_flow():
    # with no export controls Chinese buyers prefer Nvidia; Huawei makes what is ordered plus a
    # month's stock (world.huawei.inventory_months), so its unsold chips never pile up
    from sim.model import RaceModel

    series = RaceModel(synthetic()).run()
    unsold = series["china_ascend_unsold_chips"]
    made = series["china_domestic_output_chips"]
    assert np.all(unsold <= 2.0 * np.maximum(made.max(axis=0), 1.0) + 1e-6)


def test_restricting_distillation_access_widens_the_lag():
    base, cut = variant(full_ban()), variant({**full_ban(), "policy.us.distillation_access": 0.0})
    for y in ("2027-12", "2028-12", "2030-12"):
        assert median(cut, "capability_lag_months", y) > median(base, "capability_lag_months", y), y


def test_a_doubling_of_china_compute_moves_the_lag_by_the_growth_rate_arithmetic():
    # issue 10: imitation hands back none of a change in China's own compute, so a sustained
    # doubling of China's deployed compute from 2026 moves the 2028 lag by about
    # log10(2) / (US frontier growth per month)
    from sim.model import RaceModel
    from sim.scenario import month_index

    def lag_series(double):
        model = RaceModel(synthetic(full_ban(), runs=40))
        start = month_index("2026-01")
        if double:
            for lab in model.labs_of("china"):
                plain = lab.deployable
                lab.deployable = (lambda f: lambda: f() * (2.0 if model.month >= start else 1.0))(plain)
        return model.run()

    base, doubled = lag_series(False), lag_series(True)
    e = month_index("2028-12") - month_index("2025-01")
    change = np.median(doubled["capability_lag_months"][e] - base["capability_lag_months"][e])
    gain = np.median(doubled["china_frontier_capability"][e] - base["china_frontier_capability"][e])
    us = base["us_frontier_capability"]
    slope = np.median((us[e] - us[e - 12]) / 12.0)
    # none of the doubling is handed back (more experiment compute may add algorithms on top)
    assert gain >= 0.9 * np.log10(2.0), gain
    # and the lag moves by China's gain in months of US progress
    assert 0.75 <= change / (-gain / slope) <= 1.25, (change, gain, slope)
    # which is at least the growth arithmetic, log10(2) / US growth
    assert change <= -0.75 * np.log10(2.0) / slope, (change, slope)


def test_parity_is_reachable_when_china_out_builds_the_us():
    # nothing forbids parity: give China's lab ten times the US lab's chips, the power to run
    # them, and no export controls
    from sim.model import RaceModel

    world = {
        "world.labs.china_lab.installed_h100e.h200": 6_000_000.0,
        "world.labs.china_lab.power_gw": 9.0,
    }
    lag = RaceModel(synthetic(world)).run()["capability_lag_months"]
    assert np.all(np.min(lag, axis=0) <= 0.0)
