"""Model behaviour: policy timing, reactive rules, power limits, the compute network."""

import numpy as np
from support import SCENARIOS

from sim import load_scenario
from sim.model import RaceModel
from sim.scenario import month_index, scenario_from_dict


def run(name="baseline", runs=20, **overrides):
    sc = load_scenario(SCENARIOS / f"{name}.yaml", {"run.runs": runs, "run.seed": 3, **overrides})
    model = RaceModel(sc)
    return model, model.run()


def month(label, start="2025-01"):
    return month_index(label) - month_index(start)


def test_history_events_switch_h20_off_and_on():
    _, s = run()
    h20 = s["china_h20_imports_units"]
    # April-June 2025: licence requirement (S20); from July: sales resume
    assert np.all(h20[month("2025-05") : month("2025-07")] == 0.0)
    # calibrated baseline (issue 3): H20 demand depends on the posterior inference weight, so
    # sales resume in most runs rather than in every run
    resumed = h20[month("2025-07") : month("2025-09") + 1].sum(axis=0)
    assert np.median(resumed) > 0.0


def test_timeline_event_applies_from_its_date():
    sc = load_scenario(SCENARIOS / "loosen_h200.yaml", {"run.runs": 10})
    data = sc.model_dump(mode="json")
    data["timeline"] = [{"date": "2027-06", "set": {"us.export.h200.allowed": False}}]
    from sim.scenario import scenario_from_dict

    model = RaceModel(scenario_from_dict(data))
    assert model.policy_at(month_index("2027-05"))["us.export.h200.allowed"] == 1.0
    assert model.policy_at(month_index("2027-06"))["us.export.h200.allowed"] == 0.0
    s = model.run()
    legal = s["china_chip_imports_legal_h100e"]
    # January, while the year's cap has room (v2: Chinese orders exceed the cap, which can run
    # out within the year)
    assert legal[month("2027-01")].min() > 1000
    # only the H20 (0.15 H100e, half blocked) remains legal after the ban, and buyers turn to it
    # calibrated baseline (issue 3): H20s (valued for serving) replace part of the H200s, so
    # legal imports fall by about half rather than by more than half
    assert np.median(legal[month("2027-08")]) < 0.7 * np.median(legal[month("2027-01")])
    h20 = s["china_h20_imports_units"]
    # calibrated baseline (issue 3): with the fitted inference weight Chinese buyers already
    # take H20s before the ban, so they keep flowing rather than rising
    assert np.median(h20[month("2027-08")]) > 0.0


def test_reactive_us_tightening_stops_legal_exports():
    _, loose = run("loosen_h200")
    _, react = run("loosen_h200", **{"policy.us.tighten_below_lag_months": 100.0})
    # early in the year, while the cap has room (Chinese orders exceed the cap: it runs out
    # within the year)
    t = month("2027-02")
    assert np.all(react["china_chip_imports_legal_h100e"][t] == 0.0)
    assert np.all(loose["china_chip_imports_legal_h100e"][t] > 0.0)


def test_reactive_china_block_stops_nvidia_imports():
    _, react = run("loosen_h200", **{"policy.china.block_when_domestic_share": 0.0})
    assert np.all(react["china_chip_imports_h100e"][month("2026-06") :] == 0.0)


def test_compute_network_lends_china_compute():
    base, _ = run()
    pooled, _ = run(**{"policy.china.compute_network_date": "2026-01"})
    cn_base = sum(lab.deployed for lab in base.labs_of("china"))
    cn_pooled = sum(lab.deployed for lab in pooled.labs_of("china"))
    # calibrated baseline (issue 3): a pooled run can end marginally lower through feedback
    # on budgets, so the lending shows in almost every run and in the median
    assert np.median(cn_pooled - cn_base) > 0.0 and np.mean(cn_pooled > cn_base) >= 0.8


def test_labs_never_run_more_chips_than_power_allows_for_long():
    model, _ = run("open_blackwell")
    for lab in model.labs:
        # chips bought are limited by power in sight; idle chips stay a small share
        need = lab.power_need_kw() * 1e-6
        assert np.all(need <= 1.5 * (lab.power_gw + model.nations[lab.nation].queue[lab.key]))


