"""Unit tests of the pure formulas in sim.model.rules (no model built)."""

import numpy as np
import pytest

from sim.model import rules


def test_ration_fills_pro_rata_and_never_above_one():
    fill = rules.ration(np.array([100.0, 50.0, 0.0]), np.array([50.0, 100.0, 10.0]))
    assert fill.tolist() == [0.5, 1.0, 1.0]


def test_choice_shares_favour_cheapest_and_skip_unavailable():
    cost = np.array([[1.0], [2.0], [1.0]])
    avail = np.array([[1.0], [1.0], [0.0]])
    shares = rules.choice_shares(cost, avail, temperature=0.2)
    assert shares[:, 0].sum() == pytest.approx(1.0)
    assert shares[2, 0] == 0.0
    assert shares[0, 0] > 0.99


def test_choice_shares_rationed_type_looks_dearer():
    cost = np.array([[1.0], [1.0]])
    shares = rules.choice_shares(cost, np.array([[0.5], [1.0]]), temperature=0.5)
    assert shares[1, 0] > shares[0, 0]


def test_choice_shares_nothing_available_gives_zero():
    shares = rules.choice_shares(np.array([[1.0], [np.inf]]), np.array([[0.0], [1.0]]), 0.2)
    assert shares.sum() == 0.0


def test_tatonnement_raises_price_under_excess_demand_and_is_bounded():
    up = rules.tatonnement(np.array([1.0]), np.array([200.0]), np.array([100.0]), 0.1)
    down = rules.tatonnement(np.array([1.0]), np.array([50.0]), np.array([100.0]), 0.1)
    assert up[0] == pytest.approx(1.1) and down[0] == pytest.approx(0.95)
    capped = rules.tatonnement(np.array([1.99]), np.array([1e9]), np.array([1.0]), 0.5)
    assert capped[0] == 2.0


def test_yield_approaches_target_with_half_life():
    assert rules.yield_at(0, 0.2, 0.6, 12) == pytest.approx(0.2)
    assert rules.yield_at(12, 0.2, 0.6, 12) == pytest.approx(0.4)


def test_domestic_output_limited_by_hbm():
    out = rules.domestic_output(
        np.array([1000.0, 1000.0]), 60, np.array([0.5, 0.5]), 2, np.array([1e9, 100.0])
    )
    assert out.tolist() == [15000.0, 100.0]


def test_smuggling_capacity_falls_with_enforcement():
    cap = rules.smuggling_capacity(0.02, np.array([0.0, 0.5, 1.0]), np.array([1000.0] * 3))
    assert cap.tolist() == [20.0, 10.0, 0.0]


def test_frontier_share_pushes_when_behind_and_is_capped():
    share = rules.frontier_share(0.2, 0.3, np.array([-1.0, 0.0, 1.0, 100.0]), 0.6)
    assert share[0] == share[1] == pytest.approx(0.2)
    assert share[2] == pytest.approx(0.26)
    assert share[3] == pytest.approx(0.5)
    # a nation's largest cluster caps it (P26: Chinese runs on small clusters)
    assert rules.frontier_share(0.2, 0.3, np.array([100.0]), 0.3)[0] == pytest.approx(0.3)


def test_diminishing_returns_divide_progress_by_ten_to_the_returns_per_log10_found():
    # the reference lab (inputs at their references, no shock) at efficiency levels 0, 1, 2
    step = rules.algo_progress(
        1.0,
        np.full(3, 600.0),
        600.0,
        np.full(3, 4e5),
        4e5,
        0.3,
        0.2,
        np.zeros(3),
        level=np.array([0.0, 1.0, 2.0]),
        returns=0.25,
    )
    factor = step / step[0]
    np.testing.assert_allclose(factor, [1.0, 10**-0.25, 10**-0.5])


def test_imitation_never_lifts_a_student_above_its_teacher_nor_below_itself():
    base = np.array([24.0, 25.5, 27.0])
    teacher = np.array([26.0, 26.0, 26.0])
    got = rules.imitated(base, np.array([1.0, 1.0, 1.0]), teacher)
    np.testing.assert_allclose(got, [25.0, 26.0, 27.0])


def test_imitation_hands_back_none_of_a_change_in_the_students_own_compute():
    # the uplift does not depend on the gap: doubling the student's compute (+log10 2) moves its
    # capability by log10 2 wherever the teacher does not bind
    base = np.array([24.0])
    teacher = np.array([30.0])
    before = rules.imitated(base, np.array([1.2]), teacher)
    after = rules.imitated(base + np.log10(2.0), np.array([1.2]), teacher)
    assert after[0] - before[0] == pytest.approx(np.log10(2.0))


def test_run_length_is_the_e_folding_time_of_effective_compute_clipped():
    months = rules.run_length(np.array([np.log(4.5) / 12, 1.0, 1e-6, 0.0]), 3.0, 15.0)
    np.testing.assert_allclose(months, [12 / np.log(4.5), 3.0, 15.0, 15.0])


def test_toward_closes_a_share_of_the_gap():
    np.testing.assert_allclose(rules.toward(np.array([0.0, 2.0]), 1.0, 0.25), [0.25, 1.75])


def test_run_flop_window_holds_run_months_of_compute_at_steady_state():
    run = np.array([0.0])
    for _ in range(200):
        run = rules.run_flop_update(run, np.array([1.0]), 4.0)
    assert run[0] == pytest.approx(4.0)


