"""Pure formulas of the model: no Mesa, no files, no randomness of their own.

Every function works on numpy arrays whose last axis is the run axis (shape ``(R,)`` or
``(..., R)``); scalars broadcast. Units are in brackets.
"""

from __future__ import annotations

import numpy as np

SECONDS_PER_MONTH = 365.25 * 24 * 3600 / 12  # [s/month]


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


def ration(demand: np.ndarray, supply: np.ndarray) -> np.ndarray:
    """Pro-rata fill ratio when demand exceeds supply.

    Args:
        demand: total demand [units], shape (R,).
        supply: available supply [units], shape (R,).

    Returns:
        Fill ratio in [0, 1] [-]: every buyer gets this share of its order.
    """
    demand = np.asarray(demand, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(demand > 0, np.asarray(supply, dtype=float) / demand, 1.0)
    return np.clip(fill, 0.0, 1.0)


def choice_shares(cost: np.ndarray, availability: np.ndarray, temperature: float) -> np.ndarray:
    """Share of chip money going to each chip type (a logit on cost per H100e).

    A buyer spreads money over the types it can get, favouring the cheapest cost per effective
    H100e; `temperature` sets how picky it is. Types with zero availability get nothing.

    Args:
        cost: cost per H100e of each type [any money unit/H100e], shape (K, R); inf = unavailable.
        availability: expected share of an order that arrives [0-1], shape (K, R).
        temperature: spread [-], relative to the cheapest type.

    Returns:
        Shares [-], shape (K, R), summing to 1 over types where anything is available, else 0.
    """
    cost = np.asarray(cost, dtype=float)
    availability = np.clip(np.asarray(availability, dtype=float), 0.0, 1.0)
    # cost per H100e that actually arrives: unavailable or rationed types look dearer
    with np.errstate(divide="ignore", invalid="ignore"):
        eff = np.where(availability > 1e-9, cost / availability, np.inf)
    best = np.min(eff, axis=0)
    finite = np.isfinite(best)
    rel = np.where(np.isfinite(eff) & finite, eff / np.where(finite, best, 1.0), np.inf)
    weights = np.exp(-(rel - 1.0) / temperature)
    weight_sum = total(weights)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(weight_sum > 0, weights / np.where(weight_sum > 0, weight_sum, 1.0), 0.0)


def tatonnement(
    price_multiplier: np.ndarray,
    demand: np.ndarray,
    supply: np.ndarray,
    response: float,
    low: float = 0.7,
    high: float = 2.0,
) -> np.ndarray:
    """Next month's price multiplier from excess demand.

    Args:
        price_multiplier: current price relative to list [-], shape (R,).
        demand: demand [units/month]; supply: capacity [units/month].
        response: price change per unit of relative excess demand [fraction/month].
        low, high: bounds on the multiplier [-] (assumption: list price -30% to +100%).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        excess = np.where(supply > 0, demand / supply - 1.0, 0.0)
    return np.clip(price_multiplier * (1.0 + response * np.clip(excess, -1.0, 1.0)), low, high)


def growth_factor(rate_per_year: np.ndarray | float, months: np.ndarray | float) -> np.ndarray:
    """(1 + rate)^(months/12) [-]."""
    return np.power(1.0 + np.asarray(rate_per_year, dtype=float), np.asarray(months) / 12.0)


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


def smuggling_capacity(
    leak: np.ndarray | float, enforcement: np.ndarray, world_output_units: np.ndarray
) -> np.ndarray:
    """Chips of one type that can be diverted to China in a month [chips/month].

    leak x (1 - enforcement) x the world's monthly output of that type.
    """
    return np.asarray(leak) * (1.0 - np.asarray(enforcement)) * np.asarray(world_output_units)


def frontier_share(
    base: np.ndarray | float, push: np.ndarray | float, gap_log10: np.ndarray
) -> np.ndarray:
    """Share of deployed compute a lab puts on its frontier run [fraction].

    A lab behind the global leader by `gap_log10` [log10 effective FLOP] pushes harder:
    base x (1 + push x gap), at most 2.5 x base and at most 0.6 (assumption: a lab keeps at
    least 40% of its compute for serving and experiments).
    """
    share = np.asarray(base) * (1.0 + np.asarray(push) * np.maximum(gap_log10, 0.0))
    return np.minimum(np.minimum(share, 2.5 * np.asarray(base)), 0.6)


def run_flop_update(
    run_flop: np.ndarray, monthly_flop: np.ndarray, run_months: np.ndarray | float
) -> np.ndarray:
    """Compute accumulated in the current frontier run [FLOP].

    An exponential window of `run_months`: run <- run (1 - 1/L) + this month's frontier FLOP,
    so a steady lab's run holds L months of its frontier compute.
    """
    return run_flop * (1.0 - 1.0 / np.asarray(run_months)) + monthly_flop


def monthly_flop(
    deployed_h100e: np.ndarray,
    share: np.ndarray,
    flop_per_s: float,
    utilisation: np.ndarray | float,
) -> np.ndarray:
    """Frontier-run FLOP in a month: H100e x share x FLOP/s x utilisation x s/month [FLOP]."""
    return np.asarray(deployed_h100e) * share * flop_per_s * np.asarray(utilisation) * SECONDS_PER_MONTH


def algo_progress(
    rate: np.ndarray | float,
    researchers: np.ndarray,
    ref_researchers: float,
    compute: np.ndarray,
    ref_compute: float,
    talent_elasticity: np.ndarray | float,
    compute_elasticity: np.ndarray | float,
    shock: np.ndarray,
) -> np.ndarray:
    """A lab's own algorithmic progress this month [log10/month].

    rate x (researchers/ref)^a x (experiment compute/ref)^b x (1 + shock), never negative:
    a Jones-style research production function (P23 sets `rate`, S15/S23 motivate talent).
    """
    r = np.maximum(np.asarray(researchers, dtype=float), 1e-9) / ref_researchers
    c = np.maximum(np.asarray(compute, dtype=float), 1e-9) / ref_compute
    # exp(a log r) rather than r**a: the same value, several times faster on arrays of exponents
    step = np.asarray(rate) * np.exp(
        np.asarray(talent_elasticity) * np.log(r) + np.asarray(compute_elasticity) * np.log(c)
    )
    return np.maximum(step * (1.0 + shock), 0.0)


def catch_up(gap: np.ndarray, rate: np.ndarray | float) -> np.ndarray:
    """Progress from closing a share of a gap each month (distillation, open-model spill-over).

    rate x max(gap, 0) [log10/month]: zero for the leader.
    """
    return np.asarray(rate) * np.maximum(gap, 0.0)


def capability(run_flop: np.ndarray, algo_log10: np.ndarray) -> np.ndarray:
    """log10 of effective training compute: log10(physical FLOP) + algorithmic multiplier."""
    return np.log10(np.maximum(run_flop, 1.0)) + algo_log10


def first_reach(path: np.ndarray, value: np.ndarray, slope_before: np.ndarray | float) -> np.ndarray:
    """Month at which a non-decreasing path first reached `value` [months since the start].

    The path before month 0 is the straight line path[0] + slope x t (t < 0); within the
    simulation the crossing is interpolated linearly between months.

    Args:
        path: non-decreasing path over months 0..t, shape (t+1, R).
        value: level to reach, shape (R,).
        slope_before: growth of the path before month 0 [units/month].

    Returns:
        Crossing month, shape (R,); +inf if the path never reached the value.
    """
    path = np.asarray(path, dtype=float)
    value = np.asarray(value, dtype=float)
    start = path[0]
    before = (value - start) / np.asarray(slope_before, dtype=float)
    reached = path >= value[None, :]
    k = np.argmax(reached, axis=0)
    ever = reached[k, np.arange(path.shape[1])]
    prev = path[np.maximum(k - 1, 0), np.arange(path.shape[1])]
    here = path[k, np.arange(path.shape[1])]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(here > prev, (value - prev) / (here - prev), 1.0)
    within = np.where(k > 0, k - 1 + np.clip(frac, 0.0, 1.0), 0.0)
    return np.where(value <= start, before, np.where(ever, within, np.inf))


def lag_at_end(
    us_max: np.ndarray, cn_max: np.ndarray, us_slope_before: np.ndarray | float
) -> np.ndarray:
    """The capability lag at the last month of running-maximum paths [months], shape (R,).

    lag(t) = t - (month the US frontier first reached China's capability at t). When China is
    ahead, the lag is negative: minus the months since China first reached the US's capability.

    Args:
        us_max, cn_max: running maxima of the frontier capabilities [log10 effective FLOP],
            shape (t+1, R).
        us_slope_before: US frontier growth before the start [log10/month].
    """
    t = us_max.shape[0] - 1
    behind = cn_max[t] <= us_max[t]
    lag_behind = t - first_reach(us_max, cn_max[t], us_slope_before)
    with np.errstate(divide="ignore", invalid="ignore"):
        lag_ahead = -(t - first_reach(cn_max, us_max[t], np.inf))
    return np.where(behind, lag_behind, np.minimum(lag_ahead, 0.0))


def capability_lag(
    us_path: np.ndarray, china_path: np.ndarray, us_slope_before: np.ndarray | float
) -> np.ndarray:
    """The capability lag in months at every month (DESIGN.md's headline outcome).

    The same quantity as :func:`lag_at_end` at every month, computed for all months at once:
    both running maxima are non-decreasing, so the first month at which one path reached a level
    is the number of months it spent below that level.

    Args:
        us_path, china_path: frontier capability [log10 effective FLOP], shape (T, R).
        us_slope_before: US frontier growth before the start [log10/month].

    Returns:
        Lag [months], shape (T, R).
    """
    us_max = np.maximum.accumulate(us_path, axis=0)
    cn_max = np.maximum.accumulate(china_path, axis=0)
    months = np.arange(us_path.shape[0], dtype=float)[:, None]
    behind = cn_max <= us_max
    reached_us = _crossing(us_max, cn_max, us_slope_before)
    with np.errstate(divide="ignore", invalid="ignore"):
        reached_cn = _crossing(cn_max, us_max, np.inf)
    return np.where(behind, months - reached_us, np.minimum(-(months - reached_cn), 0.0))


def _crossing(path: np.ndarray, level: np.ndarray, slope_before: np.ndarray | float) -> np.ndarray:
    """First month a non-decreasing path (T, R) reached level[t] (T, R), interpolated.

    As :func:`first_reach`, for every month at once; meaningful where level[t] <= path[t].
    """
    below = (path[None, :, :] < level[:, None, :]).sum(axis=1)  # months spent below, (T, R)
    k = np.minimum(below, path.shape[0] - 1)
    here = np.take_along_axis(path, k, axis=0)
    prev = np.take_along_axis(path, np.maximum(k - 1, 0), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(here > prev, (level - prev) / (here - prev), 1.0)
        before = (level - path[0]) / np.asarray(slope_before, dtype=float)
    within = np.where(k > 0, k - 1 + np.clip(frac, 0.0, 1.0), 0.0)
    return np.where(level <= path[0], before, within)


def attractiveness(
    compute_per_researcher: np.ndarray,
    pay_log: np.ndarray | float,
    visa_cost_kusd: np.ndarray | float,
    visa_scale_kusd: float,
) -> np.ndarray:
    """How attractive a nation is to a mobile researcher [log units].

    log(compute per researcher) + pay premium - visa cost / scale.
    """
    return (
        np.log(np.maximum(compute_per_researcher, 1e-9))
        + pay_log
        - np.asarray(visa_cost_kusd) / visa_scale_kusd
    )


def migration_flow(
    pool_from: np.ndarray, gap: np.ndarray, rate: np.ndarray | float, home_bias: np.ndarray | float
) -> np.ndarray:
    """Researchers moving in a month from one pool to the other [head/month].

    rate x pool x max(gap - home bias, 0): only a gap larger than the pull of home moves people.
    """
    return np.asarray(rate) * pool_from * np.maximum(gap - home_bias, 0.0)
