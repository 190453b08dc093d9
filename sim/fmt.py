"""The one number formatter of tables: terminal tables today, the HTML report next.

Numbers are shown as an analyst reads them at a glance (0.081, 6.3, 1,234, 250k, 2.51M); an
outcome measured as a fraction keeps three decimals. Formatting never rounds a stored number:
summary.json and the Parquet tables keep full precision.
"""

from __future__ import annotations


def is_fraction(outcome: str) -> bool:
    """True when `outcome` is a share of a whole, shown to three decimals.

    Args:
        outcome: an outcome name of `sim.outcomes` (or "" for a plain number).
    """
    if "share" in outcome:
        return True
    if not outcome:
        return False
    from sim.outcomes import ALL  # lazily: formatting a plain number needs no registry

    registered = ALL.get(outcome)
    return registered is not None and registered.unit == "fraction"


def fmt(value: float, outcome: str = "") -> str:
    """Compact number for tables: 0.081 (a fraction), 6.3, 1,234, 250k, 2.51M.

    Args:
        value: the number, in the outcome's unit (`sim.outcomes.ALL[outcome].unit`).
        outcome: the outcome's name; a fraction gets three decimals. "" for a plain number.

    Returns:
        Three decimals for a fraction; else scientific notation from 1e12 (FLOP), millions with
        two decimals from 1e6, thousands with none from 1e4, thousands separated from 100, one
        decimal below. NaN prints as "nan".
    """
    if is_fraction(outcome):
        return f"{value:.3f}"
    if abs(value) >= 1e12:  # FLOP and the like
        return f"{value:.2e}"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.2f}M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:.0f}k"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}"


#: the minus sign of printed numbers (U+2212), which a hyphen in "−1.7 to −0.1" cannot be taken for.
MINUS = "\u2212"


def is_zero(text: str) -> bool:
    """True when a formatted number shows no non-zero digit ("0.0", "-0.000", "0k")."""
    return not any(c in "123456789" for c in text) and "nan" not in text


def number(value: float, outcome: str = "") -> str:
    """`fmt`, with a true minus sign (−) and never a sign on a value that prints as zero.

    Args:
        value: the number, in the outcome's unit.
        outcome: the outcome's name, as for `fmt`.
    """
    text = fmt(value, outcome)
    if text.startswith("-"):
        return text[1:] if is_zero(text) else MINUS + text[1:]
    return text


def signed(value: float, outcome: str = "") -> str:
    """A difference: `number` with "+" before a positive one ("+0.9", "−0.9", "0.0")."""
    text = number(value, outcome)
    return text if text.startswith(MINUS) or is_zero(text) or text == "nan" else f"+{text}"


def interval(low: float, high: float, outcome: str = "") -> str:
    """An interval as "low to high", both ends by `number`: "4.9 to 10.2", "−1.7 to −0.1".

    Args:
        low: lower end, e.g. the 5th percentile [the outcome's unit].
        high: upper end, e.g. the 95th percentile [the outcome's unit].
        outcome: the outcome's name, as for `fmt`.
    """
    return f"{number(low, outcome)} to {number(high, outcome)}"
