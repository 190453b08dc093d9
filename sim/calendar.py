"""Months: 'YYYY-MM' strings and month indices (months since year 0, so differences are counts)."""

from __future__ import annotations

import re
from typing import Any

_YM = re.compile(r"^(\d{4})-(\d{2})$")


def parse_year_month(value: Any) -> str:
    """Normalise a month given as 'YYYY-MM' (or a YAML date) to 'YYYY-MM'."""
    if hasattr(value, "year") and hasattr(value, "month"):
        return f"{value.year:04d}-{value.month:02d}"
    if not isinstance(value, str):
        raise ValueError(f"expected a month as 'YYYY-MM' in quotes or not, got {value!r}")
    m = _YM.match(value.strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or not 1900 <= int(m.group(1)) <= 2200:
        raise ValueError(f"{value!r} is not a month; write it as 'YYYY-MM', e.g. '2026-01'")
    return value.strip()


def month_index(ym: str) -> int:
    """Months since year 0 of a 'YYYY-MM' string [months]."""
    year, month = ym.split("-")
    return int(year) * 12 + int(month) - 1


def month_label(index: int) -> str:
    """Inverse of :func:`month_index`: 'YYYY-MM'."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
