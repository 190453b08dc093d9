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


#: the largest value a field of each unit may take, where the field sets no upper bound itself
#: [the unit]. Assumption: about 1,000 times the largest figure published for the whole world
#: (world AI chips ~1e7 H100e, power ~1e3 GW, AI capex ~1e3 billion USD a year, AI researchers
#: ~1e5), so no real scenario meets them, while the model's arithmetic (powers and exponentials of
#: these quantities over 40 years) stays finite: tests/test_hardening_props.py runs every field at
#: its bounds.
CEILINGS: dict[str, float] = {
    "billion USD": 1e5,
    "billion USD/year": 1e5,
    "billion USD/GW": 1e4,
    "million USD/year": 1e4,
    "thousand USD": 1e6,
    "thousand USD/year": 1e6,
    "thousand USD/chip": 1e5,
    "GW": 1e4,
    "GW/month": 1e3,
    "H100e": 1e11,
    "chips": 1e11,
    "chips/month": 1e10,
    "chips/year": 1e11,
    "die units/month": 1e10,
    "wafers/month": 1e8,
    "dies/wafer": 1e4,
    "H100e/chip": 1e3,
    "die units/chip": 100.0,
    "kW/chip": 100.0,
    "head": 1e7,
    "months": 1200.0,
    "fraction/year": 10.0,
    "fraction/month": 1.0,
    "fraction of list": 10.0,
    "log10/month": 1.0,
    "log10/year": 10.0,
    "1/log10": 10.0,
    "FLOP/s/H100e": 1e16,
    "log ratio": 20.0,
    "log units": 20.0,
}


def quantity(
    default: Any = PydanticUndefined,
    *,
    unit: str,
    description: str,
    source: str | None = None,
    ceiling: bool = True,
    **constraints: Any,
) -> Any:
    """A pydantic Field with its unit (and, if given, its source) as metadata.

    Args:
        default: the default value (omit for a required field); `default_factory=` also works.
        unit: the unit, e.g. "GW/month"; "-" for a dimensionless number or a label.
        description: what the field is, without the unit.
        source: where the default comes from (an S-id, a P-id, "calibrated", "assumption").
        ceiling: give the field its unit's ceiling (`CEILINGS`) unless it sets `le`/`lt` itself;
            False for a field that is not a number (a mapping bounds its values instead).
        **constraints: further Field arguments (ge, le, default_factory, ...).
    """
    if ceiling and unit in CEILINGS and not {"le", "lt"} & set(constraints):
        constraints["le"] = CEILINGS[unit]
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
