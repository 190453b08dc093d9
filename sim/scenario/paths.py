"""Checking dotted field paths (``world.labs.openai.capital_busd``) against the schema.

`check_path` walks the pydantic models and reports the mapping keys it passed through (lab ids,
chip types), so the scenario validator can check them against the scenario's own world: which
labs and chips exist is data, not schema.
"""

from __future__ import annotations

from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel


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
    keys: list[tuple[str, str]] = []
    current: Any = model
    owner = ""
    for i, part in enumerate(parts):
        if isinstance(current, type) and issubclass(current, BaseModel):
            if part not in current.model_fields:
                choices = ", ".join(current.model_fields)
                raise ValueError(f"{full!r}: no field {part!r} here; choose one of {choices}")
            owner = f"{current.__name__}.{part}"
            current = current.model_fields[part].annotation
        elif get_origin(current) is dict:
            keys.append((owner, part))
            current = get_args(current)[1]
        else:
            raise ValueError(f"{full!r}: {'.'.join(parts[:i])!r} has no sub-fields")
        current = unwrap(current)
    if numeric and _unwrap_annotated(current) not in (float, int):
        raise ValueError(f"{full!r} is not a number, so it cannot be uncertain")
    return keys


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
