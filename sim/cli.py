"""The `sim` command line: parse -> load -> run -> write. No science here.

Every command reports bad input as one line naming the file, the field and the fix, and exits
with status 2 without a traceback; it writes no results folder unless the run completed.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sim.errors import ScenarioError, SimError

# on a pipe or in CI there is no terminal width to follow: use one that fits the tables
console = Console(width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True, soft_wrap=True)


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn SimError into one message on stderr and its exit status (2 for bad input)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SimError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
            sys.exit(exc.exit_code)

    return wrapper


def load(path: str, runs: int | None, seed: int | None, sets: tuple[str, ...]) -> Any:
    """Load a scenario with --runs/--seed/--set applied and validated like the file."""
    from sim.scenario import load_scenario, parse_set

    overrides = parse_set(sets)
    if runs is not None:
        overrides["run.runs"] = runs
    if seed is not None:
        overrides["run.seed"] = seed
    return load_scenario(Path(path), overrides)


def progress_bar() -> Progress:
    """One progress bar over runs (drawn only on a terminal)."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def run_with_progress(scenario: Any, label: str, chunk_size: int) -> Any:
    """Run an ensemble, drawing a progress bar over chunks."""
    from sim.ensemble import run_ensemble

    with progress_bar() as bar:
        task = bar.add_task(label, total=scenario.run.runs)
        return run_ensemble(
            scenario,
            chunk_size=chunk_size,
            progress=lambda done, total: bar.update(task, completed=done),
        )


SHORT = {
    "capability_lag_months": ("lag", "months"),
    "china_compute_share": ("China share", "of H100e"),
    "china_chip_imports_h100e": ("CN imports", "H100e/yr"),
    "china_domestic_chips_h100e": ("CN domestic", "H100e/yr"),
    "us_ai_power_gw": ("US power", "GW"),
    "china_ai_power_gw": ("CN power", "GW"),
}


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


def year_table(
    heading: str, years: list[str], outcomes: tuple[str, ...], cell, last: tuple[str, Any]
) -> Table:
    """A table with one row per year-end and one column per outcome; cells from `cell`."""
    table = Table(title=heading, title_justify="left")
    table.add_column("year end")
    for name in outcomes:
        short, unit = SHORT.get(name, (name, ""))
        table.add_column(f"{short}\n({unit})", justify="right")
    table.add_column(last[0], justify="right")
    for y in years:
        table.add_row(y, *[cell(name, y) for name in outcomes], last[1](y))
    return table


def summary_table(summary: dict[str, Any], outcomes: tuple[str, ...]) -> Table:
    """Median (and 90% interval below it) at each year-end, and P(parity by year-end)."""
    years = list(next(iter(summary["outcomes"].values())).keys())
    parity = summary["probabilities"]["china_parity_by"]

    def cell(name: str, y: str) -> str:
        s = summary["outcomes"][name][y]
        return f"{fmt(s['p50'], name)}\n[dim]{fmt(s['p5'], name)}–{fmt(s['p95'], name)}[/]"

    heading = (
        f"{summary['scenario']}: {summary['runs']:,} runs, seed {summary['seed']} — "
        "median, 90% interval below"
    )
    return year_table(
        heading, years, outcomes, cell, ("P(parity\nby then)", lambda y: f"{parity[y]:.1%}")
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sim")
def main() -> None:
    """Scenario simulator of the US-China AI race (Monte Carlo, agent-based)."""


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--runs",
    type=click.IntRange(min=1),
    help="Monte Carlo runs [default: the file's run.runs, 1000].",
)
@click.option("--seed", type=click.IntRange(min=0), help="Seed [default: the file's run.seed].")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Results folder [default: results/<name>-<time>].",
)
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=5000,
    show_default=True,
    help="Runs stepped together; never changes a number.",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override any field, e.g. policy.us.export.h200.cap_units=500000.",
)
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
@handle_errors
def run(
    scenario: str,
    runs: int | None,
    seed: int | None,
    out: str | None,
    chunk_size: int,
    sets: tuple[str, ...],
    no_plots: bool,
) -> None:
    """Run SCENARIO as a Monte Carlo ensemble and write a results folder."""
    from sim.metrics import HEADLINE
    from sim.results import default_out, summary_dict, write_run_results

    sc = load(scenario, runs, seed, sets)
    result = run_with_progress(sc, f"{sc.name}", chunk_size)
    target = Path(out) if out else default_out("", sc.name)
    write_run_results(result, target, plots=not no_plots, command="sim run " + " ".join(sys.argv[2:]))
    console.print(summary_table(summary_dict(result), HEADLINE))
    console.print(f"results: {target}  ({result.wall_time_s:.1f} s for {result.runs:,} runs)")


