"""Types every schema block shares: the strict base, bounded numbers, months, and unit metadata.

Units are field metadata (``json_schema_extra={"unit": ...}``), set by :func:`quantity`, which also
writes the unit in brackets at the end of the description so editors show it. Code that needs a
unit reads the metadata (:func:`field_unit`, or the ``unit`` key of the JSON schema), never the
description text.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticUndefined

from sim.calendar import parse_year_month

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]


class YearMonthField(str):
    """Pydantic-compatible 'YYYY-MM' string."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):  # noqa: D105
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            parse_year_month,
            json_schema_input_schema=core_schema.str_schema(pattern=r"^\d{4}-\d{2}$"),
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )


YearMonth = Annotated[str, YearMonthField]


class Strict(BaseModel):
    """Base of every block: frozen, unknown keys are errors, NaN and infinity are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def quantity(
    default: Any = PydanticUndefined,
    *,
    unit: str,
    description: str,
    source: str | None = None,
    **constraints: Any,
) -> Any:
    """A pydantic Field with its unit (and, if given, its source) as metadata.

    Args:
        default: the default value (omit for a required field); `default_factory=` also works.
        unit: the unit, e.g. "GW/month"; "-" for a dimensionless number or a label.
        description: what the field is, without the unit.
        source: where the default comes from (an S-id, a P-id, "calibrated", "assumption").
        **constraints: further Field arguments (ge, le, default_factory, ...).
    """
    text = f"{description.rstrip('.')} [{unit}]"
    extra: dict[str, Any] = {"unit": unit}
    if source:
        text += f" ({source})"
        extra["source"] = source
    return Field(default, description=text + ".", json_schema_extra=extra, **constraints)


def field_unit(model: type[BaseModel], name: str) -> str:
    """The unit metadata of a field ('' if it has none)."""
    extra = model.model_fields[name].json_schema_extra
    return str(extra.get("unit", "")) if isinstance(extra, dict) else ""


def field_source(model: type[BaseModel], name: str) -> str:
    """The source metadata of a field ('' if it has none)."""
    extra = model.model_fields[name].json_schema_extra
    return str(extra.get("source", "")) if isinstance(extra, dict) else ""
