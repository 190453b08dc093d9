"""The report's sections about each scenario: what ran, the headline numbers, the plots, provenance.

The comparison between scenarios is `sim.report.comparison`; the calibration status is
`sim.report.calibration`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from matplotlib.figure import Figure

from sim.outcomes import HEADLINE, OUTCOMES
from sim.report.entries import REFERENCE, Entry
from sim.report.html import esc, figure_html, interval, table_html
from sim.run.results import versions
from sim.viz import run as figs
from sim.viz import tables


def scenarios_section(entries: Sequence[Entry]) -> str:
    """Describe each scenario, with its run count, seed and folder."""
    rows = []
    for e in entries:
        s = e.results.summary
        rows.append(
            [
                esc(e.label),
                esc(e.description or "(no description in scenario.yaml)"),
                f"{e.runs:,}",
                esc(e.seed),
                esc(s.get("sim_version", "?")),
                f"<code>{esc(e.results.path)}</code>",
            ]
        )
    return "<h2 id=scenarios>Scenarios</h2>" + table_html(
        ["scenario", "description", "runs", "seed", "sim", "results folder"],
        rows,
        "scenarios",
        left=(0, 1, 5),
    )


#: (heading, what it means, its value for a results folder) of a probability column
Probability = tuple[str, str, Callable[[Entry], float | None]]


def end_probabilities(entries: Sequence[Entry]) -> list[Probability]:
    """The probabilities the report shows at the end of the horizon, as (heading, meaning, value).

    P(lag ≤ N months in the last December) for each N of the results, and P(parity by the end)
    only when some run of some folder reaches parity (else it is 0 everywhere and says nothing).
    """

    def last(table: dict[str, float]) -> float | None:
        return table[max(table)] if table else None

    columns: list[Probability] = []
    within = sorted(
        {n for e in entries for n in e.results.summary["probabilities"].get("china_lag_at_most", {})},
        key=float,
    )
    for n in within:
        columns.append(
            (
                f"P(lag ≤ {n} months, end)",
                f"the probability that China's lag is at most {n} months in the last December",
                lambda e, n=n: last(e.results.summary["probabilities"]["china_lag_at_most"].get(n, {})),
            )
        )
    if not columns or any(
        (last(e.results.summary["probabilities"]["china_parity_by"]) or 0) > 0 for e in entries
    ):
        columns.append(
            (
                "P(parity by end)",
                "the probability that China reaches parity at some month up to the end",
                lambda e: last(e.results.summary["probabilities"]["china_parity_by"]),
            )
        )
    return columns


def percent(p: float | None) -> str:
    """A probability as "12.3%", or "–" when there is none."""
    return "–" if p is None else f"{p:.1%}"


def headline_section(entries: Sequence[Entry]) -> str:
    """Tabulate the lag and its probabilities across scenarios, then each scenario's table."""
    years = sorted({y for e in entries for y in e.results.summary["outcomes"]["capability_lag_months"]})
    lag = "capability_lag_months"
    probabilities = end_probabilities(entries)
    rows = []
    for e in entries:
        by_year = e.results.summary["outcomes"][lag]
        rows.append(
            [esc(e.label)]
            + [interval(by_year[y], lag) if y in by_year else "–" for y in years]
            + [percent(value(e)) for _, _, value in probabilities]
        )
    said = "; ".join(f"<i>{esc(h)}</i> is {esc(m)}" for h, m, _ in probabilities)
    out = [
        "<h2 id=headline>Headline</h2>",
        "<p>Capability lag of China behind the US [months] at each December: median over "
        "runs and, in brackets, the 90% interval (5th to 95th percentile). Zero or less "
        f"means China is at parity or ahead. {said}.</p>",
        table_html(["scenario"] + [y[:4] for y in years] + [esc(h) for h, _, _ in probabilities], rows),
    ]
    for e in entries:
        s = e.results.summary
        ys = sorted(s["outcomes"][lag])
        body = []
        for name in HEADLINE:
            if name not in s["outcomes"]:
                continue
            cells = [
                interval(s["outcomes"][name][y], name) if y in s["outcomes"][name] else "–" for y in ys
            ]
            body.append([f"{esc(name)} [{esc(OUTCOMES[name].unit)}]"] + cells)
        parity = s["probabilities"]["china_parity_by"]
        body.append(
            ["P(China at parity by) [probability]"]
            + [f"{parity[y]:.1%}" if y in parity else "–" for y in ys]
        )
        for n, by_year in s["probabilities"].get("china_lag_at_most", {}).items():
            body.append(
                [f"P(lag ≤ {esc(n)} months in December) [probability]"]
                + [f"{by_year[y]:.1%}" if y in by_year else "–" for y in ys]
            )
        heading = f"{esc(e.label)}: {e.runs:,} runs, seed {e.seed}"
        table = table_html(["outcome [unit]"] + ys, body)
        if len(entries) == 1:
            out.append(f"<h3>{heading}</h3>{table}")
        else:
            out.append(
                f"<details><summary><b>{heading}</b>: every headline outcome</summary>{table}</details>"
            )
    out.append(
        "<p>Flows (imports, domestic chips) are totals over the calendar year; stocks "
        "are December values.</p>"
    )
    return "\n".join(out)


