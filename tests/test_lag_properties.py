"""Property-based tests (hypothesis) of the capability-lag arithmetic."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.model import rules
from sim.model.rules import lag

steps = arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 6)), elements=st.floats(0, 1))


@settings(max_examples=200, deadline=None)
@given(path_steps=steps, offset=st.floats(-3, 3), data=st.data())
def test_months_below_counts_the_months_a_running_maximum_spent_below_each_level(
    path_steps, offset, data
):
    # the one-pointer walk must equal the plain count for any non-decreasing path and levels
    level_steps = data.draw(arrays(np.float64, path_steps.shape, elements=st.floats(0, 1)))
    path = np.cumsum(path_steps, axis=0)
    level = np.cumsum(level_steps, axis=0) + offset
    brute = (path[None, :, :] < level[:, None, :]).sum(axis=1)
    np.testing.assert_array_equal(lag._months_below(path, level), brute)


@settings(max_examples=100, deadline=None)
@given(us_steps=arrays(np.float64, (24, 3), elements=st.floats(0.0, 0.2)))
def test_a_china_path_that_copies_the_us_path_d_months_late_lags_by_d(us_steps):
    # China's path is the US path shifted by `delay` months: the lag is `delay` once the shift
    # has played out, whatever the path's shape, when the US path rises every month
    us = np.cumsum(us_steps + 0.01, axis=0)
    delay = 3
    china = np.vstack([us[:1] - 0.05 * np.arange(delay, 0, -1)[:, None], us[:-delay]])
    got = rules.capability_lag(us, china, 0.05 * 12.0 / 12.0)
    np.testing.assert_allclose(got[delay:], delay, atol=1e-9)