@main.command()
@click.argument("a", type=click.Path(dir_okay=False))
@click.argument("b", type=click.Path(dir_okay=False))
@click.option(
    "--runs", type=click.IntRange(min=1), help="Runs of each scenario [default: A's run.runs]."
)
@click.option("--seed", type=click.IntRange(min=0), help="Seed shared by both [default: A's run.seed].")
@click.option("--out", type=click.Path(file_okay=False), help="Results folder.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=5000, show_default=True)
@handle_errors
def compare(
    a: str, b: str, runs: int | None, seed: int | None, out: str | None, chunk_size: int
) -> None:
    """Paired effect of scenario B against A on the same random draws (B - A)."""
    from sim.compare import paired_differences
    from sim.metrics import HEADLINE
    from sim.results import atomic_folder, default_out, manifest, summary_dict, write_json

    sa = load(a, runs, seed, ())
    runs = sa.run.runs if runs is None else runs
    seed = sa.run.seed if seed is None else seed
    sb = load(b, runs, seed, ())
    sa = load(a, runs, seed, ())
    ra = run_with_progress(sa, sa.name, chunk_size)
    rb = run_with_progress(sb, sb.name, chunk_size)
    diff = paired_differences(ra, rb)
    body = {
        "a": summary_dict(ra),
        "b": summary_dict(rb),
        "runs": runs,
        "seed": seed,
        "difference": "b - a",
        **diff,
    }
    target = Path(out) if out else default_out("vs-" + sa.name, sb.name)

    def fill(tmp: Path) -> None:
        write_json(tmp / "comparison.json", body)
        write_json(tmp / "manifest.json", manifest(rb, "sim compare " + " ".join(sys.argv[2:])))
        paired = ra.per_run().add_prefix("a:").join(rb.per_run().add_prefix("b:"))
        paired.to_parquet(tmp / "paired.parquet", index=False)

    atomic_folder(target, fill)
    years = list(diff["probabilities"]["china_parity_by"].keys())
    parity = diff["probabilities"]["china_parity_by"]

    def cell(name: str, y: str) -> str:
        st = diff["outcomes"][name][y]
        return f"{fmt(st['p50'], name)}\n[dim]{fmt(st['p5'], name)}–{fmt(st['p95'], name)}[/]"

    heading = (
        f"{sb.name} − {sa.name}: paired difference per run, {runs:,} runs, seed {seed} — "
        "median, 90% interval below"
    )
    console.print(
        year_table(
            heading,
            years,
            HEADLINE,
            cell,
            ("ΔP(parity\nby then)", lambda y: f"{parity[y]['difference']:+.1%}"),
        )
    )
    console.print(f"results: {target}")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@handle_errors
def validate(files: tuple[str, ...]) -> None:
    """Check scenario files against the schema and plausibility rules without running them."""
    from sim.checks import plausibility_warnings
    from sim.scenario import load_scenario

    failed: list[ScenarioError] = []
    for f in files:
        try:
            sc = load_scenario(Path(f))
        except ScenarioError as exc:
            failed.append(exc)
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
            continue
        for warning in plausibility_warnings(sc):
            err_console.print(f"[yellow]warning:[/] {f}: {warning}", highlight=False)
        console.print(
            f"ok: {f} ({sc.name}: {sc.run.start} to {sc.run.end}, {len(sc.uncertainties)} uncertainties)"
        )
    if failed:
        sys.exit(2)


@main.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    default="scenarios/schema.json",
    show_default=True,
    help="Where to write the JSON schema.",
)
def schema(out: str) -> None:
    """Write the scenario JSON schema (editors use it to complete and check fields)."""
    from sim.scenario import write_schema

    write_schema(Path(out))
    console.print(f"wrote {out}")