def plot_figures(entries: Sequence[Entry]) -> list[tuple[str, str, Figure]]:
    """Draw the figures of the Plots section: (name, caption, figure)."""
    names = [e.label for e in entries]
    runs = [e.runs for e in entries]
    seeds = [e.seed for e in entries]
    per_run = {e.label: e.results.runs for e in entries}
    monthly = {e.label: e.results.monthly for e in entries}
    lag = "capability_lag_months"
    dates = {e.label: tables.policy_dates(e.results.scenario) for e in entries}
    if len(entries) == 1:
        e = entries[0]

        def t(what: str) -> str:
            return figs.title(e.label, e.runs, e.seed, what)

        return [
            (
                "lag_fan",
                "Capability lag over time: median, 50% and 90% intervals across runs.",
                figs.fan_chart(
                    e.results.monthly, lag, t("Capability lag"), zero_line=True, dates=dates[e.label]
                ),
            ),
            (
                "compute_share_fan",
                "China's share of the two nations' installed H100e over time.",
                figs.fan_chart(
                    e.results.monthly,
                    "china_compute_share",
                    t("China's compute share"),
                    dates=dates[e.label],
                ),
            ),
            (
                "lag_distribution",
                "Distribution of the lag across runs at each December.",
                figs.distributions(e.results.runs, lag, t("Lag at year-ends")),
            ),
            reach_figure(entries, t),
            (
                "china_compute_sources",
                "China's chips by source [H100e/year]: legal imports, smuggled and domestic; "
                "yearly means stacked, the 90% interval of the total beside each bar, and each "
                "source's share per year.",
                figs.china_compute_sources(
                    e.results.monthly, t("Where China's chips come from"), runs=e.results.runs
                ),
            ),
        ]

    def tm(what: str) -> str:
        return figs.title_many(names, runs, seeds, what)

    return [
        (
            "lag_distributions",
            "Distribution of the lag across runs at each December, per "
            "scenario (violins; the bar is the median).",
            figs.distributions_by_scenario(
                tables.year_end_long(per_run, lag), lag, tm("Lag at year-ends")
            ),
        ),
        (
            "lag_fans",
            "Capability lag over time per scenario: median, 50% and 90% intervals; "
            "dashed: the baseline's median, light band with dotted edges: its 90% interval; "
            "dotted vertical line: the month the scenario's policy takes effect.",
            figs.fan_charts(monthly, lag, tm("Capability lag"), reference=REFERENCE, dates=dates),
        ),
        (
            "compute_share_fans",
            "China's share of the two nations' installed H100e over time.",
            figs.fan_charts(
                monthly,
                "china_compute_share",
                tm("China's compute share"),
                reference=REFERENCE,
                dates=dates,
            ),
        ),
        reach_figure(entries, tm),
        (
            "china_compute_sources",
            "China's chips per year by source [H100e/year], per scenario: stacked "
            "means with the 90% interval of the total.",
            figs.china_compute_sources_by_scenario(per_run, tm("China's chips by source")),
        ),
    ]


def within_of(entries: Sequence[Entry]) -> tuple[float, ...]:
    """The thresholds N [months] of P(lag ≤ N) the folders' summaries hold (default 3)."""
    found = {
        float(n)
        for e in entries
        for n in e.results.summary.get("probabilities", {}).get("china_lag_at_most", {})
    }
    return tuple(sorted(found)) or (3.0,)


def reach_figure(entries: Sequence[Entry], heading: Callable[[str], str]) -> tuple[str, str, Figure]:
    """P(parity by date) when some run of some folder reaches parity; else P(lag ≤ N months).

    An axis of zeros says nothing, while the share of runs within a few months of the US is a
    probability the runs can show.
    """
    curves = {e.label: tables.parity_curve(e.results.runs) for e in entries}
    if any(figs.any_parity(c) for c in curves.values()):
        return (
            "parity_probability",
            "Probability that China has reached parity at some month up to each December.",
            figs.parity_probability(curves, heading("Probability of parity by date")),
        )
    within = within_of(entries)
    return (
        "lag_within_probability",
        "No run reaches parity, so this shows the probability that China's lag is at most "
        f"{' or '.join(f'{n:g}' for n in within)} months in each December.",
        figs.lag_within_probability(
            {e.label: tables.lag_within_table(e.results, within) for e in entries},
            heading("Probability of a short lag"),
        ),
    )


def plots_section(figures: Sequence[tuple[str, str, Figure]]) -> str:
    """Every plot as an embedded image."""
    return "<h2 id=plots>Plots</h2>" + "".join(figure_html(f, n, c) for n, c, f in figures)


def provenance_section(entries: Sequence[Entry], command: str) -> str:
    """Versions, seeds, runs, timings and commands behind every folder, and this report."""
    rows = []
    for e in entries:
        m, s = e.results.manifest, e.results.summary
        v = m.get("versions", {})
        rows.append(
            [
                esc(e.label),
                f"{e.runs:,}",
                esc(e.seed),
                esc(s.get("sim_version", "?")),
                f"<code>{esc(str(s.get('scenario_sha256', '?'))[:12])}</code>",
                esc(m.get("created_utc", "?")),
                esc(m.get("wall_time_s", "?")),
                esc(m.get("backend", "?")),
                esc(m.get("chunk_size", "?")),
                esc(", ".join(f"{k} {v[k]}" for k in sorted(v) if k != "sim")),
                f"<code>{esc(m.get('command', '?'))}</code>",
            ]
        )
    mine = versions()
    return (
        "<h2 id=provenance>Provenance</h2>"
        + table_html(
            [
                "scenario",
                "runs",
                "seed",
                "sim",
                "scenario sha256",
                "created (UTC)",
                "wall time [s]",
                "backend",
                "chunk size",
                "library versions",
                "command",
            ],
            rows,
            left=(0, 9, 10),
        )
        + "<p>A run's numbers depend only on the seed and the run index (not on chunking or "
        "backend), so the same command with the same versions reproduces them.</p>"
        + f"<p>This report: <code>{esc(command)}</code>, "
        + esc(", ".join(f"{k} {mine[k]}" for k in sorted(mine)))
        + ".</p>"
    )
