"""Named outcomes: from monthly series (months, runs) to year-end values per run.

Outcome names are stable API (DESIGN.md). Under a year-end key ``YYYY-12`` a stock is its value
in that December and a flow ("per year") is its total over the calendar year's simulated months.
"""

from __future__ import annotations

import numpy as np

from sim.model import rules
from sim.scenario import month_label

#: outcome name -> (kind, unit). The first eight are DESIGN.md's headline outcomes.
OUTCOMES: dict[str, tuple[str, str]] = {
    "capability_lag_months": ("stock", "months"),
    "china_compute_share": ("stock", "fraction"),
    "china_chip_imports_h100e": ("flow", "H100e/year"),
    "china_chip_imports_legal_h100e": ("flow", "H100e/year"),
    "china_chip_imports_smuggled_h100e": ("flow", "H100e/year"),
    "china_domestic_chips_h100e": ("flow", "H100e/year"),
    "us_ai_power_gw": ("stock", "GW"),
    "china_ai_power_gw": ("stock", "GW"),
    "us_frontier_capability": ("stock", "log10 FLOP"),
    "china_frontier_capability": ("stock", "log10 FLOP"),
    "us_compute_h100e": ("stock", "H100e"),
    "china_compute_h100e": ("stock", "H100e"),
    "china_domestic_output_chips": ("flow", "chips/year"),
    "china_h20_imports_units": ("flow", "chips/year"),
    "openai_power_pipeline_gw": ("stock", "GW"),
    "us_researchers": ("stock", "head"),
    "china_researchers": ("stock", "head"),
}

#: outcomes printed in the terminal table.
HEADLINE = (
    "capability_lag_months",
    "china_compute_share",
    "china_chip_imports_h100e",
    "china_domestic_chips_h100e",
    "us_ai_power_gw",
    "china_ai_power_gw",
)

#: monthly series kept for fan charts and notebooks.
MONTHLY = (
    "capability_lag_months",
    "china_compute_share",
    "china_chip_imports_legal_h100e",
    "china_chip_imports_smuggled_h100e",
    "china_domestic_chips_h100e",
    "us_ai_power_gw",
    "china_ai_power_gw",
    "us_frontier_capability",
    "china_frontier_capability",
)

STATS = ("mean", "p5", "p25", "p50", "p75", "p95")
QUANTILES = {"p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}


def year_ends(start: int, n_months: int) -> list[tuple[str, int, int]]:
    """Year-end keys within the horizon: (label 'YYYY-12', first month of that year, December).

    Month positions are 0-based offsets into the series; the first year may be partial.
    """
    out = []
    for pos in range(n_months):
        month = start + pos
        if month % 12 == 11:
            first = max(0, pos - 11)
            out.append((month_label(month), first, pos))
    return out


def year_end_values(series: dict[str, np.ndarray], start: int) -> dict[str, dict[str, np.ndarray]]:
    """Every outcome at every year-end, per run: {outcome: {'YYYY-12': values (R,)}}."""
    n_months = next(iter(series.values())).shape[0]
    out: dict[str, dict[str, np.ndarray]] = {}
    for name, (kind, _unit) in OUTCOMES.items():
        values = series[name]
        out[name] = {}
        for label, first, dec in year_ends(start, n_months):
            out[name][label] = values[dec] if kind == "stock" else rules.total(values[first : dec + 1])
    return out


def parity_by(series: dict[str, np.ndarray], start: int) -> dict[str, np.ndarray]:
    """Whether China reached parity (lag <= 0) at any month up to each year-end, per run."""
    lag = series["capability_lag_months"]
    reached = np.logical_or.accumulate(lag <= 0.0, axis=0)
    return {label: reached[dec] for label, _first, dec in year_ends(start, lag.shape[0])}


def describe(values: np.ndarray) -> dict[str, float]:
    """mean, p5, p25, p50, p75, p95 of one outcome across runs."""
    values = np.asarray(values, dtype=float)
    q = np.quantile(values, list(QUANTILES.values()))
    out = {"mean": float(np.mean(values))}
    out.update({k: float(v) for k, v in zip(QUANTILES, q, strict=True)})
    return out
