"""Pieces the policy-analysis commands share: outcome references and parameter units.

An outcome reference names one number per run: an outcome at a year-end, written
``NAME@YYYY-12`` (e.g. ``capability_lag_months@2028-12``), the same key as the columns of
``runs.parquet``. Sweeps, Sobol sensitivity and scenario discovery all point at outcomes this way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from sim.errors import ScenarioError
from sim.outcomes import OUTCOMES, year_ends
from sim.scenario import Scenario, month_index

_REF = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*@\s*(\d{4})-(\d{1,2})\s*$")


@dataclass(frozen=True)
class OutcomeRef:
    """One outcome at one year-end, e.g. capability_lag_months at 2028-12."""

    outcome: str
    year_end: str

    @property
    def unit(self) -> str:
        """The outcome's unit (from `sim.outcomes.OUTCOMES`)."""
        return OUTCOMES[self.outcome].unit

    @property
    def key(self) -> str:
        """'outcome@YYYY-12', the column name in runs.parquet."""
        return f"{self.outcome}@{self.year_end}"

    def values(self, result: Any) -> np.ndarray:
        """This outcome's value in every run of an ensemble result, shape (runs,)."""
        return np.asarray(result.year_end[self.outcome][self.year_end], dtype=float)


def parse_outcome_ref(text: str, option: str = "--outcome") -> OutcomeRef:
    """Parse 'NAME@YYYY-12' into an OutcomeRef; bad input raises ScenarioError.

    Args:
        text: the reference as typed.
        option: the command-line option it came from (named in the error message).
    """
    match = _REF.match(text or "")
    if not match:
        raise ScenarioError(
            None,
            option,
            f"cannot read {text!r} as OUTCOME@YYYY-12",
            "write e.g. capability_lag_months@2028-12",
        )
    name, year, month = match.group(1), int(match.group(2)), int(match.group(3))
    if name not in OUTCOMES:
        raise ScenarioError(
            None, option, f"unknown outcome {name!r}", f"use one of {', '.join(OUTCOMES)}"
        )
    if month != 12:
        raise ScenarioError(
            None,
            option,
            f"{year}-{month:02d} is not a year-end",
            f"outcomes are kept at year-ends: write {name}@{year}-12",
        )
    return OutcomeRef(name, f"{year}-12")


def check_in_horizon(ref: OutcomeRef, scenario: Scenario, option: str = "--outcome") -> None:
    """Raise ScenarioError unless the reference's year-end lies in the scenario's horizon."""
    labels = [
        label for label, _first, _dec in year_ends(month_index(scenario.run.start), scenario.n_months)
    ]
    if ref.year_end not in labels:
        span = f"{labels[0]} to {labels[-1]}" if labels else "none"
        raise ScenarioError(
            None,
            option,
            f"{ref.year_end} is outside {scenario.name}'s horizon "
            f"({scenario.run.start} to {scenario.run.end})",
            f"pick a year-end from {span}",
        )


# --------------------------------------------------------------------------- parameter units


@cache
def _schema() -> dict[str, Any]:
    return Scenario.model_json_schema()


def _field_schema(path: str) -> dict[str, Any] | None:
    """The JSON-schema node of a dotted scenario path, with the unit in force there.

    A mapping's entries (``world.labs.<id>``, ``policy.china.customs.<chip>``) inherit the
    mapping's unit metadata when they are plain numbers.
    """
    schema = _schema()
    defs = schema["$defs"]
    node: dict[str, Any] = schema
    unit = ""
    for part in path.split("."):
        node = _resolve(node, defs)
        if part in node.get("properties", {}):
            node = node["properties"][part]
            unit = node.get("unit", "")
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
            unit = node.get("unit", unit)
        else:
            return None
    return {**node, "unit": unit}


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return defs[node["$ref"].rsplit("/", 1)[-1]]
    for option in node.get("anyOf", ()):
        if "$ref" in option:
            return defs[option["$ref"].rsplit("/", 1)[-1]]
    return node


def parameter_unit(path: str) -> str:
    """The unit of a scenario parameter, from its field's unit metadata ('' if none)."""
    node = _field_schema(path)
    return "" if node is None else str(node["unit"])


def parameter_label(path: str) -> str:
    """'dotted.path [unit]' for tables and axes."""
    unit = parameter_unit(path)
    return f"{path} [{unit}]" if unit else path


def parse_year_end(text: str, scenario: Scenario, option: str = "--year") -> str:
    """'YYYY-12' within the scenario's horizon; bad input raises ScenarioError."""
    match = re.match(r"^\s*(\d{4})-(\d{1,2})\s*$", text or "")
    if not match:
        raise ScenarioError(
            None, option, f"cannot read {text!r} as a year-end", "write YYYY-12, e.g. 2028-12"
        )
    ref = parse_outcome_ref(f"capability_lag_months@{match.group(1)}-{match.group(2)}", option)
    check_in_horizon(ref, scenario, option)
    return ref.year_end


def default_year_end(scenario: Scenario, preferred: str = "2028-12") -> str:
    """`preferred` if the scenario simulates it, else its last year-end."""
    labels = [
        label for label, _first, _dec in year_ends(month_index(scenario.run.start), scenario.n_months)
    ]
    if not labels:
        raise ScenarioError(
            None, "run.end", f"{scenario.name} simulates no December", "extend run.end to a December"
        )
    return preferred if preferred in labels else labels[-1]
