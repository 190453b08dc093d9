"""The terminal tables (rich) of every command.

Year-end outcomes, paired differences, sweeps, Sobol indices, PRIM boxes, the calibration fit.
Every function builds a `rich.table.Table` from a result and prints nothing. Outcome headings and
units come from the outcome registry (`short`), numbers from `sim.fmt`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from sim.fmt import interval, number, signed

#: the terminal width every year-end table fits, whatever the console's width [columns].
WIDTH = 80


def short(name: str) -> tuple[str, str]:
    """Column heading and unit of an outcome in the terminal tables (`sim.outcomes`)."""
    from sim.outcomes import ALL

    outcome = ALL.get(name)
    return (outcome.short or name, outcome.unit) if outcome else (name, "")


def heading(name: str) -> str:
    """An outcome's column heading: its short name over its unit in parentheses."""
    short_name, unit = short(name)
    return f"{short_name}\n({unit})"


def median_cell(stats: Any, name: str, difference: bool = False) -> str:
    """The median, and the 90% interval ("p5 to p95") dimmed below it, of one outcome.

    Args:
        stats: mean, p5 … p95 of the outcome at one year-end.
        name: the outcome's name, for its number format (`sim.fmt`).
        difference: the stats are of a difference B - A: the median gets its sign ("+0.9").
    """
    median = signed(stats["p50"], name) if difference else number(stats["p50"], name)
    return f"{median}\n[dim]{interval(stats['p5'], stats['p95'], name)}[/]"


def label(path: str) -> str:
    """'path [unit]' of a scenario parameter, escaped so rich shows the brackets."""
    from sim.analysis.refs import parameter_label

    return escape(parameter_label(path))


def lever(value: float) -> str:
    """A lever value for tables: 890,000 or 0.25."""
    return f"{value:,.0f}" if value == int(value) and abs(value) >= 1000 else f"{value:.4g}"


#: one column of a year-end table: its heading and its cell at each year-end.
Column = tuple[str, Callable[[str], str]]


def _year_table(years: list[str], columns: list[Column]) -> Table:
    table = Table()
    table.add_column("year end", no_wrap=True)
    for head, _cell in columns:
        table.add_column(head, justify="right", no_wrap=True)
    for y in years:
        table.add_row(y, *[cell(y) for _head, cell in columns])
    return table


def year_tables(
    title: str, note: str, years: list[str], columns: list[Column], width: int = WIDTH
) -> Group:
    """Year-end rows, the columns packed into as many tables as keep each within `width`.

    The columns go left to right into a table until the next would make it wider than `width`;
    the rest go into the next table, which repeats the year-end column. Cells never wrap, so a
    table never truncates a number ("…") on a terminal of `width` columns or more.

    Args:
        title: first line, above the tables (keep it under `width` columns).
        note: second line, dimmed: what the cells hold.
        years: the 'YYYY-12' rows.
        columns: (heading, cell of a year-end) in display order.
        width: the widest a table may be [columns].
    """
    measure = Console(width=10 * width)
    packed: list[list[Column]] = [[]]
    for column in columns:
        trial = packed[-1] + [column]
        if packed[-1] and measure.measure(_year_table(years, trial)).maximum > width:
            packed.append([column])
        else:
            packed[-1] = trial
    tables = [_year_table(years, group) for group in packed]
    return Group(Text(title, style="bold"), Text.from_markup(f"[dim]{note}[/]"), *tables)


def _probability_columns(
    probabilities: dict[str, Any], cell: Callable[[Any], str], delta: str
) -> list[Column]:
    """P(lag ≤ N months) per N when the summary has it, else P(parity by then)."""
    within = probabilities.get("china_lag_at_most") or {}
    if within:
        return [
            (f"{delta}P(lag ≤ {n}\nmonths)", lambda y, by=by: cell(by[y]))
            for n, by in sorted(within.items(), key=lambda item: float(item[0]))
        ]
    parity = probabilities["china_parity_by"]
    return [(f"{delta}P(parity\nby then)", lambda y: cell(parity[y]))]


def _outcome_columns(stats: dict[str, Any], outcomes: tuple[str, ...], difference: bool) -> list[Column]:
    return [
        (heading(name), lambda y, name=name: median_cell(stats[name][y], name, difference))
        for name in outcomes
    ]


def summary_table(summary: dict[str, Any], outcomes: tuple[str, ...], width: int = WIDTH) -> Group:
    """Median (and 90% interval below it) at each year-end, and P(lag ≤ N months) or P(parity).

    The lag and its probability come first; the columns fill as many tables as fit `width`.
    """
    years = list(next(iter(summary["outcomes"].values())).keys())
    cols = _outcome_columns(summary["outcomes"], outcomes, difference=False)
    probs = _probability_columns(summary["probabilities"], lambda p: f"{p:.1%}", "")
    return year_tables(
        f"{summary['scenario']}: {summary['runs']:,} runs, seed {summary['seed']}",
        "median over runs; 90% interval (p5 to p95) below",
        years,
        cols[:1] + probs + cols[1:],
        width,
    )


def compare_table(
    diff: dict[str, Any],
    a: str,
    b: str,
    runs: int,
    seed: int,
    outcomes: tuple[str, ...],
    width: int = WIDTH,
) -> Group:
    """Paired difference B - A per year-end: median, 90% interval below, change of P(lag ≤ N).

    Args:
        diff: `sim.analysis.compare.paired_differences` of the two ensembles.
        a: name of scenario A.
        b: name of scenario B.
        runs: runs of each scenario [runs].
        seed: the seed both share.
        outcomes: the outcome columns.
        width: the widest a table may be [columns].
    """
    years = list(diff["probabilities"]["china_parity_by"].keys())
    cols = _outcome_columns(diff["outcomes"], outcomes, difference=True)
    probs = _probability_columns(
        diff["probabilities"], lambda p: signed(100 * p["difference"]) + "%", "Δ"
    )
    return year_tables(
        f"{b} − {a}: paired effect per run",
        f"{runs:,} runs on the same draws, seed {seed}; median, 90% interval below",
        years,
        cols[:1] + probs + cols[1:],
        width,
    )


