"""Year-end outcomes: stocks at December, flows summed over the calendar year, parity by date."""

import numpy as np
import pytest

from sim import outcomes as metrics
from sim.scenario import month_index


def series(n_months=24, runs=2):
    base = {name: np.zeros((n_months, runs)) for name in metrics.OUTCOMES}
    return base


def test_year_ends_of_a_horizon_starting_mid_year():
    ends = metrics.year_ends(month_index("2025-07"), 18)
    assert ends == [("2025-12", 0, 5), ("2026-12", 6, 17)]


def test_stock_is_december_value_and_flow_is_yearly_total():
    s = series()
    s["us_ai_power_gw"][:, 0] = np.arange(24.0)
    s["china_chip_imports_h100e"][:, 0] = 1.0
    out = metrics.year_end_values(s, month_index("2025-01"))
    assert out["us_ai_power_gw"]["2025-12"][0] == 11.0
    assert out["us_ai_power_gw"]["2026-12"][0] == 23.0
    assert out["china_chip_imports_h100e"]["2025-12"][0] == 12.0
    assert out["china_chip_imports_h100e"]["2026-12"][0] == 12.0


def test_parity_by_counts_any_month_up_to_the_date():
    s = series()
    s["capability_lag_months"][:] = 5.0
    s["capability_lag_months"][3, 0] = -0.5  # run 0 touches parity in April 2025, then falls back
    parity = metrics.parity_by(s, month_index("2025-01"))
    assert parity["2025-12"].tolist() == [True, False]
    assert parity["2026-12"].tolist() == [True, False]


def test_describe_quantiles():
    stats = metrics.describe(np.arange(101.0))
    assert stats["p50"] == 50.0 and stats["p5"] == 5.0 and stats["p95"] == 95.0
    assert stats["mean"] == pytest.approx(50.0)
