"""Checking dotted field paths (``world.labs.openai.capital_busd``) against the schema.

`check_path` walks the pydantic models and reports the mapping keys it passed through (lab ids,
chip types), so the scenario validator can check them against the scenario's own world: which
labs and chips exist is data, not schema.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo


@dataclass(frozen=True)
class Bounds:
    """The valid range of a numeric field [its unit]: low/high, each inclusive or strict."""

    low: float = -math.inf
    high: float = math.inf
    low_strict: bool = False
    high_strict: bool = False

    def __str__(self) -> str:
        left = "(" if self.low_strict or self.low == -math.inf else "["
        right = ")" if self.high_strict or self.high == math.inf else "]"
        return f"{left}{self.low:g}, {self.high:g}{right}"

    def holds(self, low: float, high: float, continuous: bool) -> bool:
        """Whether draws between `low` and `high` stay in range.

        A continuous distribution (uniform, triangular) may touch a strict bound: it draws the
        end point with probability 0.
        """
        lo_ok = low > self.low or (low == self.low and (continuous or not self.low_strict))
        hi_ok = high < self.high or (high == self.high and (continuous or not self.high_strict))
        return lo_ok and hi_ok


def field_bounds(*sources: Any) -> Bounds:
    """The bounds that FieldInfo objects, Annotated metadata or annotated_types constraints set."""
    low, high, low_strict, high_strict = -math.inf, math.inf, False, False
    stack = list(sources)
    while stack:
        item = stack.pop()
        if isinstance(item, FieldInfo):
            stack += item.metadata
        elif isinstance(item, annotated_types.Ge) and item.ge >= low:
            low, low_strict = float(item.ge), False
        elif isinstance(item, annotated_types.Gt) and item.gt >= low:
            low, low_strict = float(item.gt), True
        elif isinstance(item, annotated_types.Le) and item.le <= high:
            high, high_strict = float(item.le), False
        elif isinstance(item, annotated_types.Lt) and item.lt <= high:
            high, high_strict = float(item.lt), True
    return Bounds(low, high, low_strict, high_strict)


def check_path(
    model: type[BaseModel], parts: list[str], full: str, numeric: bool = False
) -> list[tuple[str, str]]:
    """Raise ValueError unless `parts` names a field under `model`.

    Args:
        model: the model the path starts in.
        parts: the path below it, split at dots.
        full: the whole path, for messages.
        numeric: also require the field to be a number.

    Returns:
        [(mapping, key)] for every mapping key on the way, where mapping is 'Owner.field'
        (e.g. ('World.labs', 'openai'), ('USPolicy.export', 'h200')).
    """
    return walk_path(model, parts, full, numeric)[0]


def walk_path(
    model: type[BaseModel], parts: list[str], full: str, numeric: bool = False
) -> tuple[list[tuple[str, str]], Bounds]:
    """`check_path`, also returning the valid range of the field the path ends on.

    With `numeric`, the field must be a real number (a float): a count (an integer field) cannot
    take the fractional values a distribution draws.
    """
    keys: list[tuple[str, str]] = []
    current: Any = model
    owner = ""
    constraints: list[Any] = []
    for i, part in enumerate(parts):
        if isinstance(current, type) and issubclass(current, BaseModel):
            if part not in current.model_fields:
                choices = ", ".join(current.model_fields)
                raise ValueError(f"{full!r}: no field {part!r} here; choose one of {choices}")
            owner = f"{current.__name__}.{part}"
            info = current.model_fields[part]
            constraints = [info]
            current = info.annotation
        elif get_origin(current) is dict:
            keys.append((owner, part))
            current = get_args(current)[1]
            constraints = []
        else:
            raise ValueError(f"{full!r}: {'.'.join(parts[:i])!r} has no sub-fields")
        if get_origin(current) is Annotated:
            constraints += list(get_args(current)[1:])
        current = unwrap(current)
        if get_origin(current) is Annotated:  # Optional[Annotated[...]]
            constraints += list(get_args(current)[1:])
    if numeric:
        kind = _unwrap_annotated(current)
        if kind is int:
            raise ValueError(
                f"{full}: a whole number (a count), so it cannot be uncertain\n"
                "fix: set it with --set, or study it with sim sweep"
            )
        if kind is not float:
            raise ValueError(f"{full!r} is not a number, so it cannot be uncertain")
    return keys, field_bounds(*constraints)


def _unwrap_annotated(tp: Any) -> Any:
    return get_args(tp)[0] if get_origin(tp) is Annotated else tp


def unwrap(tp: Any) -> Any:
    """Annotated[X, ...] -> X; Optional[X] -> X (dicts and models are kept)."""
    if get_origin(tp) is Annotated:
        return get_args(tp)[0]
    args = [a for a in get_args(tp) if a is not type(None)]
    if args and get_origin(tp) is not dict and len(args) == 1:
        return args[0]
    return tp
