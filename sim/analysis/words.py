"""A paired comparison in words: one sentence per headline outcome, as a briefing would say it.

    loosen_h200 shortens China's lag in 2028-12 by 2.5 months against baseline (90% interval:
    1.2 to 4.5 months shorter); 100% of runs move the same way: China gets closer.

The input is what `sim.analysis.compare` computes (`paired_differences`, or `effects` of two
per-run tables): per outcome and year-end the distribution over runs of B - A on the same random
draws, and the share of runs that move the way the median does. Which way brings China closer is
declared here, once per headline outcome (`PHRASES`).

Numbers go through `sim.fmt` (never "-0.0"); the sentences need no Mesa, pandas or matplotlib,
so the browser app (issue 13) can call `answers` directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sim.fmt import fmt, is_zero
from sim.outcomes import ALL, HEADLINE


@dataclass(frozen=True)
class Phrase:
    """How a sentence names an outcome and its change.

    Attributes:
        what: the outcome as a noun phrase ("China's lag").
        up: the verb when B is above A ("lengthens").
        down: the verb when B is below A ("shortens").
        more: the adjective of an interval end above zero ("longer").
        less: the adjective of an interval end below zero ("shorter").
        closer: +1 when a rise brings China closer to the US frontier, -1 when a fall does,
            0 when neither (the sentence then says nothing about closer).
    """

    what: str
    up: str = "raises"
    down: str = "lowers"
    more: str = "higher"
    less: str = "lower"
    closer: int = 0


#: the headline outcomes in words, with the direction that brings China closer. Chips, compute
#: and power in China close the gap; US power widens it; a shorter lag is the gap closing.
PHRASES: dict[str, Phrase] = {
    "capability_lag_months": Phrase("China's lag", "lengthens", "shortens", "longer", "shorter", -1),
    "china_compute_share": Phrase("China's share of installed H100e", closer=+1),
    "china_chip_imports_h100e": Phrase("China's chip imports", closer=+1),
    "china_domestic_chips_h100e": Phrase("China's purchases of domestic chips", closer=+1),
    "us_ai_power_gw": Phrase("US AI power", closer=-1),
    "china_ai_power_gw": Phrase("China's AI power", closer=+1),
}

#: the year-end a comparison is told at when the caller names none.
PREFERRED_YEAR_END = "2028-12"


def phrase(outcome: str) -> Phrase:
    """The `Phrase` of an outcome; an undeclared one is named by its registry label."""
    if outcome in PHRASES:
        return PHRASES[outcome]
    return Phrase(ALL[outcome].label if outcome in ALL else outcome)


def closer_sign(outcome: str) -> int:
    """+1 if a rise of the outcome brings China closer, -1 if a fall does, 0 if undeclared."""
    return phrase(outcome).closer


def _scale(outcome: str) -> tuple[float, str, str]:
    """(factor, unit, fmt outcome) of a difference: shares in percentage points, else as recorded."""
    unit = ALL[outcome].unit if outcome in ALL else ""
    if unit == "fraction":
        return 100.0, "percentage points", ""
    return 1.0, unit, outcome


def _amount(value: float, outcome: str) -> str:
    """|value| with its unit: "2.6 months", "685k H100e/year", "2.2 percentage points"."""
    factor, unit, key = _scale(outcome)
    return f"{fmt(abs(value) * factor, key)} {unit}".rstrip()


def _shows_zero(value: float, outcome: str) -> bool:
    factor, _unit, key = _scale(outcome)
    return is_zero(fmt(value * factor, key))


def _share(x: float) -> str:
    """A share of runs as a whole percentage that never rounds to 0% or 100% when it is not."""
    if 0 < x < 0.005:
        return "<1%"
    if 0.995 <= x < 1:
        return ">99%"
    return f"{x:.0%}"


def _interval(low: float, high: float, outcome: str) -> str:
    """The 90% interval in words: "1.3 to 4.7 months shorter", "0.4 lower to 2.1 GW higher"."""
    p = phrase(outcome)
    factor, unit, key = _scale(outcome)
    zero_low, zero_high = _shows_zero(low, outcome), _shows_zero(high, outcome)
    if zero_low and zero_high:
        return "no change"
    if low >= 0 or zero_low:
        return f"{fmt(abs(low) * factor, key)} to {_amount(high, outcome)} {p.more}"
    if high <= 0 or zero_high:
        return f"{fmt(abs(high) * factor, key)} to {_amount(low, outcome)} {p.less}"
    return f"{_amount(low, outcome)} {p.less} to {_amount(high, outcome)} {p.more}"


def _when(outcome: str, year_end: str) -> str:
    """'in 2028-12' for a stock (its December value), 'over 2028' for a flow (the year's total)."""
    if outcome in ALL and ALL[outcome].kind == "flow":
        return f"over {year_end[:4]}"
    return f"in {year_end}"


def sentence(stats: Mapping[str, float], outcome: str, a: str, b: str, year_end: str) -> str:
    """One outcome's paired effect at one year-end in words.

    Args:
        stats: `sim.analysis.compare.effect_stats` of B - A at that year-end (p5, p50, p95,
            direction, share_same_direction, share_lower, share_higher).
        outcome: the outcome's name (`sim.outcomes`).
        a: the name of scenario A, the reference.
        b: the name of scenario B, the subject of the sentence.
        year_end: 'YYYY-12'.
    """
    p = phrase(outcome)
    when = _when(outcome, year_end)
    span = _interval(stats["p5"], stats["p95"], outcome)
    direction = int(stats["direction"])
    if direction == 0:
        moved = []
        if stats["share_lower"] > 0:
            moved.append(f"{_share(stats['share_lower'])} {p.less}")
        if stats["share_higher"] > 0:
            moved.append(f"{_share(stats['share_higher'])} {p.more}")
        rest = f", {' and '.join(moved)}" if moved else ""
        return (
            f"{b} leaves {p.what} {when} unchanged from {a} in the median run (90% interval: {span}); "
            f"{_share(stats['share_same_direction'])} of runs show no change{rest}."
        )
    verb = p.up if direction > 0 else p.down
    size = _amount(stats["p50"], outcome)
    if _shows_zero(stats["p50"], outcome):
        size = f"less than {_amount(0.05 / _scale(outcome)[0], outcome)}"
    text = (
        f"{b} {verb} {p.what} {when} by {size} against {a} (90% interval: {span}); "
        f"{_share(stats['share_same_direction'])} of runs move the same way"
    )
    if p.closer:
        text += ": China gets closer" if direction == p.closer else ": China falls further behind"
    return text + "."


def _outcomes_of(diff: Mapping[str, Any]) -> Mapping[str, Mapping[str, Mapping[str, float]]]:
    return diff["outcomes"] if "outcomes" in diff else diff


def answers(
    diff: Mapping[str, Any],
    a: str,
    b: str,
    year_end: str,
    outcomes: Iterable[str] = HEADLINE,
) -> dict[str, str]:
    """The paired effect of B against A at one year-end, one sentence per outcome.

    Args:
        diff: `sim.analysis.compare.paired_differences(a, b)` (or its "outcomes" part, or
            `sim.analysis.compare.effects` of two per-run tables): {outcome: {'YYYY-12':
            effect_stats}}.
        a: the name of scenario A, the reference.
        b: the name of scenario B, the subject of each sentence.
        year_end: 'YYYY-12', a year-end both scenarios simulate.
        outcomes: the outcomes to say [default: the headline outcomes, `sim.outcomes.HEADLINE`].

    Returns:
        {outcome: sentence}, in the order of `outcomes`; an outcome without that year-end is
        left out.
    """
    effects = _outcomes_of(diff)
    return {
        name: sentence(effects[name][year_end], name, a, b, year_end)
        for name in outcomes
        if name in effects and year_end in effects[name]
    }


def answers_by_year(
    diff: Mapping[str, Any], a: str, b: str, outcomes: Iterable[str] = HEADLINE
) -> dict[str, dict[str, str]]:
    """`answers` at every year-end of the comparison: {'YYYY-12': {outcome: sentence}}."""
    outcomes = tuple(outcomes)
    effects = _outcomes_of(diff)
    years = sorted({y for name in outcomes if name in effects for y in effects[name]})
    return {y: answers(effects, a, b, y, outcomes) for y in years}


def pick_year_end(years: Iterable[str], preferred: str = PREFERRED_YEAR_END) -> str:
    """`preferred` when among `years`, else the last of them."""
    years = sorted(years)
    if not years:
        raise ValueError("no year-end to tell the comparison at")
    return preferred if preferred in years else years[-1]
