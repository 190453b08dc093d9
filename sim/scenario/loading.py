"""Loading scenario files: the safe YAML reader, `extends:`, the default world, validation.

A scenario's `world:` is merged over the default world (`sim/data/world.yaml`), and a file that
`extends:` another is merged over it, key by key; a table named in `world.replace` (labs, chips)
is taken whole from the file that names it instead. Errors become one `ScenarioError` that names
the file, the field and the fix.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.dotted import deep_merge
from sim.errors import ScenarioError
from sim.scenario.overrides import apply_overrides
from sim.scenario.policy import drop_shadowed
from sim.scenario.schema import Scenario
from sim.scenario.uncertainty import DISTRIBUTION_KINDS
from sim.scenario.world import REPLACEABLE, default_world
from sim.scenario.yamlfile import read_yaml

__all__ = [
    "load_scenario",
    "merge_world",
    "read_yaml",
    "resolve_raw",
    "scenario_from_dict",
    "scenario_sha256",
    "validate_dict",
    "write_schema",
]


def merge_world(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` merged into the world `base`; tables `over` names in `replace` are taken whole."""
    replace = over.get("replace") or []
    if not isinstance(replace, list):
        return deep_merge(base, over)  # the schema reports the wrong type
    dropped = {k for k in replace if k in REPLACEABLE}
    merged = deep_merge({k: v for k, v in base.items() if k not in dropped}, over)
    merged["replace"] = list(dict.fromkeys([*(base.get("replace") or []), *replace]))
    return merged


def resolve_raw(path: Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file and merge the files it `extends:` (parents first)."""
    path = path.resolve()
    if path in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, path))
        raise ScenarioError(path, "extends", f"extends: cycle {cycle}", "remove one of the extends:")
    data = read_yaml(path)
    parent = data.get("extends")
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(path, "extends", "must be a file name", "write e.g. extends: baseline.yaml")
    parent_path = (path.parent / parent).resolve()
    if not parent_path.exists():
        raise ScenarioError(
            path, "extends", f"{parent} not found next to {path.name}", "fix the file name"
        )
    base = resolve_raw(parent_path, (*_chain, path))
    base.pop("extends", None)
    if isinstance(base.get("policy"), dict) and isinstance(data.get("policy"), dict):
        base["policy"] = drop_shadowed(base["policy"], data["policy"])
    merged = deep_merge(base, {k: v for k, v in data.items() if k != "extends"})
    if isinstance(base.get("world"), dict) and isinstance(data.get("world"), dict):
        merged["world"] = merge_world(base["world"], data["world"])
    # an uncertainty given in the child replaces the parent's distribution of that path whole
    if isinstance(base.get("uncertainties"), dict) and isinstance(data.get("uncertainties"), dict):
        merged["uncertainties"] = {**base["uncertainties"], **data["uncertainties"]}
    merged["extends"] = parent
    return merged


def _format_loc(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if not (isinstance(p, str) and p in DISTRIBUTION_KINDS)]
    return ".".join(parts)


def _fix_for(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "remove it or correct its spelling (sim schema lists every field)"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return "use a value inside the allowed range"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return "give a value of the right type"
    if kind == "missing":
        return "add the field"
    if kind == "union_tag_invalid" or kind == "union_tag_not_found":
        return f"set dist: to one of {', '.join(DISTRIBUTION_KINDS)}"
    return "correct the value (the message says how)"


_FIELD_FIRST = re.compile(r"^([A-Za-z_][\w.]*): (.*)$", re.DOTALL)


@cache
def _default_world_dump() -> dict[str, Any]:
    return default_world().model_dump()


def validate_dict(data: dict[str, Any], source: Path | None) -> Scenario:
    """Validate a merged scenario dict, turning pydantic errors into one ScenarioError.

    The given `world:` is merged over the default world first, so a file or `--set` can change
    one field of a nation, a chip or a lab without restating the rest (tables named in
    `world.replace` are taken as given).
    """
    if isinstance(data.get("world"), dict):
        data = {**data, "world": merge_world(_default_world_dump(), data["world"])}
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = _format_loc(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        # a cross-field rule may name its field ("path: problem") and its fix ("\nfix: ...")
        msg, _, fix = msg.partition("\nfix: ")
        named = _FIELD_FIRST.match(msg)
        if named:
            loc, msg = ".".join(filter(None, (loc, named.group(1)))), named.group(2)
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise ScenarioError(source, loc or None, msg + more, fix or _fix_for(err)) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, merge `extends:`, apply dotted-path overrides and validate a scenario file.

    An override of a path that the scenario declares uncertain fixes that parameter at the
    given value in every run (its distribution becomes `fixed`).
    """
    path = Path(path)
    raw = resolve_raw(path)
    if overrides:
        raw = apply_overrides(raw, overrides, path, tuple(Scenario.model_fields))
    return validate_dict(raw, path)


def scenario_from_dict(data: dict[str, Any], source: Path | None = None) -> Scenario:
    """Validate a scenario given as a dict (notebooks, tests)."""
    return validate_dict(data, source)


def scenario_sha256(scenario: Scenario) -> str:
    """Checksum of the fully resolved scenario."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def write_schema(path: Path) -> None:
    """Write the JSON schema editors use to complete and check scenario files."""
    schema = Scenario.model_json_schema()
    path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
