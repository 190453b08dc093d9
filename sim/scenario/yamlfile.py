"""Reading YAML safely: the safe loader, refusing duplicate keys, errors that name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.errors import ScenarioError


class SafeLoader(yaml.SafeLoader):
    """Safe loader that refuses duplicate keys."""


def _construct_mapping(loader: SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}; keep one", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


SafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> dict[str, Any]:
    """Read one YAML mapping with the safe loader; errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(path, None, "file not found", "check the path") from None
    except OSError as exc:
        raise ScenarioError(path, None, f"cannot read: {exc.strerror}", "check the path") from None
    try:
        data = yaml.load(text, Loader=SafeLoader)  # noqa: S506 - SafeLoader is a yaml.SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(
            path, where, f"YAML syntax: {problem}", "fix the YAML syntax there"
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(path, None, "the file must be a YAML mapping", "start with `name: ...`")
    return data