# --------------------------------------------------------------------------- policy analysis


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--param", "params", multiple=True, metavar="PATH[=VALUES]",
              help="Lever to sweep (dotted path, as for --set). Give it once for a curve, twice "
              "for a heat map; values inline as PATH=v1,v2 or PATH=lo:hi:n, or from --values/--range.")
@click.option("--values", metavar="V1,V2,...", help="Values of the one --param given without values.")
@click.option("--range", "range_", metavar="LO:HI:N",
              help="N evenly spaced values from LO to HI, e.g. 0:2000000:9.")
@click.option("--runs", type=click.IntRange(min=1), help="Runs per value [default: the file's run.runs].")
@click.option("--seed", type=click.IntRange(min=0), help="Seed shared by every value [default: the file's].")
@click.option("--year", metavar="YYYY-12", help="Year-end the table and plots show [default: 2028-12].")
@click.option("--out", type=click.Path(file_okay=False), help="Results folder [default: results/<name>-sweep-<time>].")
@click.option("--chunk-size", type=click.IntRange(min=1), default=5000, show_default=True,
              help="Runs stepped together; never changes a number.")
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help="Override a field at every point.")
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
@handle_errors
def sweep(scenario: str, params: tuple[str, ...], values: str | None, range_: str | None,
          runs: int | None, seed: int | None, year: str | None, out: str | None, chunk_size: int,
          sets: tuple[str, ...], no_plots: bool) -> None:
    """Sweep one or two levers of SCENARIO, every value on the same random draws."""
    from sim.analysis import default_year_end, parameter_label, parse_year_end
    from sim.results import default_out
    from sim.scenario import parse_set
    from sim.sweep import build_points, parse_axes, run_sweep, write_sweep

    axes = parse_axes(params, values, range_)
    points = build_points(scenario, axes, runs, seed, parse_set(sets))
    sc = points[0].scenario
    year = parse_year_end(year, sc) if year else default_year_end(sc)
    total = sum(pt.scenario.run.runs for pt in points)
    with progress_bar() as bar:
        task = bar.add_task(f"{sc.name}: {len(points)} points", total=total)
        result = run_sweep(points, axes, chunk_size=chunk_size,
                           progress=lambda done, _t: bar.update(task, completed=done))
    target = Path(out) if out else default_out("sweep", sc.name)
    write_sweep(result, target, year, plots=not no_plots,
                command="sim sweep " + " ".join(sys.argv[2:]))
    stats = result.stats_table()
    stats = stats[stats["year_end"] == year]
    parity = result.parity_table()
    parity = parity[parity["year_end"] == year]
    if len(axes) == 1:
        path = axes[0].path
        table = Table(title=f"sweep of {sc.name}: {result.runs:,} runs per value, seed {result.seed} "
                      f"— at {year}, median [5%, 95%]")
        table.add_column(parameter_label(path), justify="right")
        shown = ("capability_lag_months", "china_compute_share", "china_chip_imports_h100e")
        for name in shown:
            table.add_column(f"{name} [{OUTCOMES_UNITS()[name]}]", justify="right")
        table.add_column(f"P(parity by {year})", justify="right")
        for i, pt in enumerate(result.points):
            cells = []
            for name in shown:
                row = stats[(stats["point"] == i) & (stats["outcome"] == name)].iloc[0]
                cells.append(f"{fmt(row['p50'], name)} [{fmt(row['p5'], name)}, "
                             f"{fmt(row['p95'], name)}]")
            p = parity[parity["point"] == i]["p_parity"].iloc[0]
            table.add_row(f"{pt.values[path]:,.6g}", *cells, f"{p:.1%}")
    else:
        rows, cols = axes
        table = Table(title=f"sweep of {sc.name}: {result.runs:,} runs per point, seed "
                      f"{result.seed} — median capability lag [months] / P(parity) at {year}")
        table.add_column(f"{parameter_label(rows.path)} \\ {parameter_label(cols.path)}",
                         justify="right")
        for v in cols.values:
            table.add_column(f"{v:,.6g}", justify="right")
        lag = stats[stats["outcome"] == "capability_lag_months"]
        for r in rows.values:
            cells = []
            for c in cols.values:
                at = (lag[rows.path] == r) & (lag[cols.path] == c)
                pat = (parity[rows.path] == r) & (parity[cols.path] == c)
                cells.append(f"{lag[at]['p50'].iloc[0]:.1f} / {parity[pat]['p_parity'].iloc[0]:.0%}")
            table.add_row(f"{r:,.6g}", *cells)
    console.print(table)
    console.print(f"results: {target}  ({result.wall_time_s:.1f} s for "
                  f"{total:,} runs)")


