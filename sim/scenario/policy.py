"""The policy blocks (`policy:`, and the paths of `history:`/`timeline:` events) and the schedule.

Export rules and customs blocks are mappings keyed by chip type, with a `default` entry:

    policy.us.export:    {default: ExportRule, <nvidia chip>: ExportRule, ...}
    policy.china.customs: {default: share, <nvidia chip>: share, ...}

Semantics. When a patch (the `policy:` block, or one event's `set:`) sets `default` or a field of
it, that applies to every Nvidia chip type of the catalogue, including chips added to
`world.chips` later; the chip-specific entries set in the same patch apply after it; and later
patches win over earlier ones (history, then the policy under study at `policy.effective`, then
the timeline; on the same month in that order). A file that `extends:` another and sets `default`
overrides the parent's chip entries of the same fields (`drop_shadowed`), and so does `--set`.
Before any patch the state is unrestricted: every
chip allowed, no cap, no fee, enforcement 0.5, nothing blocked. A key must be `default` or an
Nvidia chip type of the scenario's `world.chips` (the scenario validator checks it).

`policy_schedule` turns this into what the model reads: one flat dict a month with the keys
``us.export.<chip>.<field>`` and ``china.customs.<chip>`` for every Nvidia chip of the catalogue
(no `default` keys), and every other policy leaf.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator

from sim.calendar import month_index
from sim.dotted import apply_paths, flatten, get_path
from sim.scenario.paths import check_path
from sim.scenario.types import NonNegative, Positive, Probability, Strict, YearMonth, quantity

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

#: The key of a rule mapping that applies to every chip type.
DEFAULT = "default"
#: The policy mappings keyed by chip type: flat prefix -> field of the leaf ('' for a scalar).
CHIP_MAPPINGS = ("us.export", "china.customs")

_MAPPING_DOC = (
    "Keyed by `default` (every Nvidia chip type of world.chips, including chips added later) or "
    "an Nvidia chip type; in one patch or event the chip entries apply after `default`, and later "
    "events win."
)


class ExportRule(Strict):
    """US export rule for Nvidia chips to China (one chip type, or `default` for all)."""

    allowed: bool = quantity(True, unit="-", description="Whether it may be sold to Chinese buyers")
    cap_units: NonNegative | None = quantity(
        None, unit="chips/year", description="Most units licensed per calendar year; null = no cap"
    )
    fee: NonNegative = quantity(
        0.0, unit="fraction", description="Licence fee or tariff on the price", source="P9: 0.25", le=5.0
    )
    enforcement: Probability = quantity(
        0.5,
        unit="0-1",
        description="How well diversion is stopped: leakage = (1 - enforcement) x "
        "world.nvidia.smuggling_leak",
        source="S27 location tracking raises it",
    )


class USPolicy(Strict):
    """US levers."""

    export: dict[str, ExportRule] = Field(
        default_factory=lambda: {DEFAULT: ExportRule()},
        description="Chip export regime by chip type (default: no controls, as before 2022). "
        + _MAPPING_DOC,
    )
    visa_fee_kusd: NonNegative = quantity(
        0.0, unit="thousand USD", description="Fee per foreign hire", source="S17: 100"
    )
    power_permitting: Positive = quantity(
        1.0, unit="-", description="Multiplier on the US AI power connection rate", source="S27", le=5.0
    )
    distillation_access: Probability = quantity(
        1.0,
        unit="0-1",
        description="Access Chinese labs have to US frontier models for distillation (API use, "
        "outputs); 0 = US labs and rules shut it off",
        source="S14",
    )
    tighten_below_lag_months: float | None = quantity(
        None,
        unit="months",
        description="Reactive rule: when the lag falls below this, all exports stop and "
        "enforcement becomes 0.9; null = off",
    )


class ChinaPolicy(Strict):
    """Chinese levers."""

    customs: dict[str, Probability] = quantity(
        default_factory=lambda: {DEFAULT: 0.0},
        unit="fraction",
        description="Share of legal imports of a chip type that China's customs stop (P35 H20; "
        "S4, P38 H200). " + _MAPPING_DOC,
    )
    domestic_subsidy: Probability = quantity(
        0.0,
        unit="fraction",
        description="Share of a domestic chip's price and power the state pays; at most 0.9 "
        "(assumption: free chips would make demand unbounded)",
        source="P7: up to 50% of power bills",
        le=0.9,
    )
    domestic_mandate: Probability = quantity(
        0.0,
        unit="fraction",
        description="Share of Chinese labs' chip money that must buy domestic chips (state-funded "
        "data centres barred from foreign chips)",
        source="P37",
    )
    power_build: Positive = quantity(
        1.0,
        unit="-",
        description="Multiplier on China's AI power connection rate",
        source="S10, S11",
        le=5.0,
    )
    compute_network_date: YearMonth | None = quantity(
        None,
        unit="YYYY-MM",
        description="When the national compute network pools idle capacity",
        source="S26",
    )
    compute_network_share: Probability = quantity(
        0.5,
        unit="fraction",
        description="Share of idle regional capacity the network makes usable",
        source="assumption",
    )
    block_when_domestic_share: Probability | None = quantity(
        None,
        unit="fraction",
        description="Reactive rule: block all Nvidia imports once domestic chips are at least "
        "this share of China's purchases; null = off",
    )


class PolicyState(Strict):
    """The full policy state at one month."""

    us: USPolicy = Field(default_factory=USPolicy, description="US policy.")
    china: ChinaPolicy = Field(default_factory=ChinaPolicy, description="Chinese policy.")


class PolicyBlock(PolicyState):
    """The policy under study: the fields given here take effect at `effective`."""

    effective: YearMonth = quantity(
        "2026-01", unit="YYYY-MM", description="When the policy takes effect"
    )


class PolicyEvent(Strict):
    """A dated change to the policy state."""

    date: YearMonth = quantity(unit="YYYY-MM", description="Month it takes effect")
    note: str = Field("", description="What happened.")
    sources: list[str] = Field(default_factory=list, description="Source ids (S…, P…).")
    set: dict[str, Any] = Field(
        description="Policy fields to change, as dotted paths under policy (e.g. "
        "us.export.h20.allowed, us.export.default.allowed, china.customs.default)."
    )

    @field_validator("set")
    @classmethod
    def _paths_exist(cls, value: dict[str, Any]) -> dict[str, Any]:
        if not value:
            raise ValueError("an event must set at least one field")
        updates = {}
        for path, v in value.items():
            rel = path.removeprefix("policy.")
            check_path(PolicyState, rel.split("."), f"policy.{rel}")
            updates[rel] = v
        # validate the values by applying them to a default policy state
        PolicyState.model_validate(apply_paths({}, updates))
        return updates


# --------------------------------------------------------------------------- chip keys


def chip_key(path: str) -> tuple[str, str, str] | None:
    """Split a flat policy path into (mapping, chip key, rest) if it lies in a chip mapping.

    'us.export.h20.allowed' -> ('us.export', 'h20', '.allowed'); 'china.customs.default' ->
    ('china.customs', 'default', ''); anything else -> None.
    """
    for mapping in CHIP_MAPPINGS:
        if path.startswith(mapping + "."):
            key, dot, rest = path[len(mapping) + 1 :].partition(".")
            return mapping, key, dot + rest
    return None


def expand_defaults(updates: dict[str, Any], nvidia: tuple[str, ...]) -> dict[str, Any]:
    """Flat updates with every `default` path replaced by one path per Nvidia chip.

    The expanded defaults come first and the chip-specific paths after them, so a chip entry of
    the same patch wins over its default.
    """
    defaults: dict[str, Any] = {}
    specific: dict[str, Any] = {}
    for path, value in flatten(updates).items():
        split = chip_key(path)
        if split is not None and split[1] == DEFAULT:
            mapping, _, rest = split
            for chip in nvidia:
                defaults[f"{mapping}.{chip}{rest}"] = value
        else:
            specific[path] = value
    return {**defaults, **specific}


def drop_shadowed(base_policy: dict[str, Any], over_policy: dict[str, Any]) -> dict[str, Any]:
    """A copy of a raw `policy:` dict without the chip entries that `over_policy`'s default shadows.

    A file that `extends:` another (or a `--set`) and sets `default` (or a field of it) means every
    chip: the parent's chip entries for those fields would otherwise apply after it in the merged
    block, so they are dropped first. The child wins, as a later event does.
    """
    out = copy.deepcopy(base_policy)
    for block, name in (("us", "export"), ("china", "customs")):
        over = get_path(over_policy, f"{block}.{name}", None)
        base = get_path(out, f"{block}.{name}", None)
        if not isinstance(over, dict) or not isinstance(base, dict) or DEFAULT not in over:
            continue
        for chip in [k for k in base if k != DEFAULT]:
            if isinstance(over[DEFAULT], dict) and isinstance(base[chip], dict):
                for field in over[DEFAULT]:
                    base[chip].pop(field, None)
                if not base[chip]:
                    del base[chip]
            else:
                del base[chip]
    return out


# --------------------------------------------------------------------------- the schedule


def unrestricted_state(nvidia: tuple[str, ...]) -> dict[str, Any]:
    """The flat policy state before any patch, the `default` entries expanded to `nvidia`."""
    tree = PolicyState().model_dump()
    tree["us"]["export"] = {chip: tree["us"]["export"][DEFAULT] for chip in nvidia}
    tree["china"]["customs"] = {chip: tree["china"]["customs"][DEFAULT] for chip in nvidia}
    return flatten(tree)


def _events(scenario: Scenario, nvidia: tuple[str, ...]) -> list[tuple[int, dict[str, Any]]]:
    """Every dated policy change as (month index, flat updates with `default` expanded).

    In the order they apply: by month; within a month history, then the policy under study (at
    `policy.effective`), then the timeline.
    """
    events = [(month_index(e.date), 0, e.set) for e in scenario.history]
    events.append((month_index(scenario.policy.effective), 1, scenario.policy_patch()))
    events += [(month_index(e.date), 2, e.set) for e in scenario.timeline]
    events.sort(key=lambda x: (x[0], x[1]))
    return [(when, expand_defaults(updates, nvidia)) for when, _, updates in events]


def policy_schedule(scenario: Scenario, uncertain: dict[str, Any]) -> list[dict[str, Any]]:
    """The flat policy state in force at every simulated month, as numbers.

    Keys are dotted paths under `policy.` without the prefix: ``us.export.<chip>.<field>`` and
    ``china.customs.<chip>`` for every Nvidia chip of the catalogue (`default` entries expanded,
    see the module docstring), and every other policy leaf. Events apply in date order (history,
    then the policy under study at `policy.effective`, then the timeline; on the same month in
    that order). Bools are 0/1, null is NaN, months are month indices (`month_index`).

    Args:
        scenario: a validated scenario.
        uncertain: per-run draws of uncertain policy fields, {"policy.<path>": values (R,)}, in
            force from `policy.effective`.
    """
    from sim.scenario.world import nvidia_types

    nvidia = nvidia_types(scenario.world)
    start = month_index(scenario.run.start)
    policy_month = month_index(scenario.policy.effective)
    events = _events(scenario, nvidia)
    base = unrestricted_state(nvidia)
    drawn = expand_defaults({k.removeprefix("policy."): v for k, v in uncertain.items()}, nvidia)
    schedule = []
    for month in range(start, start + scenario.n_months):
        state = dict(base)
        for when, updates in events:
            if when <= month:
                state.update(updates)
        if month >= policy_month:
            state.update(drawn)
        schedule.append({k: _as_number(v) for k, v in state.items()})
    return schedule


def policy_in_force(scenario: Scenario) -> list[tuple[str, dict[str, Any]]]:
    """When the policy in force changes within the horizon, and what changes, as set.

    The same events in the same order as `policy_schedule` (history, the policy under study at
    `policy.effective`, the timeline); events before the start show at the start month, against
    the unrestricted state. Uncertain policy fields are not included (they differ by run).

    Returns:
        [("YYYY-MM", {path under policy.: new value})], in date order, only months with changes.
    """
    from sim.calendar import month_label
    from sim.scenario.world import nvidia_types

    nvidia = nvidia_types(scenario.world)
    start = month_index(scenario.run.start)
    end = start + scenario.n_months - 1
    state = unrestricted_state(nvidia)
    changes: dict[int, dict[str, Any]] = {}
    for when, updates in _events(scenario, nvidia):
        if when > end:
            break
        for key, value in updates.items():
            if state.get(key) != value:
                state[key] = value
                changes.setdefault(max(when, start), {})[key] = value
    return [(month_label(m), changes[m]) for m in sorted(changes)]


def _as_number(value: Any) -> Any:
    """Policy values as numbers: bools -> 0/1, None -> NaN, months -> month index."""
    if value is None:
        return float("nan")
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        return float(month_index(value))
    return value
