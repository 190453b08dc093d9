"""Plausibility checks: named `check_*` functions that warn, separate from the schema.

The schema rejects what cannot be run; these flag what can be run but is probably a mistake.
"""

from __future__ import annotations

from collections.abc import Iterator

from sim.calendar import month_index
from sim.scenario.schema import Scenario


def check_caps_below_world_supply(sc: Scenario) -> Iterator[str]:
    """A China cap larger than Nvidia's yearly output cannot bind."""
    yearly = sc.world.nvidia.capacity_2025 * 12
    for chip, rule in sc.policy.us.export.items():
        cap = rule.cap_units
        if cap is not None and cap > yearly:
            yield (
                f"policy.us.export.{chip}.cap_units={cap:,.0f} exceeds Nvidia's yearly output "
                f"(~{yearly:,.0f} die units); the cap will never bind"
            )


def check_policy_inside_horizon(sc: Scenario) -> Iterator[str]:
    """A policy that starts after the last simulated month has no effect."""
    if month_index(sc.policy.effective) > month_index(sc.run.end):
        yield f"policy.effective={sc.policy.effective} is after run.end={sc.run.end}; it never applies"
    for e in sc.timeline:
        if month_index(e.date) > month_index(sc.run.end):
            yield f"timeline event of {e.date} is after run.end={sc.run.end}; it never applies"


def check_uncertainty_ranges(sc: Scenario) -> Iterator[str]:
    """Uniform/triangular bounds of a probability-like field should stay in [0, 1]."""
    for path, dist in sc.uncertainties.items():
        low = getattr(dist, "low", None)
        high = getattr(dist, "high", None)
        probability_like = any(w in path for w in ("share", "enforcement", "yield", "realisation"))
        if probability_like and ((low is not None and low < 0) or (high is not None and high > 1)):
            yield f"uncertainties.{path}: bounds [{low}, {high}] leave [0, 1]"


CHECKS = (check_caps_below_world_supply, check_policy_inside_horizon, check_uncertainty_ranges)


def plausibility_warnings(sc: Scenario) -> list[str]:
    """Every warning of every check."""
    return [w for check in CHECKS for w in check(sc)]