def OUTCOMES_UNITS() -> dict[str, str]:  # noqa: N802 - reads like the constant it wraps
    """Outcome name -> unit."""
    from sim.metrics import OUTCOMES

    return {name: unit for name, (_kind, unit) in OUTCOMES.items()}


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--outcome", "outcome_ref", required=True, metavar="NAME@YYYY-12",
              help="The outcome to explain, e.g. capability_lag_months@2028-12.")
@click.option("--samples", type=int, default=None,
              help="Base sample size N, a power of two; the model runs N x (uncertainties + 3) "
              "times [default: 1024].")
@click.option("--seed", type=click.IntRange(min=0), help="Seed [default: the file's run.seed].")
@click.option("--out", type=click.Path(file_okay=False),
              help="Results folder [default: results/<name>-sensitivity-<time>].")
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help="Override any field.")
@click.option("--no-plots", is_flag=True, help="Skip the bar chart.")
@handle_errors
def sensitivity(scenario: str, outcome_ref: str, samples: int | None, seed: int | None,
                out: str | None, sets: tuple[str, ...], no_plots: bool) -> None:
    """Sobol indices (SALib) of an outcome over SCENARIO's declared uncertainties."""
    import time

    from sim.analysis import check_in_horizon, parameter_label, parse_outcome_ref
    from sim.results import default_out
    from sim.sensitivity import (
        CHANCE,
        DEFAULT_SAMPLES,
        ModelEvaluator,
        check_samples,
        sobol_indices,
        write_sensitivity,
    )

    ref = parse_outcome_ref(outcome_ref)
    samples = DEFAULT_SAMPLES if samples is None else samples
    check_samples(samples)
    sc = load(scenario, None, seed, sets)
    check_in_horizon(ref, sc)
    seed = sc.run.seed
    began = time.perf_counter()
    with progress_bar() as bar:
        evaluator = ModelEvaluator(sc, ref, seed)
        total = samples * (len(evaluator.names) + 2)
        task = bar.add_task(f"{sc.name}: Sobol design", total=total)
        evaluator.progress = lambda done, _t: bar.update(task, completed=done)
        result = sobol_indices(evaluator.names, evaluator, samples, seed)
    wall = time.perf_counter() - began
    target = Path(out) if out else default_out("sensitivity", sc.name)
    write_sensitivity(result, evaluator, target, plots=not no_plots,
                      command="sim sensitivity " + " ".join(sys.argv[2:]), wall_time_s=wall)
    table = Table(title=f"Sobol indices of {ref.key} [{ref.unit}] in {sc.name}: N = {samples}, "
                  f"{result.evaluations:,} runs, seed {seed} — index ± 95% interval")
    for col, justify in (("rank", "right"), ("uncertainty [unit]", "left"),
                         ("total ST", "right"), ("first-order S1", "right")):
        table.add_column(col, justify=justify, no_wrap=col != "uncertainty [unit]")
    for row in result.table().itertuples(index=False):
        name = CHANCE if row.factor == CHANCE else parameter_label(row.factor)
        table.add_row(str(row.rank), name, f"{row.ST:.3f} ± {row.ST_conf:.3f}",
                      f"{row.S1:.3f} ± {row.S1_conf:.3f}")
    console.print(table)
    console.print(f"sum of first-order indices {result.S1.sum():.2f}: the rest of the variance "
                  "comes from interactions between uncertainties")
    console.print(f"results: {target}  ({wall:.1f} s for {result.evaluations:,} runs)")


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--where", "where", required=True, metavar='"NAME@YYYY-12 OP NUMBER"',
              help='Runs of interest, e.g. "capability_lag_months@2028-12 <= 3" '
              "(OP: <, <=, >, >=, ==, !=).")
