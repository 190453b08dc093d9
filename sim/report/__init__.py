"""`sim report`: one self-contained HTML file from one or more `sim run` results folders.

The file opens in a browser without a server and can be sent by e-mail: images are PNGs embedded
as base64 data URIs, the style sheet is inline, and there is no script and no external resource.
Sections, in order: the scenarios and their descriptions, the headline table, the plots, the
comparison against the baseline (when several folders are given), the calibration status and
the provenance of every number.

The comparison is *paired* when the baseline and the other scenario were run with the same seed
and run count: run i of both read the same random draws (common random numbers), so the per-run
difference is the policy's effect in one draw of the world. Otherwise the report compares the
medians only and says so.

The report is written to a temporary file next to the target and renamed into place, so a
failed report never leaves a half-written file.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from matplotlib.figure import Figure

from sim.errors import SimError
from sim.outcomes import HEADLINE, OUTCOMES
from sim.run.results import SUMMARY_KEYS, Results, load_results, versions
from sim.viz import run as plotting
from sim.viz import tables

#: the scenario the others are compared with, when it is among the folders given.
REFERENCE = "baseline"
#: outcomes whose paired effects the comparison section shows.
COMPARED = ("capability_lag_months", "china_compute_share")
DPI = 96


class ReportError(SimError):
    """Input that cannot make a report (not a results folder, unreadable tables)."""


@dataclass
class Entry:
    """One results folder in the report."""

    label: str
    results: Results

    @property
    def runs(self) -> int:
        """Number of Monte Carlo runs."""
        return int(self.results.summary["runs"])

    @property
    def seed(self) -> int:
        """The ensemble's seed."""
        return int(self.results.summary["seed"])

    @property
    def description(self) -> str:
        """The scenario's description, from the resolved scenario.yaml."""
        return str(self.results.scenario.get("description") or "").strip()


def read_folder(path: Path) -> Results:
    """Load a `sim run` results folder, or raise ReportError saying what is wrong with it."""
    if not path.exists():
        raise ReportError(
            f"{path}: no such folder (fix: pass the folder `sim run` wrote, "
            "e.g. results/baseline-20260101-120000)"
        )
    if not path.is_dir():
        raise ReportError(
            f"{path}: is a file, not a results folder (fix: pass the folder that contains summary.json)"
        )
    if (path / "comparison.json").exists():
        raise ReportError(
            f"{path}: is a `sim compare` folder (fix: pass the two `sim run` "
            "folders instead; the report pairs them itself)"
        )
    if not (path / "summary.json").exists():
        raise ReportError(
            f"{path}: not a results folder, summary.json is missing (fix: pass "
            "a folder written by `sim run`)"
        )
    try:
        results = load_results(path)
    except (OSError, ValueError) as exc:
        raise ReportError(
            f"{path}: cannot read the results folder: {exc} (fix: re-run `sim run` to write it again)"
        ) from None
    missing = [k for k in SUMMARY_KEYS if k not in results.summary]
    if missing:
        raise ReportError(
            f"{path}: summary.json lacks {', '.join(missing)} (fix: re-run "
            "`sim run` with this version of sim)"
        )
    for name, table in (("runs.parquet", results.runs), ("monthly.parquet", results.monthly)):
        if table is None:
            raise ReportError(
                f"{path}: {name} is missing (fix: re-run `sim run` to write the complete folder)"
            )
    return results


def load_entries(paths: Sequence[Path]) -> list[Entry]:
    """Read every folder; label each by its scenario name, made unique when repeated."""
    loaded = [read_folder(Path(p)) for p in paths]
    names = [r.summary["scenario"] for r in loaded]
    entries = []
    for r, name in zip(loaded, names, strict=True):
        label = name if names.count(name) == 1 else f"{name} [{r.path.name}]"
        entries.append(Entry(label, r))
    return entries


def reference_of(entries: Sequence[Entry]) -> Entry:
    """Pick the entry others are compared with: the first baseline, else the first folder."""
    for e in entries:
        if e.results.summary["scenario"] == REFERENCE:
            return e
    return entries[0]


# --------------------------------------------------------------------------- HTML pieces
def esc(text: Any) -> str:
    """HTML-escape any value's text."""
    return html.escape(str(text), quote=True)


