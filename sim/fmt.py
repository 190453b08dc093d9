"""The one number formatter of the tables the CLI prints and the HTML report shows."""

from __future__ import annotations


def fmt(value: float, outcome: str = "") -> str:
    """Compact number for tables: 0.081, 6.3, 1,234, 2.51M."""
    if "share" in outcome:
        return f"{value:.3f}"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.2f}M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:.0f}k"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}"