def sweep_table(result: Any, year: str) -> Table:
    """One row per lever value: median and 90% interval of the headline outcomes, P(parity)."""
    from sim.outcomes import HEADLINE

    path = result.paths[0]
    stats = result.stats_table().query("year_end == @year").set_index(["point", "outcome"])
    parity = result.parity_table().query("year_end == @year").set_index("point")["p_parity"]
    table = Table(
        title=f"{escape(result.scenario.name)} at {year}: {result.runs:,} runs per value on the "
        "same draws, "
        f"seed {result.seed} — median, 90% interval below",
        title_justify="left",
    )
    table.add_column(label(path).replace(" \\[", "\n\\["), justify="right")
    for name in HEADLINE:
        table.add_column(heading(name), justify="right")
    table.add_column(f"P(parity\nby {year})", justify="right")
    for i, pt in enumerate(result.points):
        cells = [median_cell(stats.loc[(i, name)], name) for name in HEADLINE]
        table.add_row(lever(pt.values[path]), *cells, f"{parity[i]:.1%}")
    return table


def sweep_grid(result: Any, year: str) -> Table:
    """Two levers: median lag and P(parity) in a grid (rows: first lever, columns: second)."""
    rows, cols = result.paths
    lag = result.stats_table().query("year_end == @year and outcome == 'capability_lag_months'")
    lag = lag.set_index([rows, cols])["p50"]
    parity = result.parity_table().query("year_end == @year").set_index([rows, cols])["p_parity"]
    table = Table(
        title=f"{escape(result.scenario.name)} at {year}: median lag \\[months] / P(parity by then); "
        f"{result.runs:,} runs per point on the same draws, seed {result.seed}",
        title_justify="left",
    )
    table.add_column(f"{label(rows)}\n↓  {label(cols)} →")
    for c in result.axes[1].values:
        table.add_column(lever(c), justify="right")
    for r in result.axes[0].values:
        table.add_row(
            lever(r), *[f"{lag[(r, c)]:.1f} / {parity[(r, c)]:.0%}" for c in result.axes[1].values]
        )
    return table


def sensitivity_table(result: Any, evaluator: Any) -> Table:
    """Factors ranked by total Sobol index, with first-order index and 95% intervals."""
    from sim.analysis.sensitivity import CHANCE

    ref = evaluator.ref
    table = Table(
        title=f"Sobol indices of {ref.key} \\[{ref.unit}] in {escape(evaluator.scenario.name)}: "
        f"N = {result.samples}, {result.evaluations:,} runs, seed {evaluator.seed} — "
        "share of variance ± 95% interval",
        title_justify="left",
    )
    table.add_column("rank", justify="right")
    table.add_column("uncertainty \\[unit]")
    table.add_column("total (ST)", justify="right")
    table.add_column("first order (S1)", justify="right")
    for row in result.table().itertuples(index=False):
        name = CHANCE if row.factor == CHANCE else label(row.factor)
        table.add_row(
            str(row.rank), name, f"{row.ST:.3f} ± {row.ST_conf:.3f}", f"{row.S1:.3f} ± {row.S1_conf:.3f}"
        )
    return table


def discovery_table(found: Any, box: Any) -> Table:
    """The parameter ranges one PRIM box restricts, with its coverage and density."""
    lift = box.density / found.base_rate
    table = Table(
        title=f"Box {box.number}: holds {box.coverage:.0%} of the runs of interest (coverage); "
        f"{box.density:.0%} of its {box.n_runs:,} runs are of interest (density, {lift:.1f} x the "
        f"{found.base_rate:.1%} base rate)",
        title_justify="left",
    )
    table.add_column("uncertainty \\[unit]")
    table.add_column("box range", justify="right")
    table.add_column("sampled range", justify="right")
    table.add_column("quasi-p", justify="right")
    for lim in box.restricted().itertuples(index=False):
        table.add_row(
            label(lim.parameter),
            f"{lim.min:.4g} to {lim.max:.4g}",
            f"{lim.full_min:.4g} to {lim.full_max:.4g}",
            f"{lim.qp:.1e}",
        )
    return table


def fit_table(rows: Iterable[dict[str, Any]], runs: int, seed: int, loss: float) -> Table:
    """The calibration fit: each target's value, the model's median and 90% interval, the verdict.

    Args:
        rows: `sim.calibration.report.fit_rows` of the calibration result.
        runs: runs per loss evaluation [runs].
        seed: the seed every evaluation shared.
        loss: the fitted loss [-].
    """
    table = Table(title=f"Fit: {runs} runs per evaluation, seed {seed}, loss {loss:.3f}")
    for col in ("target", "kind", "value", "model median [5%, 95%]", "error", "result"):
        table.add_column(col)
    for r in rows:
        verdict = "pass" if r["pass"] else ("FAIL" + ("" if r["in_fit"] else " (structural)"))
        table.add_row(
            r["id"],
            r["kind"],
            f"{r['value']:,.4g} {r['unit']}",
            f"{r['model_p50']:,.4g} [{r['model_p5']:,.4g}, {r['model_p95']:,.4g}]",
            f"{r['error']:+.2f}",
            verdict,
        )
    return table