def fmt(value: float, outcome: str) -> str:
    """Format a number as an analyst reads it: shares to 3 decimals, large counts in millions."""
    if value != value:  # NaN
        return "–"
    if "share" in outcome:
        return f"{value:.3f}"
    if abs(value) >= 1e5:
        return f"{value / 1e6:.2f}M"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1 or value == 0:
        return f"{value:.1f}"
    return f"{value:.2g}"


def num(value: Any) -> str:
    """Format a plain number: thousands separated, else three significant digits."""
    v = float(value)
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def signed(value: float, outcome: str) -> str:
    """Format a difference with its sign."""
    text = fmt(value, outcome)
    return text if text.startswith("-") or text == "–" else f"+{text}"


def figure_html(fig: Figure, name: str, caption: str) -> str:
    """Embed a figure as a PNG data URI with a caption; `name` is the figure's identifier."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (
        f'<figure id="fig-{esc(name)}"><img src="data:image/png;base64,{data}" '
        f'alt="{esc(caption)}"><figcaption><b>{esc(name)}</b>: {esc(caption)}'
        "</figcaption></figure>"
    )


def table_html(
    header: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "", left: Sequence[int] = (0,)
) -> str:
    """Make a simple table; cells are already escaped HTML; columns in `left` align left."""

    def cell(tag: str, i: int, c: str) -> str:
        return f"<{tag} class=l>{c}</{tag}>" if i in left else f"<{tag}>{c}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def interval(stats: dict[str, float], outcome: str) -> str:
    """'median [p5, p95]'."""
    return (
        f"{fmt(stats['p50'], outcome)} <span class=ci>[{fmt(stats['p5'], outcome)}, "
        f"{fmt(stats['p95'], outcome)}]</span>"
    )


STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #111; line-height: 1.45; }
h1, h2, h3 { font-family: Helvetica, Arial, sans-serif; }
h2 { border-bottom: 1px solid #999; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .8em 0; font-size: 90%; }
th, td { border: 1px solid #bbb; padding: .25em .5em; text-align: right; vertical-align: top; }
th.l, td.l { text-align: left; }
thead th { background: #eee; }
.ci { color: #555; font-size: 90%; white-space: nowrap; }
figure { margin: 1.2em 0; page-break-inside: avoid; }
figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 90%; color: #333; }
.note { background: #f4f4f4; border-left: 4px solid #888; padding: .5em 1em; }
code { font-size: 90%; }
nav ol { columns: 2; }
"""


# --------------------------------------------------------------------------- sections
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


