"""The app's controls, read from the policy schema: one `Lever` per policy leaf of a scenario.

`levers(scenario)` walks the pydantic models of the `policy:` block (`sim.scenario.policy`) and
returns one `Lever` per leaf field: its dotted path, kind (switch, number, month), unit, bounds,
description and source, all read from the field's metadata (as `sim.scenario.reference` does for
docs/parameters.md). The chip mappings (`us.export`, `china.customs`) get one lever per field and
Nvidia chip type of the scenario's catalogue. So a lever added to the schema, or a chip added to
`world.chips`, appears on the page by itself; no control is written by hand per field.

A lever's start value is the policy in force in the month the policy under study takes effect
(history and the scenario's own `policy:` applied): what the page shows before anything moves.
Framework-free: the page (`sim.app.page`) turns each `Lever` into a widget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.calendar import month_index, month_label
from sim.scenario.paths import field_bounds
from sim.scenario.policy import CHIP_MAPPINGS, PolicyBlock, policy_schedule
from sim.scenario.reference import field_about, field_meta
from sim.scenario.schema import Scenario
from sim.scenario.types import CEILINGS, YearMonthField
from sim.scenario.world import nvidia_types

Kind = Literal["switch", "number", "month"]

#: Slider range [unit] for a number without an upper bound of its own in the schema (only its
#: unit's ceiling, `sim.scenario.types.CEILINGS`), by unit; a new field
#: with one of these units gets a sensible slider, any other an upper end of 10x its value.
OPEN_RANGES: dict[str, tuple[float, float, float]] = {
    "chips/year": (0.0, 3_000_000.0, 10_000.0),  # world H200-class output is ~1-3 M a year (P30)
    "thousand USD": (0.0, 500.0, 5.0),  # S17's fee is 100
    "months": (-12.0, 36.0, 1.0),  # the lag's range over the shipped scenarios
}
#: Steps of bounded sliders: a hundredth of the range, at most this fine [unit].
STEPS = 100


@dataclass(frozen=True)
class Lever:
    """One control: a policy leaf of the scenario, with what the schema says about it.

    Attributes:
        path: dotted path under the scenario, e.g. ``policy.us.export.h200.cap_units``.
        group: heading the page files it under, e.g. "US export: h200", "China".
        label: the field name in words.
        kind: "switch" (bool), "number" (float) or "month" ("YYYY-MM").
        unit: the field's unit metadata.
        description: the field's description without unit and source.
        source: the field's source metadata ("" if none).
        optional: null is allowed (a cap of null = no cap; a reactive rule of null = off).
        low, high, step: the slider's range and step [unit] (numbers only).
        value: the value in force when the policy takes effect (None: null).
    """

    path: str
    group: str
    label: str
    kind: Kind
    unit: str
    description: str
    source: str
    optional: bool
    low: float
    high: float
    step: float
    value: Any

    @property
    def help(self) -> str:
        """The tooltip: description, unit, source."""
        src = f" Source: {self.source}." if self.source else ""
        return f"{self.description} [{self.unit}].{src}"

    def same(self, value: Any) -> bool:
        """Whether `value` equals the start value (so it needs no override)."""
        if value is None or self.value is None:
            return value is None and self.value is None
        if self.kind == "number":
            return math.isclose(float(value), float(self.value), rel_tol=1e-12, abs_tol=1e-12)
        return value == self.value


def _inner(tp: Any) -> tuple[Any, list[Any], bool]:
    """(base type, constraint metadata, optional) of an annotation, through Optional/Annotated."""
    optional = False
    metadata: list[Any] = []
    args = get_args(tp)
    if get_origin(tp) is not dict and type(None) in args:
        optional = True
        tp = next(a for a in args if a is not type(None))
    while get_origin(tp) is Annotated:
        base, *extras = get_args(tp)
        for extra in extras:
            metadata += list(getattr(extra, "metadata", []) or [])
            metadata.append(extra)
        tp = base
    return tp, metadata, optional


def _kind(tp: Any, metadata: list[Any]) -> Kind | None:
    if any(m is YearMonthField for m in metadata):
        return "month"
    if tp is bool:
        return "switch"
    if tp in (float, int):
        return "number"
    return None


def _bounds(metadata: list[Any], unit: str, value: Any) -> tuple[float, float, float]:
    """Slider range and step [unit]: the schema's bounds, else `OPEN_RANGES` by unit."""
    bounds = field_bounds(*metadata)
    low = bounds.low if math.isfinite(bounds.low) else None
    high = bounds.high if math.isfinite(bounds.high) else None
    strict = bounds.low_strict  # a bound the value may not take: the slider starts a step above
    if high is not None and high == CEILINGS.get(unit):
        high = None  # the unit's generic ceiling guards the arithmetic; it is no slider's end
    if high is None and unit in OPEN_RANGES:
        o_low, o_high, o_step = OPEN_RANGES[unit]
        low = o_low if low is None else max(low, o_low)
        return low, max(o_high, float(value or 0.0)), o_step
    low = 0.0 if low is None else low
    if high is None:
        high = max(1.0, 10.0 * abs(float(value or 0.0)))
    step = (high - low) / STEPS
    return (low + step if strict else low), high, step


