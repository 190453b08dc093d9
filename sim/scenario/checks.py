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


#: export-rule fields that act only while the chip may be sold to China
_SALE_TERMS = ("cap_units", "fee", "enforcement")


def check_levers_act(sc: Scenario) -> Iterator[str]:
    """A lever set on a chip that may never be sold to China changes nothing (as sweep warns).

    The scenario's own policy (with its --set values) is checked against the policy in force:
    a cap, fee or enforcement on an Nvidia chip whose sales are not allowed in any month from
    `policy.effective` to the end, or a customs block on such a chip.
    """
    from sim.scenario.policy import policy_schedule

    schedule = policy_schedule(sc, {})
    first = max(0, month_index(sc.policy.effective) - month_index(sc.run.start))
    months = schedule[first:]
    if not months:
        return
    for path in sc.policy_patch():
        parts = path.split(".")
        if parts[:2] == ["us", "export"] and len(parts) == 4 and parts[3] in _SALE_TERMS:
            chip = parts[2]
        elif parts[:2] == ["china", "customs"] and len(parts) == 3:
            chip = parts[2]
        else:
            continue
        allowed = f"us.export.{chip}.allowed"
        if allowed in months[0] and not any(m[allowed] for m in months):
            yield (
                f"policy.{path} changes nothing: {chip} may not be sold to China in any month "
                f"from {sc.policy.effective} to {sc.run.end} (fix: also set "
                f"policy.{allowed}=true, or drop it)"
            )


CHECKS = (check_caps_below_world_supply, check_policy_inside_horizon, check_levers_act)


def require_year_end(sc: Scenario, source: str | None) -> None:
    """Refuse a horizon without a December: results report every outcome at year-ends.

    The model itself runs any horizon (calibration steps short ones); the commands that write
    results need at least one year-end, and `sim validate` applies the same check.

    Raises:
        ScenarioError: naming run.end and the fix.
    """
    from sim.errors import ScenarioError

    if sc.run.start[:4] == sc.run.end[:4] and not sc.run.end.endswith("-12"):
        raise ScenarioError(
            source,
            "run.end",
            f"the horizon {sc.run.start} to {sc.run.end} holds no December, and results report "
            "every outcome at year-ends",
            f"end in December, e.g. run.end: {sc.run.start[:4]}-12",
        )


def plausibility_warnings(sc: Scenario) -> list[str]:
    """Every warning of every check."""
    return [w for check in CHECKS for w in check(sc)]
