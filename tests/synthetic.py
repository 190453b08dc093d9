"""A small synthetic world with fixed parameters, for testing how the model's mechanisms behave.

One US lab and one Chinese lab, no `uncertainties:` (every run has the same parameters; runs differ
only by their monthly shocks), no policy history and no `extends:` of calibration/calibrated.yaml:
a recalibration never moves these numbers, so a test written on them never needs its bounds
loosened. The calibrated baseline's numbers are tested only in tests/regression/.

The numbers below are TEST FIXTURES, NOT ESTIMATES: round figures of the right order of magnitude,
chosen so that both labs buy chips, build power and hire every month. Every nation field is
given, so the default world's growth of the talent pools and China's pooled regional compute stay
out. Blocks not given here (the chip catalogue, science, behaviour, migration, Nvidia's and
Huawei's remaining fields) take the default world (`sim/data/world.yaml`), which calibration never
rewrites (it writes calibrated.yaml).

The scenario is built with `sim.scenario.scenario_from_dict` and
``world: {replace: [labs, chips]}``, so its two labs and its chip catalogue (the default world's
five chips at the time of writing) replace the default tables instead of merging into them: a chip
added to the data file does not change this world. Every other block merges over the default world.
"""

from __future__ import annotations

from typing import Any

from sim.dotted import apply_paths
from sim.scenario import Scenario, scenario_from_dict

#: Test fixtures, not estimates (see the module docstring).
WORLD: dict[str, Any] = {
    "replace": ["labs", "chips"],
    "chips": {
        "h20": {
            "maker": "nvidia",
            "h100e": 0.15,
            "inference_h100e": 0.6,
            "kw_all_in": 0.6,
            "price_kusd": 12.0,
            "die_units": 1.0,
            "china_only": True,
        },
        "h200": {
            "maker": "nvidia",
            "h100e": 1.0,
            "inference_h100e": 1.3,
            "kw_all_in": 1.5,
            "price_kusd": 32.0,
            "die_units": 1.0,
            "china_only": False,
        },
        "b30a": {
            "maker": "nvidia",
            "h100e": 1.1,
            "inference_h100e": 1.2,
            "kw_all_in": 1.1,
            "price_kusd": 22.5,
            "die_units": 1.0,
            "china_only": True,
        },
        "blackwell": {
            "maker": "nvidia",
            "h100e": 2.3,
            "inference_h100e": 2.5,
            "kw_all_in": 2.1,
            "price_kusd": 45.0,
            "die_units": 2.0,
            "china_only": False,
        },
        "ascend": {
            "maker": "huawei",
            "h100e": 0.8,
            "inference_h100e": 0.6,
            "kw_all_in": 1.7,
            "price_kusd": 25.0,
            "die_units": 2.0,
            "china_only": False,
        },
    },
    "labs": {
        "us_lab": {
            "nation": "us",
            "capital_busd": 20.0,
            "funding_busd_per_year": 30.0,
            "funding_growth": 0.2,
            "revenue_busd_per_year": 5.0,
            "revenue_growth": 1.0,
            "power_gw": 1.0,
            "installed_h100e": {"h200": 500_000.0, "blackwell": 100_000.0},
            "researchers": 1_000.0,
            "algo_log10": 0.0,
        },
        "china_lab": {
            "nation": "china",
            "open_weights": True,
            "capital_busd": 5.0,
            "funding_busd_per_year": 10.0,
            "funding_growth": 0.3,
            "revenue_busd_per_year": 1.0,
            "revenue_growth": 1.0,
            "power_gw": 0.3,
            "installed_h100e": {"h200": 100_000.0, "h20": 50_000.0, "ascend": 50_000.0},
            "researchers": 500.0,
            "algo_log10": 0.0,
        },
    },
    "us": {
        # small enough that the grid, not money, limits the US lab's power: permitting matters
        "ai_power_build_gw": 0.05,
        "ai_power_build_growth": 0.3,
        "researchers": 5_000.0,
        "researcher_cost_musd": 1.5,
        "foreign_share": 0.5,
        "researcher_growth": 0.0,
        "construction_months": 6.0,
        "power_capex_busd_per_gw": 29.0,
        "frontier_share": 0.2,
        "frontier_share_max": 0.6,
        "state_finance_busd_per_year": 0.0,
        "idle_regional_h100e": 0.0,
    },
    "china": {
        # near what the Chinese lab can use: a bug that slowed the build would bind its compute
        "ai_power_build_gw": 0.1,
        "ai_power_build_growth": 0.3,
        "researchers": 5_000.0,
        "researcher_cost_musd": 0.4,
        "foreign_share": 0.0,
        "researcher_growth": 0.0,
        "construction_months": 6.0,
        "power_capex_busd_per_gw": 29.0,
        "frontier_share": 0.05,
        "frontier_share_max": 0.1,
        # money never binds China's lab (S12), so chips or power do
        "state_finance_busd_per_year": 100.0,
        "idle_regional_h100e": 0.0,
    },
    # an uplift small enough that the Chinese lab stays below its teacher's cap, so its own
    # compute moves its capability
    "science": {"distill_uplift_log10": 0.5, "imitation_delay_months": 3.0},
    "nvidia": {"capacity_2025": 500_000.0, "capacity_growth": 0.5, "smuggling_leak": 0.02},
    "huawei": {"wafers_2025": 2_000.0},
}

#: Every chip type Nvidia may sell to China under the US export rules.
NVIDIA_EXPORTS = ("h20", "h200", "b30a", "blackwell")


def full_ban(enforcement: float = 0.85) -> dict[str, Any]:
    """Policy paths of a US export ban on every Nvidia chip type."""
    out: dict[str, Any] = {}
    for chip in NVIDIA_EXPORTS:
        out[f"policy.us.export.{chip}.allowed"] = False
        out[f"policy.us.export.{chip}.enforcement"] = enforcement
    return out


def synthetic(
    updates: dict[str, Any] | None = None, runs: int = 40, seed: int = 11, end: str = "2030-12"
) -> Scenario:
    """The synthetic world, with dotted-path `updates` (``world.…``, ``policy.…``) applied.

    Args:
        updates: dotted paths and values, e.g. ``{"policy.china.power_build": 2.0}``.
        runs: Monte Carlo runs [count].
        seed: the seed (the same seed pairs the runs of two variants).
        end: last simulated month [YYYY-MM].
    """
    raw: dict[str, Any] = {
        "name": "synthetic",
        "description": "Test fixture: one US lab, one Chinese lab, fixed parameters.",
        "run": {"start": "2025-01", "end": end, "runs": runs, "seed": seed},
        "world": WORLD,
        # the policy under test holds from the start: no year without controls before it
        "policy": {"effective": "2025-01"},
    }
    return scenario_from_dict(apply_paths(raw, updates or {}))