def _start_state(scenario: Scenario) -> dict[str, Any]:
    """The flat policy in force the month the policy takes effect (numbers as the model reads)."""
    schedule = policy_schedule(scenario, {})
    start = month_index(scenario.run.start)
    at_month = month_index(scenario.policy.effective) - start
    return schedule[min(max(at_month, 0), len(schedule) - 1)]


def _as_value(kind: Kind, number: Any) -> Any:
    """A schedule number back to the field's value (NaN -> None, 0/1 -> bool, index -> YYYY-MM)."""
    if isinstance(number, float) and math.isnan(number):
        return None
    if kind == "switch":
        return bool(number)
    if kind == "month":
        return month_label(int(number))
    return float(number)


def levers(scenario: Scenario, schema: type[BaseModel] = PolicyBlock) -> list[Lever]:
    """Every policy lever of `scenario`, in schema order, with its start value.

    Args:
        scenario: the scenario whose chip catalogue and policy in force the levers start from.
        schema: the policy block's model to walk (the tests pass one with an extra field).
    """
    state = _start_state(scenario)
    chips = nvidia_types(scenario.world)
    out: list[Lever] = []

    def leaf(field: FieldInfo, tp: Any, path: str, group: str, label: str) -> None:
        base, metadata, optional = _inner(tp)
        metadata = [*field.metadata, *metadata]
        kind = _kind(base, metadata)
        if kind is None:
            return
        rel = path.removeprefix("policy.")
        if rel == "effective":
            value: Any = scenario.policy.effective
        elif rel in state:
            value = _as_value(kind, state[rel])
        else:  # a field the model does not read yet: its schema default
            value = field.get_default(call_default_factory=True)
        unit = field_meta(field, "unit")
        low, high, step = _bounds(metadata, unit, value) if kind == "number" else (0.0, 0.0, 0.0)
        out.append(
            Lever(
                path,
                group,
                label,
                kind,
                unit,
                field_about(field),
                field_meta(field, "source"),
                optional,
                low,
                high,
                step,
                value,
            )
        )

    def walk(model: type[BaseModel], prefix: str, group: str) -> None:
        for name, field in model.model_fields.items():
            path, tp = f"{prefix}.{name}", field.annotation
            label = name.replace("_", " ")
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                walk(tp, path, name.upper() if len(name) <= 2 else name.capitalize())
            elif get_origin(tp) is dict and path.removeprefix("policy.") in CHIP_MAPPINGS:
                entry = get_args(tp)[1]
                for chip in chips:
                    if isinstance(entry, type) and issubclass(entry, BaseModel):
                        for sub, sub_field in entry.model_fields.items():
                            leaf(
                                sub_field,
                                sub_field.annotation,
                                f"{path}.{chip}.{sub}",
                                f"{group} {name}: {chip}",
                                sub.replace("_", " "),
                            )
                    else:
                        leaf(field, entry, f"{path}.{chip}", f"{group} {name}", chip)
            else:
                leaf(field, tp, path, group or "When", label)

    walk(schema, "policy", "")
    return out


def overrides(lever_list: list[Lever], values: dict[str, Any]) -> dict[str, Any]:
    """The `--set` overrides {path: value} of the values that differ from their start value."""
    by_path = {lv.path: lv for lv in lever_list}
    return {path: v for path, v in values.items() if path in by_path and not by_path[path].same(v)}


def set_text(value: Any) -> str:
    """A value as `--set` writes it (YAML scalar: true/false, null, numbers, 'YYYY-MM' quoted)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.15g}"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)