def test_tighter_power_slows_us_power():
    # world.us.ai_power_build_gw is calibrated (issue 3): its posterior draw overrides the
    # world value, so the slower grid is set as a fixed distribution
    sc = load_scenario(SCENARIOS / "baseline.yaml", {"run.runs": 20, "run.seed": 3})
    data = sc.model_dump(mode="json")
    data["uncertainties"]["world.us.ai_power_build_gw"] = {"dist": "fixed", "value": 0.1}
    s_slow = RaceModel(scenario_from_dict(data)).run()
    _, s_base = run()
    t = month("2027-12")
    assert np.all(s_slow["us_ai_power_gw"][t] < s_base["us_ai_power_gw"][t])
    assert np.median(s_slow["capability_lag_months"][t]) < np.median(s_base["capability_lag_months"][t])


def test_customs_block_zeroes_legal_imports_of_that_type():
    _, s = run(**{"policy.china.customs.h20": 1.0})
    assert np.all(s["china_h20_imports_units"][month("2026-01") :] == 0.0)


def test_world_view_carries_draws_as_arrays_and_leaves_the_rest_typed():
    sc = load_scenario(SCENARIOS / "baseline.yaml", {"run.runs": 4, "run.seed": 3})
    model = RaceModel(sc)
    drawn = model.draws["world.science.distill_rate"]
    assert np.array_equal(model.world.science.distill_rate, drawn)
    assert model.world.science.run_months_max == sc.world.science.run_months_max
    assert isinstance(sc.world.science.distill_rate, float)  # the scenario itself is untouched


def test_chip_table_derives_makers_and_us_buys_from_the_catalogue():
    sc = load_scenario(SCENARIOS / "baseline.yaml", {"run.runs": 2})
    chips = RaceModel(sc).chips
    assert chips.types == tuple(sc.world.chips)
    assert chips.h100e.shape == (len(chips.types), 2)
    for i, (chip, spec) in enumerate(sc.world.chips.items()):
        assert (chip in chips.nvidia_types) == (spec.maker == "nvidia")
        assert bool(chips.is_huawei[i]) == (spec.maker == "huawei")
        assert chips.us_buys[i] == (spec.maker == "nvidia" and not spec.china_only)


def test_policy_view_reads_the_flat_schedule():
    from sim.model.views import PolicyView

    sc = load_scenario(SCENARIOS / "loosen_h200.yaml", {"run.runs": 3})
    model = RaceModel(sc)
    state = model.policy_at(month_index("2027-01"))
    view = PolicyView.read(state, model.chips.nvidia_types, 3)
    row = model.chips.nvidia_types.index("h200")
    assert view.export.allowed.shape == (len(model.chips.nvidia_types), 3)
    assert view.export.allowed[row].all() == (state["us.export.h200.allowed"] > 0.5)
    cap = state["us.export.h200.cap_units"]
    assert np.all(view.export.cap[row] == (np.inf if np.isnan(cap) else cap))
    assert np.isnan(view.us.tighten_below_lag_months).all()


def test_policy_view_holds_every_scalar_lever_of_the_schema_as_an_array():
    from sim.model.views import PolicyView
    from sim.scenario import ChinaPolicy, USPolicy

    sc = load_scenario(SCENARIOS / "visa_fee.yaml", {"run.runs": 4})
    model = RaceModel(sc)
    view = PolicyView.read(model.policy_at(month_index("2027-01")), model.chips.nvidia_types, 4)
    for block, schema in ((view.us, USPolicy), (view.china, ChinaPolicy)):
        for name in schema.model_fields:
            value = getattr(block, name)
            if name in ("export", "customs"):
                continue
            assert isinstance(value, np.ndarray) and value.shape == (4,), name
    assert np.all(view.us.visa_fee_kusd == sc.policy.us.visa_fee_kusd)
    assert view.export is view.us.export and view.customs is view.china.customs
