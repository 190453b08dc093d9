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
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from sim.dotted import deep_merge
from sim.errors import ScenarioError, did_you_mean
from sim.limits import MAX_EXTENDS
from sim.scenario.overrides import apply_overrides
from sim.scenario.paths import unwrap
from sim.scenario.policy import drop_shadowed
from sim.scenario.schema import Scenario
from sim.scenario.uncertainty import DISTRIBUTION_KINDS
from sim.scenario.world import REPLACEABLE, default_world
from sim.scenario.yamlfile import read_yaml
from sim.shipped import find_shipped

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


def _resolved(path: Path, named_in: Path | None = None) -> Path:
    """The absolute path without symlinks; a symlink loop is one ScenarioError."""
    try:
        return path.resolve(strict=False)
    except (RuntimeError, OSError):  # RuntimeError: Python 3.11's symlink-loop report
        where = "extends" if named_in else None
        what = "a symlink loop" if named_in is None else f"{path} is a symlink loop"
        raise ScenarioError(named_in or path, where, what, "point it at a real file") from None


def _parent_file(path: Path, parent: str) -> Path:
    """The file `extends: parent` in `path` means: beside `path`, else a shipped scenario."""
    beside = _resolved(path.parent / parent, path)
    if beside.exists():
        return beside
    shipped = find_shipped(parent)
    if shipped is not None:
        return _resolved(shipped, path)
    raise ScenarioError(
        path,
        "extends",
        f"{parent} not found next to {path.name} nor among the shipped scenarios",
        "fix the file name (sim list shows the shipped scenarios)",
    )


def resolve_raw(path: Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file and merge the files it `extends:` (parents first).

    `extends:` names a file beside this one, or else a shipped scenario (`sim list`).
    """
    if path.exists() and not path.is_file():  # before resolving: /dev/stdin -> pipe:[n]
        kind = "a folder" if path.is_dir() else "not a regular file (a pipe or device)"
        raise ScenarioError(path, None, f"{kind}; a scenario is a YAML file", "save it to a file")
    path = _resolved(path, _chain[-1] if _chain else None)
    if path in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, path))
        raise ScenarioError(path, "extends", f"extends: cycle {cycle}", "remove one of the extends:")
    if len(_chain) >= MAX_EXTENDS:
        raise ScenarioError(
            _chain[0],
            "extends",
            f"the extends: chain is longer than {MAX_EXTENDS} files",
            "extend a file nearer the root",
        )
    data = read_yaml(path)
    parent = data.get("extends")
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(path, "extends", "must be a file name", "write e.g. extends: baseline.yaml")
    base = resolve_raw(_parent_file(path, parent), (*_chain, path))
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
        fix = fix or _fix_for(err)
        if err["type"] == "extra_forbidden":
            msg, fix = "unknown field", suggest_field(err["loc"]) or fix
        if isinstance(err.get("input"), str) and _COMMA_NUMBER.match(err["input"].strip()):
            plain = err["input"].strip().replace(",", "")
            msg, fix = f"{err['input']!r} has commas", f"write the number without them: {plain}"
        raise ScenarioError(source, loc or None, msg + more, fix) from None


_COMMA_NUMBER = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$")


def suggest_field(loc: tuple[Any, ...]) -> str | None:
    """'did you mean X?' for an unknown key at `loc`, from the fields of the model it sits in."""
    *above, key = [p for p in loc if not (isinstance(p, str) and p in DISTRIBUTION_KINDS)]
    model: Any = Scenario
    for part in above:
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(str(part))
            if field is None:
                return None
            model = unwrap(field.annotation)
        elif get_origin(model) is dict:
            model = unwrap(get_args(model)[1])
        else:
            return None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    return did_you_mean(str(key), model.model_fields)


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, merge `extends:`, apply dotted-path overrides and validate a scenario file.

    An override of a path that the scenario declares uncertain fixes that parameter at the
    given value in every run (its distribution becomes `fixed`).
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        path = find_shipped(str(path)) or path
    raw = resolve_raw(path)
    if not overrides:
        return validate_dict(raw, path)
    raw = apply_overrides(raw, overrides, path, tuple(Scenario.model_fields))
    try:
        return validate_dict(raw, path)
    except ScenarioError as exc:
        # a problem with a value given on the command line names --set, not the file
        key = next((k for k in overrides if _within(exc.field, k)), None)
        if key is None:
            raise
        raise ScenarioError(f"--set {key}={overrides[key]}", exc.field, exc.problem, exc.fix) from None


def _within(field: str | None, key: str) -> bool:
    """Whether an error at `field` concerns the --set path `key` (the same, above or below it)."""
    if not field:
        return False
    return field == key or field.startswith(key + ".") or key.startswith(field + ".")


def scenario_from_dict(data: dict[str, Any], source: Path | None = None) -> Scenario:
    """Validate a scenario given as a dict (notebooks, tests)."""
    return validate_dict(data, source)


def scenario_sha256(scenario: Scenario) -> str:
    """Checksum of the fully resolved scenario."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def write_schema(path: Path) -> None:
    """Write the JSON schema editors use to complete and check scenario files (atomically).

    Raises:
        OutputError: `path` is a file that is not this schema (it is not replaced), or cannot be
            written.
    """
    from sim.atomic import atomic_file, check_writable
    from sim.errors import OutputError

    title = Scenario.model_config["json_schema_extra"]["title"]
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        if not (isinstance(old, dict) and old.get("title") == title):
            raise OutputError(
                f"--out {path}: it is a file other than the scenario schema, which writing would "
                "replace (fix: name a new file, or the schema.json sim wrote)"
            )
    check_writable(path)
    text = json.dumps(Scenario.model_json_schema(), indent=2) + "\n"
    atomic_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
