"""The default world's data file, `sim/data/world.yaml`: every value with its unit and source.

An entry is ``{value: ..., unit: ..., source: ...}``. The schema (`sim.scenario.world`) takes its
defaults from these entries and checks each unit against the field's unit metadata when it is
imported, so a unit mismatch is an error at once, not a wrong number later.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

from sim.scenario.types import quantity
from sim.scenario.yamlfile import read_yaml

WORLD_FILE = Path(__file__).resolve().parents[1] / "data" / "world.yaml"
ENTRY_KEYS = frozenset({"value", "unit", "source"})


def is_entry(node: Any) -> bool:
    """Whether a node of the data file is one sourced value."""
    return isinstance(node, dict) and set(node) == ENTRY_KEYS


@cache
def _raw() -> dict[str, Any]:
    return read_yaml(WORLD_FILE)


def world_entries() -> dict[str, dict[str, Any]]:
    """{dotted path under world: entry} for every value in the data file, in file order."""
    out: dict[str, dict[str, Any]] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, value in node.items():
            path = f"{prefix}{key}"
            if is_entry(value):
                out[path] = value
            elif isinstance(value, dict):
                walk(value, f"{path}.")
            else:
                raise ValueError(f"{WORLD_FILE}: {path} is not {{value, unit, source}}")

    walk(_raw(), "")
    return out


def world_values() -> dict[str, Any]:
    """The data file as plain nested values (units and sources dropped), a fresh copy."""

    def strip(node: Any) -> Any:
        if is_entry(node):
            return copy.deepcopy(node["value"])
        return {k: strip(v) for k, v in node.items()}

    return strip(_raw())


def entry(path: str) -> dict[str, Any]:
    """The entry at a dotted path under world (e.g. 'nvidia.capacity_2025')."""
    found = world_entries().get(path)
    if found is None:
        raise KeyError(f"{WORLD_FILE} has no value at {path}")
    return found


def world_sources() -> dict[str, str]:
    """{world.<path>: source}; table values (labs, chips) are keyed per row."""
    return {f"world.{p}": e["source"] for p, e in world_entries().items()}


def default_quantity(path: str, unit: str, description: str, **constraints: Any) -> Any:
    """A schema field whose default, unit and source come from the data file entry at `path`.

    Raises ValueError at import when the entry's unit differs from the field's `unit`.
    """
    found = entry(path)
    if found["unit"] != unit:
        raise ValueError(
            f"sim/data/world.yaml: {path} is in {found['unit']!r} but the schema says {unit!r}; "
            "make them agree"
        )
    return quantity(
        found["value"], unit=unit, description=description, source=found["source"], **constraints
    )