@click.option("--runs", type=click.IntRange(min=1), help="Runs of the ensemble [default: 5000].")
@click.option("--seed", type=click.IntRange(min=0), help="Seed [default: the file's run.seed].")
@click.option("--max-boxes", type=click.IntRange(min=1, max=10), default=3, show_default=True,
              help="Most PRIM boxes to look for.")
@click.option("--min-coverage", type=click.FloatRange(0.0, 1.0), default=0.5, show_default=True,
              help="Least share of the (remaining) runs of interest a box must cover.")
@click.option("--out", type=click.Path(file_okay=False),
              help="Results folder [default: results/<name>-discover-<time>].")
@click.option("--chunk-size", type=click.IntRange(min=1), default=5000, show_default=True,
              help="Runs stepped together; never changes a number.")
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help="Override any field.")
@click.option("--no-plots", is_flag=True, help="Skip the peeling-trajectory plot.")
@handle_errors
def discover(scenario: str, where: str, runs: int | None, seed: int | None, max_boxes: int,
             min_coverage: float, out: str | None, chunk_size: int, sets: tuple[str, ...],
             no_plots: bool) -> None:
    """Scenario discovery (PRIM): which uncertainty ranges lead to the runs WHERE holds."""
    from sim.analysis import check_in_horizon
    from sim.discovery import DEFAULT_RUNS, discover as find_boxes, parse_condition, write_discovery
    from sim.results import default_out

    condition = parse_condition(where)
    runs = DEFAULT_RUNS if runs is None else runs
    sc = load(scenario, runs, seed, sets)
    check_in_horizon(condition.ref, sc, "--where")
    with progress_bar() as bar:
        task = bar.add_task(f"{sc.name}", total=runs)
        found = find_boxes(sc, condition, runs=runs, max_boxes=max_boxes,
                           min_coverage=min_coverage, chunk_size=chunk_size,
                           progress=lambda done, _t: bar.update(task, completed=done))
    target = Path(out) if out else default_out("discover", sc.name)
    write_discovery(found, target, plots=not no_plots,
                    command="sim discover " + " ".join(sys.argv[2:]))
    ref = condition.ref
    info = found.summary_dict()["outcome_range"]
    console.print(f"{sc.name}: {found.n_interest:,} of {found.result.runs:,} runs "
                  f"({found.base_rate:.1%}) satisfy {condition.text}  "
                  f"[{ref.outcome} at {ref.year_end}: median {fmt(info['p50'], ref.outcome)}, "
                  f"range {fmt(info['min'], ref.outcome)} to {fmt(info['max'], ref.outcome)} "
                  f"{ref.unit}]")
    if found.n_interest == 0:
        console.print(f"No run satisfies {condition.text}, so there is nothing for PRIM to "
                      "explain; loosen the threshold (the range above shows what the runs reach).")
    elif found.n_interest == found.result.runs:
        console.print(f"Every run satisfies {condition.text}; no box is needed to explain it.")
    elif not found.boxes:
        console.print("PRIM found no box that concentrates these runs better than chance: "
                      "the condition does not depend on a few uncertainties.")
    for row in found.boxes_table().itertuples(index=False):
        limits = found.limits_table()
        limits = limits[(limits["box"] == row.box) & limits["restricted"]]
        table = Table(title=f"box {row.box}: coverage {row.coverage:.0%} (of the runs of interest), "
                      f"density {row.density:.0%} (of the {row.n_runs:,} runs inside; "
                      f"{row.lift:.1f} x the {found.base_rate:.1%} base rate)")
        table.add_column("uncertainty [unit]")
        table.add_column("box range", justify="right")
        table.add_column("sampled range", justify="right")
        table.add_column("quasi-p", justify="right")
        for lim in limits.itertuples(index=False):
            table.add_row(lim.label, f"{lim.min:.4g} to {lim.max:.4g}",
                          f"{lim.full_min:.4g} to {lim.full_max:.4g}", f"{lim.qp:.1e}")
        console.print(table)
    console.print(f"results: {target}  ({found.result.wall_time_s:.1f} s for "
                  f"{found.result.runs:,} runs)")


if __name__ == "__main__":  # pragma: no cover
    main()
