"""The scenario file: run settings, world, history, policy, timeline, uncertainties.

Roles are kept apart, as EMA Workbench does: `run:` (horizon, runs, seed), `world:` (the world as it
stood at the start), `history:` (dated past policy events every scenario shares), `policy:` (the
levers under study, in force from `policy.effective`), `timeline:` (further dated policy events) and
`uncertainties:` (per-parameter distributions keyed by dotted path).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.calendar import month_index
from sim.dotted import flatten
from sim.limits import MAX_RUNS
from sim.scenario.paths import Bounds, check_path, walk_path
from sim.scenario.policy import DEFAULT, PolicyBlock, PolicyEvent, PolicyState
from sim.scenario.types import Strict, YearMonth, quantity
from sim.scenario.uncertainty import Distribution, check_groups, support_problem
from sim.scenario.world import World, default_world, nvidia_types


class RunSettings(Strict):
    """How the ensemble is run; kept apart from the model."""

    start: YearMonth = quantity("2025-01", unit="YYYY-MM", description="First simulated month")
    end: YearMonth = quantity("2030-12", unit="YYYY-MM", description="Last simulated month, inclusive")
    runs: int = quantity(1000, unit="count", description="Monte Carlo runs", ge=1, le=MAX_RUNS)
    seed: int = Field(20250101, ge=0, description="The one seed every random number derives from.")

    @model_validator(mode="after")
    def _end_after_start(self) -> RunSettings:
        if month_index(self.end) < month_index(self.start):
            raise ValueError(f"run.end ({self.end}) is before run.start ({self.start}); swap them")
        if month_index(self.end) - month_index(self.start) > 12 * 40:
            raise ValueError("the horizon is longer than 40 years; shorten run.end")
        return self


class Scenario(Strict):
    """A scenario file."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra={"title": "sim scenario"})

    name: str = Field(description="Short name, used in results.")
    description: str = Field("", description="What the scenario represents.")
    mechanism: str | None = Field(
        None,
        description="One sentence on the channel through which the scenario acts on the race "
        "(which lever, which decision of which agent it changes), not on its numbers; shown next "
        "to its effects in the lever table of the README (`sim levers`). A file that extends "
        "another inherits its parent's unless it sets its own.",
    )
    sources: list[str] = Field(default_factory=list, description="Source ids it rests on.")
    extends: str | None = Field(None, description="Scenario file this one builds on (relative path).")
    run: RunSettings = Field(default_factory=RunSettings, description="Ensemble settings.")
    world: World = Field(
        default_factory=default_world,
        description="The world at the start month: sim/data/world.yaml, with this scenario's "
        "changes merged in (or tables replaced, see world.replace).",
    )
    history: list[PolicyEvent] = Field(
        default_factory=list, description="Past policy events every scenario shares."
    )
    policy: PolicyBlock = Field(
        default_factory=PolicyBlock, description="The policy under study and when it starts."
    )
    timeline: list[PolicyEvent] = Field(default_factory=list, description="Further dated policy events.")
    uncertainties: dict[str, Distribution] = Field(
        default_factory=dict,
        description="Distributions of uncertain parameters keyed by dotted path (world.… or policy.…).",
    )

    @field_validator("name")
    @classmethod
    def _printable_name(cls, value: str) -> str:
        # the name reaches terminals, file names and the report: no control characters
        if not value.strip() or len(value) > 200:
            raise ValueError(
                "must be 1 to 200 characters\nfix: give a short name, e.g. name: loosen_h200"
            )
        if any(unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"} for c in value):
            raise ValueError(
                "holds a control character (e.g. a tab, newline or escape)\n"
                "fix: use letters, digits, spaces and punctuation only"
            )
        return value

    @field_validator("uncertainties")
    @classmethod
    def _uncertain_paths_numeric(cls, value: dict[str, Any]) -> dict[str, Any]:
        for path, dist in value.items():
            problem = support_problem(path, dist, _path_walk(path, numeric=True)[1])
            if problem:
                raise ValueError(problem)
        check_groups(value)
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> Scenario:
        for block in ("history", "timeline"):
            dates = [month_index(e.date) for e in getattr(self, block)]
            if dates != sorted(dates):
                raise ValueError(f"{block} events must be in date order; sort them by date")
        return self

    @model_validator(mode="after")
    def _keys_in_this_world(self) -> Scenario:
        """Lab ids and chip types named in paths must exist in this scenario's world."""
        named: list[tuple[str, str, str]] = []  # (field, mapping, key)
        for path in self.uncertainties:
            named += [(f"uncertainties.{path}", m, k) for m, k in _path_keys(path)]
        for block in ("history", "timeline"):
            for i, event in enumerate(getattr(self, block)):
                for path in event.set:
                    keys = check_path(PolicyState, path.split("."), f"policy.{path}")
                    named += [(f"{block}.{i}.set.{path}", m, k) for m, k in keys]
        named += [(f"policy.us.export.{k}", "USPolicy.export", k) for k in self.policy.us.export]
        named += [
            (f"policy.china.customs.{k}", "ChinaPolicy.customs", k) for k in self.policy.china.customs
        ]
        domains = self._key_domains()
        for field, mapping, key in named:
            if mapping in domains and key not in domains[mapping][0]:
                _, what, fix = domains[mapping]
                raise ValueError(f"{field}: {key!r} is not {what}\nfix: {fix}")
        return self

    def _key_domains(self) -> dict[str, tuple[tuple[str, ...], str, str]]:
        """{mapping: (allowed keys, what they are, how to fix a wrong one)}."""
        chips, labs, nvidia = tuple(self.world.chips), tuple(self.world.labs), nvidia_types(self.world)
        chip = (
            chips,
            "a chip type of world.chips",
            f"use one of {', '.join(chips)}, or add it to world.chips",
        )
        rule = (
            (DEFAULT, *nvidia),
            f"`{DEFAULT}` or an Nvidia chip type of world.chips",
            f"use `{DEFAULT}` (every Nvidia chip) or one of {', '.join(nvidia)}, or add the chip to "
            "world.chips with maker: nvidia",
        )
        return {
            "World.labs": (labs, "a lab in world.labs", f"use one of {', '.join(labs)}"),
            "World.chips": chip,
            "LabSpec.installed_h100e": chip,
            "USPolicy.export": rule,
            "ChinaPolicy.customs": rule,
        }

    # -- derived ------------------------------------------------------------------------------

    @property
    def n_months(self) -> int:
        """Number of simulated months."""
        return month_index(self.run.end) - month_index(self.run.start) + 1

    def policy_patch(self) -> dict[str, Any]:
        """The policy fields this scenario sets explicitly, as dotted paths (without 'effective')."""
        flat = flatten(_explicit(self.policy))
        return {k: v for k, v in flat.items() if k != "effective" and v != {}}


def _path_keys(path: str) -> list[tuple[str, str]]:
    """check_path for a path starting with 'world.' or 'policy.'."""
    return _path_walk(path)[0]


def _path_walk(path: str, numeric: bool = False) -> tuple[list[tuple[str, str]], Bounds]:
    """walk_path for a path starting with 'world.' or 'policy.': its mapping keys and bounds."""
    parts = path.split(".")
    if parts[0] == "world":
        return walk_path(World, parts[1:], path, numeric=numeric)
    if parts[0] == "policy":
        return walk_path(PolicyState, parts[1:], path, numeric=numeric)
    raise ValueError(f"uncertainty {path!r} must start with 'world.' or 'policy.'")


def _explicit(value: Any) -> Any:
    """Only the fields explicitly set on a pydantic model (mappings of models: per entry)."""
    if isinstance(value, BaseModel):
        return {name: _explicit(getattr(value, name)) for name in value.model_fields_set}
    if isinstance(value, dict):
        return {k: _explicit(v) for k, v in value.items()}
    return value
