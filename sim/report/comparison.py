"""The report's comparison against the baseline: paired effects, or medians when not paired.

The comparison is *paired* when the baseline and the other scenario were run with the same seed
and run count: run i of both read the same random draws (common random numbers), so the per-run
difference is the policy's effect in one draw of the world. Otherwise the section compares the
medians only and says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.analysis.compare import effects, year_end_values
from sim.analysis.words import answers, pick_year_end
from sim.outcomes import OUTCOMES
from sim.report.entries import Entry, reference_of
from sim.report.html import esc, figure_html, number, signed, table_html
from sim.report.sections import end_probabilities, percent
from sim.viz import run as figs
from sim.viz import tables

#: outcomes whose paired effects the comparison section shows.
COMPARED = ("capability_lag_months", "china_compute_share")


def comparison_section(entries: Sequence[Entry]) -> tuple[str, list[tuple[str, str]]]:
    """Effects against the baseline: paired where seed and runs match, else medians only.

    Returns:
        The HTML and the (name, caption) of each figure it embeds.
    """
    ref = reference_of(entries)
    others = [e for e in entries if e is not ref]
    out = ["<h2 id=comparison>Comparison against the baseline</h2>"]
    figures: list[tuple[str, str]] = []
    paired = [
        e
        for e in others
        if tables.is_paired(ref.results.runs, e.results.runs, ref.results.summary, e.results.summary)
    ]
    unpaired = [e for e in others if e not in paired]
    out.append(
        f"<p>Reference: <b>{esc(ref.label)}</b> ({ref.runs:,} runs, seed {ref.seed}). "
        "A paired effect is the distribution over runs of (scenario − reference) with "
        "the same run index, i.e. the same random draws of the world (common random "
        "numbers): it isolates the policy from the noise between runs.</p>"
    )
    if paired:
        out.append(answers_html(ref, paired))
        for outcome in COMPARED:
            diffs = {
                e.label: tables.paired_differences(ref.results.runs, e.results.runs, outcome)
                for e in paired
            }
            effects = tables.effect_summary(diffs)
            name = f"paired_{outcome}"
            caption = (
                f"Paired effect on {outcome} [{OUTCOMES[outcome].unit}] against "
                f"{ref.label}: median, mean, 50% and 90% intervals over runs; right: "
                "share of runs in which the scenario's value is lower."
            )
            heading = figs.title_many(
                [e.label for e in paired],
                [ref.runs],
                [ref.seed],
                f"Paired effect on {outcome} vs {ref.label}",
            )
            out.append(
                figure_html(
                    figs.paired_effects(effects, outcome, heading, reference=ref.label),
                    name,
                    caption,
                )
            )
            figures.append((name, caption))
            rows = []
            for e in paired:
                sub = effects[effects["scenario"] == e.label]
                for _, r in sub.iterrows():
                    rows.append(
                        [
                            esc(e.label),
                            esc(r["year_end"]),
                            signed(r["p50"], outcome),
                            f"<span class=ci>[{signed(r['p5'], outcome)}, "
                            f"{signed(r['p95'], outcome)}]</span>",
                            signed(r["mean"], outcome),
                            f"{r['p_lower']:.0%}",
                            f"{r['p_higher']:.0%}",
                        ]
                    )
            out.append(
                f"<details><summary>Table: paired effect on {esc(outcome)} "
                f"[{esc(OUTCOMES[outcome].unit)}], every December</summary>"
                + table_html(
                    [
                        "scenario",
                        "December",
                        "median",
                        "90% interval",
                        "mean",
                        "runs lower",
                        "runs higher",
                    ],
                    rows,
                )
                + "</details>"
            )
        rows = []
        for heading, _meaning, value in end_probabilities([ref, *paired]):
            for e in paired:
                p, p_ref = value(e), value(ref)
                change = "–" if p is None or p_ref is None else f"{p - p_ref:+.1%}"
                rows.append(
                    [esc(heading), esc(e.label), percent(p_ref), percent(p), change.replace("-", "−")]
                )
        out.append(
            "<p>Probabilities at the end of the horizon, against the reference:</p>"
            + table_html(["probability", "scenario", esc(ref.label), "scenario", "change"], rows)
        )
    if unpaired:
        out.append(
            "<p class=note>Not paired: "
            + ", ".join(f"<b>{esc(e.label)}</b> ({e.runs:,} runs, seed {e.seed})" for e in unpaired)
            + f" did not use the reference's seed and run count, so their runs are not "
            "matched draws. The table compares medians only; re-run them with "
            f"<code>--runs {ref.runs} --seed {ref.seed}</code> for paired effects.</p>"
        )
        lag = "capability_lag_months"
        rows = []
        for e in unpaired:
            a = ref.results.summary["outcomes"][lag]
            b = e.results.summary["outcomes"][lag]
            for y in sorted(set(a) & set(b)):
                rows.append(
                    [
                        esc(e.label),
                        esc(y),
                        number(a[y]["p50"], lag),
                        number(b[y]["p50"], lag),
                        signed(b[y]["p50"] - a[y]["p50"], lag),
                    ]
                )
        out.append(
            table_html(
                [
                    "scenario",
                    "December",
                    f"median lag, {esc(ref.label)}",
                    "median lag, scenario",
                    "difference of medians [months]",
                ],
                rows,
            )
        )
    return "\n".join(out), figures


def answers_html(ref: Entry, paired: Sequence[Entry]) -> str:
    """The paired effects in words (`sim.analysis.words.answers`), one list per scenario.

    Told at 2028-12, or at the last year-end that the reference and the scenario share.
    """
    base = year_end_values(tables.per_run(ref.results.runs))
    parts = []
    for e in paired:
        diff = effects(base, year_end_values(tables.per_run(e.results.runs)))
        year = pick_year_end(diff["capability_lag_months"])
        items = "".join(f"<li>{esc(t)}</li>" for t in answers(diff, ref.label, e.label, year).values())
        parts.append(
            f"<p><b>{esc(e.label)}</b> against {esc(ref.label)}, at {esc(year)}:</p><ul>{items}</ul>"
        )
    return "<h3>In words</h3>" + "".join(parts)
