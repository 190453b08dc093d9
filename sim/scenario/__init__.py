"""Scenarios: the strict schema by block, the default world as data, loading, `extends:`, `--set`.

A scenario is YAML validated by strict pydantic models: unknown keys are errors, every field has
a unit (metadata) and a description, and every default value has its source next to it (the
default world in `sim/data/world.yaml`; policy sources in the field metadata).

Modules: `types` (shared types, unit metadata), `data` (the world data file), `world`,
`policy` (levers, events, the monthly schedule), `uncertainty` (distributions), `schema`
(`Scenario`), `paths` (checking dotted paths), `yamlfile` (safe YAML), `loading`,
`overrides` (`--set`), `checks` (plausibility warnings), `reference` (docs/parameters.md).
"""

from __future__ import annotations

from sim.calendar import month_index, month_label, parse_year_month
from sim.dotted import apply_paths, deep_merge, flatten
from sim.scenario.loading import (
    load_scenario,
    merge_world,
    read_yaml,
    resolve_raw,
    scenario_from_dict,
    scenario_sha256,
    validate_dict,
    write_schema,
)
from sim.scenario.overrides import parse_set
from sim.scenario.policy import (
    DEFAULT,
    ChinaPolicy,
    ExportRule,
    PolicyBlock,
    PolicyEvent,
    PolicyState,
    USPolicy,
    policy_schedule,
)
from sim.scenario.schema import RunSettings, Scenario
from sim.scenario.types import NonNegative, Positive, Probability, Strict, YearMonth, field_unit
from sim.scenario.uncertainty import (
    Distribution,
    Empirical,
    Fixed,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
)
from sim.scenario.world import (
    Behaviour,
    ChipSpec,
    HuaweiWorld,
    LabSpec,
    Migration,
    NationWorld,
    NvidiaWorld,
    Science,
    World,
    chip_types,
    default_world,
    nvidia_types,
)

__all__ = [
    "DEFAULT",
    "Behaviour",
    "ChinaPolicy",
    "ChipSpec",
    "Distribution",
    "Empirical",
    "ExportRule",
    "Fixed",
    "HuaweiWorld",
    "LabSpec",
    "LogNormal",
    "Migration",
    "NationWorld",
    "NonNegative",
    "Normal",
    "NvidiaWorld",
    "PolicyBlock",
    "PolicyEvent",
    "PolicyState",
    "Positive",
    "Probability",
    "RunSettings",
    "Scenario",
    "Science",
    "Strict",
    "Triangular",
    "USPolicy",
    "Uniform",
    "World",
    "YearMonth",
    "apply_paths",
    "chip_types",
    "deep_merge",
    "default_world",
    "field_unit",
    "flatten",
    "load_scenario",
    "merge_world",
    "month_index",
    "month_label",
    "nvidia_types",
    "parse_set",
    "parse_year_month",
    "policy_schedule",
    "read_yaml",
    "resolve_raw",
    "scenario_from_dict",
    "scenario_sha256",
    "validate_dict",
    "write_schema",
]
