"""Dotted paths into nested dicts (``world.labs.openai.capital_busd``): the one implementation.

Scenario overrides (`--set`, `uncertainties:`, timeline events), sweeps and the parameter
reference all address fields by dotted path; they walk the tree with these functions.
"""

from __future__ import annotations

import copy
from typing import Any

_MISSING = object()


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dict -> {dotted.path: leaf}; an empty dict is a leaf."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, f"{path}."))
        else:
            out[path] = value
    return out


def get_path(tree: dict[str, Any], path: str, default: Any = _MISSING) -> Any:
    """The value at a dotted path; `default` (or KeyError naming the missing part) if absent."""
    node: Any = tree
    parts = path.split(".")
    for i, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            if default is not _MISSING:
                return default
            raise KeyError(".".join(parts[: i + 1]))
        node = node[part]
    return node


def apply_paths(tree: dict[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
    """Return a deep copy of `tree` with dotted-path `updates` set (missing blocks are created)."""
    out = copy.deepcopy(tree)
    for path, value in updates.items():
        node = out
        parts = path.split(".")
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[parts[-1]] = value
    return out


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Merge `over` into `base`: dicts merge key by key, everything else (lists too) replaces."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out