def headline_section(entries: Sequence[Entry]) -> str:
    """Tabulate the lag and P(parity) across scenarios, then each scenario's headline table."""
    years = sorted({y for e in entries for y in e.results.summary["outcomes"]["capability_lag_months"]})
    lag = "capability_lag_months"
    rows = []
    for e in entries:
        by_year = e.results.summary["outcomes"][lag]
        parity = e.results.summary["probabilities"]["china_parity_by"]
        last = max(parity) if parity else None
        rows.append(
            [esc(e.label)]
            + [interval(by_year[y], lag) if y in by_year else "–" for y in years]
            + [f"{parity[last]:.1%}" if last else "–"]
        )
    out = [
        "<h2 id=headline>Headline</h2>",
        "<p>Capability lag of China behind the US [months] at each December: median over "
        "runs and, in brackets, the 90% interval (5th to 95th percentile). Zero or less "
        "means China is at parity or ahead. The last column is the probability that China "
        "reaches parity at some month up to the end of the horizon.</p>",
        table_html(["scenario"] + [y[:4] for y in years] + ["P(parity by end)"], rows),
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
    if len(entries) == 1:
        e = entries[0]

        def t(what: str) -> str:
            return plotting.title(e.label, e.runs, e.seed, what)

        return [
            (
                "lag_fan",
                "Capability lag over time: median, 50% and 90% intervals across runs.",
                plotting.fan_chart(e.results.monthly, lag, t("Capability lag"), zero_line=True),
            ),
            (
                "compute_share_fan",
                "China's share of the two nations' installed H100e over time.",
                plotting.fan_chart(e.results.monthly, "china_compute_share", t("China's compute share")),
            ),
            (
                "lag_distribution",
                "Distribution of the lag across runs at each December.",
                plotting.distributions(e.results.runs, lag, t("Lag at year-ends")),
            ),
            (
                "parity_probability",
                "Probability that China has reached parity by each December.",
                plotting.parity_probability(
                    {e.label: tables.parity_curve(e.results.runs)}, t("Probability of parity by date")
                ),
            ),
            (
                "china_compute_sources",
                "China's chips by source: legal imports, smuggled and "
                "domestic; monthly means stacked, and each source's share per year.",
                plotting.china_compute_sources(
                    e.results.monthly, t("Where China's chips come from"), runs=e.results.runs
                ),
            ),
        ]

    def tm(what: str) -> str:
        return plotting.title_many(names, runs, seeds, what)

    return [
        (
            "lag_distributions",
            "Distribution of the lag across runs at each December, per "
            "scenario (violins; the bar is the median).",
            plotting.distributions_by_scenario(
                tables.year_end_long(per_run, lag), lag, tm("Lag at year-ends")
            ),
        ),
        (
            "lag_fans",
            "Capability lag over time per scenario: median, 50% and 90% intervals; "
            "dashed: the baseline's median.",
            plotting.fan_charts(monthly, lag, tm("Capability lag"), reference=REFERENCE),
        ),
        (
            "compute_share_fans",
            "China's share of the two nations' installed H100e over time.",
            plotting.fan_charts(
                monthly, "china_compute_share", tm("China's compute share"), reference=REFERENCE
            ),
        ),
        (
            "parity_probability",
            "Probability that China has reached parity by each December "
            "(cumulative over months), per scenario.",
            plotting.parity_probability(
                {k: tables.parity_curve(v) for k, v in per_run.items()},
                tm("Probability of parity by date"),
            ),
        ),
        (
            "china_compute_sources",
            "China's chips per year by source, per scenario: stacked "
            "means with the 90% interval of the total.",
            plotting.china_compute_sources_by_scenario(per_run, tm("China's chips by source")),
        ),
    ]


def plots_section(figures: Sequence[tuple[str, str, Figure]]) -> str:
    """Every plot as an embedded image."""
    return "<h2 id=plots>Plots</h2>" + "".join(figure_html(f, n, c) for n, c, f in figures)


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
            heading = plotting.title_many(
                [e.label for e in paired],
                [ref.runs],
                [ref.seed],
                f"Paired effect on {outcome} vs {ref.label}",
            )
            out.append(
                figure_html(
                    plotting.paired_effects(effects, outcome, heading, reference=ref.label),
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
        ref_p = ref.results.summary["probabilities"]["china_parity_by"]
        for e in paired:
            p = e.results.summary["probabilities"]["china_parity_by"]
            last = max(set(p) & set(ref_p))
            rows.append(
                [
                    esc(e.label),
                    esc(last),
                    f"{ref_p[last]:.1%}",
                    f"{p[last]:.1%}",
                    f"{p[last] - ref_p[last]:+.1%}",
                ]
            )
        out.append(
            "<p>Probability that China reaches parity by the end of the horizon:</p>"
            + table_html(["scenario", "by", esc(ref.label), "scenario", "change"], rows)
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
                        fmt(a[y]["p50"], lag),
                        fmt(b[y]["p50"], lag),
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


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as {dotted.path: leaf}."""
    if not isinstance(tree, dict):
        return {prefix: tree}
    out: dict[str, Any] = {}
    for key, value in tree.items():
        out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def same(a: Any, b: Any) -> bool:
    """Equal values, numbers to a relative 1e-9."""
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)), abs(float(b)))
    return a == b


def calibration_differences(scenario: dict[str, Any], calibrated: dict[str, Any]) -> list[str]:
    """List the calibrated values that a results folder's resolved scenario does not use.

    Compares calibrated.yaml's ``world:`` point values and ``uncertainties:`` distributions with
    the scenario that ran; returns one 'path: ran with X, calibrated Y' line per difference.
    """
    ran_world = flatten(scenario.get("world", {}), "world")
    diffs = []
    for path, value in flatten(calibrated.get("world") or {}, "world").items():
        if path not in ran_world or not same(ran_world[path], value):
            diffs.append(f"{path}: ran with {ran_world.get(path, 'nothing')}, calibrated {value}")
    ran_unc = scenario.get("uncertainties") or {}
    for path, dist in (calibrated.get("uncertainties") or {}).items():
        ran = ran_unc.get(path)
        if (
            not isinstance(ran, dict)
            or not isinstance(dist, dict)
            or any(not same(ran.get(k), v) for k, v in dist.items())
        ):
            diffs.append(
                f"{path}: ran with {ran if ran is not None else 'no distribution'}, calibrated {dist}"
            )
    return diffs


def calibration_section(
    calibration_dir: Path | None, entries: Sequence[Entry] = ()
) -> tuple[str, list[tuple[str, str]]]:
    """Whether the baseline is calibrated: the fit report's provenance and every target.

    Reads ``calibrated.yaml`` and ``fit_report.json`` as `sim calibrate` writes them; says
    plainly when they are absent.

    Returns:
        The HTML and the (name, caption) of the figure it embeds, if any.
    """
    out = ["<h2 id=calibration>Calibration status</h2>"]
    folder = Path(calibration_dir) if calibration_dir is not None else None
    calibrated = folder / "calibrated.yaml" if folder is not None else None
    if calibrated is None or not calibrated.exists():
        where = f"<code>{esc(calibrated)}</code>" if calibrated is not None else "(none given)"
        out.append(
            f"<p class=note><b>Not calibrated yet</b>: no calibrated parameter file "
            f"{where}. The scenarios ran with the values and prior ranges written in "
            "their files, not fitted to the calibration targets; run "
            "<code>sim calibrate</code> and re-run the scenarios.</p>"
        )
        return "\n".join(out), []
    out.append(
        f"<p>Calibrated parameters: <code>{esc(calibrated)}</code>, which the "
        "baseline (and every scenario extending it) reads.</p>"
    )
    try:
        cal_data = yaml.safe_load(calibrated.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        cal_data = None
        out.append(f"<p class=note>{esc(calibrated)} cannot be read: {esc(exc)}</p>")
    if isinstance(cal_data, dict) and entries:
        rows = []
        for e in entries:
            diffs = calibration_differences(e.results.scenario, cal_data)
            verdict = (
                "uses these calibrated values"
                if not diffs
                else f"<b>does not use them</b>: {len(diffs)} value(s) differ, e.g. {esc(diffs[0])}"
            )
            rows.append([esc(e.label), verdict])
        out.append(
            "<p>Whether each results folder ran with these calibrated values "
            "(compared with its resolved scenario.yaml):</p>"
            + table_html(["scenario", "calibration used"], rows, left=(0, 1))
        )
    report = read_fit_report(folder / "fit_report.json")
    if report is None:
        out.append(
            f"<p class=note>No readable fit report (<code>"
            f"{esc(folder / 'fit_report.json')}</code>): the error of each target is "
            "not shown.</p>"
        )
        return "\n".join(out), []
    prov = report.get("provenance", {})
    if prov:
        out.append("<ul>" + "".join(f"<li>{esc(k)}: {esc(v)}</li>" for k, v in prov.items()) + "</ul>")
    rows, n_pass = [], 0
    for t in report["targets"]:
        ok = bool(t.get("pass"))
        n_pass += ok
        unit = str(t.get("unit", ""))
        verdict = "pass" if ok else ("FAIL (structural)" if t.get("structural_miss") else "FAIL")
        rows.append(
            [
                esc(t.get("id", "?")),
                esc(t.get("figure", "")),
                esc(t.get("kind", "")),
                f"{num(t['value'])} {esc(unit)}",
                num(t["tolerance"]),
                f"{num(t['model_p50'])} <span class=ci>[{num(t['model_p5'])}, "
                f"{num(t['model_p95'])}]</span>",
                f"{float(t.get('error', float('nan'))):+.2f}",
                verdict,
            ]
        )
    out.append(
        f"<p><b>{n_pass} of {len(rows)} targets pass</b> (model median within "
        "tolerance) at the point fit "
        f"({esc(report.get('runs', '?'))} runs, seed {esc(report.get('seed', '?'))}).</p>"
    )
    figures = []
    if report["targets"]:
        from sim.viz.calibration import calibration_targets

        name, caption = (
            "calibration_targets",
            ("Every calibration target: (model − target) in units of tolerance; grey where it is met."),
        )
        heading = plotting.title(
            "calibrated baseline",
            int(report.get("runs", 0)),
            int(report.get("seed", 0)),
            "Calibration targets",
        )
        out.append(figure_html(calibration_targets(report["targets"], heading), name, caption))
        figures.append((name, caption))
    out.append(
        table_html(
            [
                "target",
                "figure",
                "kind",
                "value",
                "tolerance",
                "model median [5%, 95%]",
                "error [tolerances]",
                "result",
            ],
            rows,
            left=(0, 1, 2),
        )
    )
    return "\n".join(out), figures


def read_fit_report(path: Path) -> dict[str, Any] | None:
    """Read `sim calibrate`'s fit_report.json, or None when it is absent or malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    keys = ("id", "value", "tolerance", "model_p5", "model_p50", "model_p95")
    rows = data.get("targets") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not all(
        isinstance(r, dict) and all(k in r for k in keys) for r in rows
    ):
        return None
    return data


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


def build_report(
    paths: Sequence[Path],
    calibration_dir: Path | None = Path("calibration"),
    command: str = "sim report",
) -> tuple[str, list[tuple[str, str]]]:
    """Make the report's HTML.

    Args:
        paths: `sim run` results folders; the baseline (if present) is the reference.
        calibration_dir: the folder holding calibrated.yaml and the fit report.
        command: the command line, recorded in the provenance.

    Returns:
        The HTML text and the (name, caption) of every embedded figure.

    Raises:
        ReportError: if a path is not a complete `sim run` results folder.
    """
    entries = load_entries(paths)
    figures = plot_figures(entries)
    index = [(n, c) for n, c, _ in figures]
    parts = [scenarios_section(entries), headline_section(entries), plots_section(figures)]
    for _, _, fig in figures:
        fig.clear()
    sections = [("scenarios", "Scenarios"), ("headline", "Headline"), ("plots", "Plots")]
    if len(entries) > 1:
        html_text, extra = comparison_section(entries)
        parts.append(html_text)
        index += extra
        sections.append(("comparison", "Comparison against the baseline"))
    calibration_html, extra = calibration_section(calibration_dir, entries)
    index += extra
    parts += [calibration_html, provenance_section(entries, command)]
    sections += [("calibration", "Calibration status"), ("provenance", "Provenance")]
    names = ", ".join(e.label for e in entries)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    nav = "".join(f'<li><a href="#{k}">{esc(v)}</a></li>' for k, v in sections)
    doc = (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>sim report: {esc(names)}</title><style>{STYLE}</style></head><body>"
        f"<h1>US–China AI race: {esc(names if len(entries) <= 4 else f'{len(entries)} scenarios')}"
        "</h1>"
        f"<p>Scenario simulator <code>sim</code> {esc(versions()['sim'])}, report made "
        f"{esc(created)}. Monte Carlo ensembles of an agent-based model; every number is a "
        "distribution over runs.</p>"
        f"<nav><ol>{nav}</ol></nav>" + "\n".join(parts) + "</body></html>\n"
    )
    return doc, index


def write_report(
    paths: Sequence[Path],
    out: Path,
    calibration_dir: Path | None = Path("calibration"),
    command: str = "sim report",
) -> list[tuple[str, str]]:
    """Build the report and write it atomically to `out` (temporary file, then rename).

    Returns:
        The (name, caption) of every embedded figure.

    Raises:
        ReportError: for bad input or an output path that cannot be written.
    """
    out = Path(out)
    if out.is_dir():
        raise ReportError(f"{out}: is a folder (fix: give a file name, e.g. --out report.html)")
    doc, index = build_report(paths, calibration_dir, command)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    except OSError as exc:
        raise ReportError(
            f"{out}: cannot write there: {exc.strerror} (fix: choose another --out)"
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(doc)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ReportError(
            f"{out}: cannot write the report: {exc.strerror or exc} (fix: free "
            "space or choose another --out)"
        ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return index
