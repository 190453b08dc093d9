"""Reading YAML safely: the safe loader, refusing duplicate keys, errors that name file and line.

Whatever a file holds, reading it ends in a mapping or in one `ScenarioError`: a file that is
not a regular file (a folder, a pipe, a device such as ``/dev/zero``), larger than
`MAX_BYTES`, not UTF-8, nested deeper than `MAX_DEPTH`, with an impossible date, a duplicate key
or a YAML syntax error is refused with the file, the line where known, and the fix.
"""

from __future__ import annotations

import datetime
import os
import stat
from pathlib import Path
from typing import Any

import yaml

from sim.errors import ScenarioError
from sim.limits import MAX_DEPTH, MAX_FILE_BYTES

# PyYAML composes nodes recursively: a file nested some 300 deep would exhaust Python's stack.
MAX_BYTES = MAX_FILE_BYTES


class SafeLoader(yaml.SafeLoader):
    """Safe loader that refuses duplicate keys, impossible dates and very deep nesting."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose one node, refusing nesting deeper than `MAX_DEPTH`."""
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested more than {MAX_DEPTH} levels deep",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_mapping(loader: SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)  # resolves merge keys (<<: *anchor) before looking for duplicates
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}; keep one", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


def _construct_timestamp(loader: SafeLoader, node: yaml.ScalarNode) -> datetime.date:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value} is not a real date ({exc})", node.start_mark
        ) from None


SafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _read_text(path: Path) -> str:
    """The file's text; any problem is one ScenarioError naming the file."""
    try:
        with open(path, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
                raise ScenarioError(
                    path, None, f"{kind} (a scenario is a YAML file)", "give the path of a .yaml file"
                )
            if info.st_size > MAX_BYTES:
                raise ScenarioError(
                    path,
                    None,
                    f"{info.st_size:,} bytes, more than a scenario can be ({MAX_BYTES:,})",
                    "give the path of a scenario file",
                )
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError(path, None, "file not found", "check the path") from None
    except IsADirectoryError:
        raise ScenarioError(path, None, "a folder (a scenario is a YAML file)", "give a file") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        fix = "check the path and its permissions"
        raise ScenarioError(path, None, f"cannot read: {reason}", fix) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            path,
            f"line {line}",
            f"not UTF-8 text (byte 0x{data[exc.start]:02x})",
            "save the file as UTF-8",
        ) from None


def read_yaml(path: Path) -> dict[str, Any]:
    """Read one YAML mapping with the safe loader; errors name the file and line."""
    text = _read_text(path)
    try:
        data = yaml.load(text, Loader=SafeLoader)  # noqa: S506 - SafeLoader is a yaml.SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        kind = "YAML" if isinstance(exc, yaml.constructor.ConstructorError) else "YAML syntax"
        raise ScenarioError(path, where, f"{kind}: {problem}", "correct the YAML there") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(path, None, "the file must be a YAML mapping", "start with `name: ...`")
    return data
