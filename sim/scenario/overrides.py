"""`--set path=value` overrides from the command line, applied to a raw scenario dict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.dotted import apply_paths
from sim.errors import ScenarioError, did_you_mean
from sim.scenario.policy import drop_shadowed


def parse_set(assignments: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Parse `path=value` strings from the command line; values are YAML scalars."""
    updates: dict[str, Any] = {}
    for item in assignments:
        if "=" not in item:
            raise ScenarioError(
                None,
                item,
                "--set needs path=value",
                "write e.g. --set policy.us.export.h200.cap_units=500000",
            )
        path, _, text = item.partition("=")
        path = path.strip()
        if not path or any(not p for p in path.split(".")):
            raise ScenarioError(None, item, "empty path", "write e.g. --set run.runs=200")
        try:
            updates[path] = yaml.safe_load(text) if text.strip() else None
        except yaml.YAMLError:
            raise ScenarioError(None, path, f"cannot read value {text!r}", "quote it") from None
    return updates


def apply_overrides(
    raw: dict[str, Any], overrides: dict[str, Any], path: Path | None, top_level: tuple[str, ...]
) -> dict[str, Any]:
    """A copy of a raw scenario dict with dotted-path overrides set.

    A value set on the command line must win over a declared distribution of that path, which
    would otherwise replace it in every run: such an uncertainty becomes a fixed value.

    Args:
        raw: the scenario as read (extends: merged).
        overrides: {dotted path: value}.
        path: the scenario file, for error messages.
        top_level: the scenario's top-level field names.
    """
    for key in overrides:
        top = key.split(".")[0]
        if top not in top_level:
            raise ScenarioError(
                f"--set {key}",
                None,
                f"no top-level field {top!r}",
                did_you_mean(top, top_level) or f"start the path with one of {', '.join(top_level)}",
            )
    policy = {k.removeprefix("policy."): v for k, v in overrides.items() if k.startswith("policy.")}
    if policy and isinstance(raw.get("policy"), dict):
        raw = {**raw, "policy": drop_shadowed(raw["policy"], apply_paths({}, policy))}
    out = apply_paths(raw, overrides)
    uncertain = out.get("uncertainties")
    if isinstance(uncertain, dict):
        for key, value in overrides.items():
            if key in uncertain and isinstance(value, int | float) and not isinstance(value, bool):
                uncertain[key] = {"dist": "fixed", "value": value}
    return out