def test_monthly_flop_units():
    # 1 H100e at 100% for one month: 989e12 FLOP/s x 2.63e6 s
    flop = rules.monthly_flop(np.array([1.0]), 1.0, 989e12, 1.0)
    assert flop[0] == pytest.approx(989e12 * rules.SECONDS_PER_MONTH)


def test_algo_progress_reference_lab_gets_the_reference_rate():
    step = rules.algo_progress(
        0.0376, np.array([600.0]), 600.0, np.array([4e5]), 4e5, 0.3, 0.2, np.array([0.0])
    )
    assert step[0] == pytest.approx(0.0376)
    more = rules.algo_progress(
        0.0376, np.array([1200.0]), 600.0, np.array([4e5]), 4e5, 0.3, 0.2, np.array([0.0])
    )
    assert more[0] == pytest.approx(0.0376 * 2**0.3)
    assert (
        rules.algo_progress(
            0.0376, np.array([600.0]), 600.0, np.array([4e5]), 4e5, 0.3, 0.2, np.array([-5.0])
        )[0]
        == 0.0
    )


def test_catch_up_is_zero_for_the_leader():
    assert rules.catch_up(np.array([-0.5, 0.0, 1.0]), 0.1).tolist() == [0.0, 0.0, 0.1]


def test_first_reach_interpolates_and_extrapolates_before_start():
    path = np.array([[0.0], [1.0], [2.0]])
    assert rules.first_reach(path, np.array([1.5]), 1.0)[0] == pytest.approx(1.5)
    assert rules.first_reach(path, np.array([-3.0]), 0.5)[0] == pytest.approx(-6.0)
    assert rules.first_reach(path, np.array([5.0]), 1.0)[0] == np.inf


def test_capability_lag_of_a_follower_on_the_same_trend():
    months = np.arange(24.0)[:, None]
    us = 26.0 + 0.1 * months
    china = us - 0.7  # seven months of US growth behind
    lag = rules.capability_lag(us, china, 0.1)
    assert np.allclose(lag, 7.0)


def test_capability_lag_negative_when_china_ahead():
    us = np.array([[0.0], [1.0], [2.0], [3.0]])
    china = np.array([[-1.0], [1.0], [3.0], [5.0]])
    lag = rules.capability_lag(us, china, 1.0)
    assert lag[0, 0] == pytest.approx(1.0)
    assert lag[1, 0] == pytest.approx(0.0)
    # at month 3 the US is at 3.0, which China first reached at month 2
    assert lag[3, 0] == pytest.approx(-1.0)


def test_migration_needs_gap_above_home_bias():
    flow = rules.migration_flow(np.array([1000.0, 1000.0]), np.array([0.5, 2.0]), 0.01, 1.0)
    assert flow.tolist() == [0.0, 10.0]


def test_attractiveness_falls_with_visa_cost():
    a = rules.attractiveness(np.array([100.0]), 0.5, 0.0, 300.0)
    b = rules.attractiveness(np.array([100.0]), 0.5, 300.0, 300.0)
    assert a[0] - b[0] == pytest.approx(1.0)


def test_capability_lag_matches_month_by_month_definition():
    rng = np.random.default_rng(0)
    us = np.cumsum(rng.uniform(0.0, 0.2, size=(30, 50)), axis=0)
    china = us - rng.uniform(-0.5, 1.5, size=(1, 50)) + rng.normal(0, 0.2, size=(30, 50))
    fast = rules.capability_lag(us, china, 0.1)
    us_max = np.maximum.accumulate(us, axis=0)
    cn_max = np.maximum.accumulate(china, axis=0)
    slow = np.stack([rules.lag_at_end(us_max[: t + 1], cn_max[: t + 1], 0.1) for t in range(30)])
    assert np.allclose(fast, slow)
    assert (fast < 0).any() and (fast > 0).any()


def test_export_terms_open_channel_needs_permission_and_room():
    listed = np.array([[10.0], [10.0], [10.0]])
    allowed = np.array([[True], [True], [False]])
    cap = np.array([[np.inf], [5.0], [np.inf]])
    licensed = np.array([[100.0], [5.0], [0.0]])
    terms = rules.export_terms(
        listed, allowed, cap, np.full((3, 1), 0.25), 0.5, np.array([[0.0], [0.5], [1.0]]), licensed
    )
    assert terms.legal_open[:, 0].tolist() == [True, False, False]
    assert terms.room[:, 0].tolist() == [np.inf, 0.0, np.inf]
    assert terms.channel(terms.price_legal, terms.price_smuggled)[:, 0].tolist() == [12.5, 15.0, 15.0]
    assert terms.arrives[:, 0].tolist() == [1.0, 0.5, 0.0]


def test_export_terms_spread_what_is_left_of_a_cap_over_the_months_left():
    # a cap is licensed evenly through the year, not bought out in January
    terms = rules.export_terms(
        np.array([[10.0]]),
        np.array([[True]]),
        np.array([[1200.0]]),
        np.zeros((1, 1)),
        0.5,
        np.zeros((1, 1)),
        np.array([[300.0]]),
        months_left=9,
    )
    assert terms.room[0, 0] == pytest.approx(100.0)


def test_importing_rules_loads_no_mesa_pandas_or_matplotlib():
    import subprocess
    import sys

    code = (
        "import sim, sim.model.rules, sys; "
        "loaded = {'mesa', 'pandas', 'matplotlib'} & set(sys.modules); "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
