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


# --------------------------------------------------------------------------- calibrate (issue 3)
@main.command()
@click.option("--targets", "targets_path", type=click.Path(dir_okay=False),
              default="calibration/targets.yaml", show_default=True, help="Targets file.")
@click.option("--priors", "priors_path", type=click.Path(dir_okay=False),
              default="calibration/priors.yaml", show_default=True, help="Free parameters.")
@click.option("--baseline", type=click.Path(dir_okay=False), default="scenarios/baseline.yaml",
              show_default=True, help="The baseline scenario the calibration fits.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="calibration",
              show_default=True, help="Where calibrated.yaml and the fit report go.")
@click.option("--runs", type=click.IntRange(min=10), default=100, show_default=True,
              help="Runs per loss evaluation (common random numbers).")
@click.option("--seed", type=click.IntRange(min=0), default=20250101, show_default=True,
              help="Seed shared by every evaluation.")
@click.option("--abc-runs", type=click.IntRange(min=100), default=20000, show_default=True,
              help="Prior draws of the ABC step (one run each).")
@click.option("--max-evals", type=click.IntRange(min=1), default=100, show_default=True,
              help="Most loss evaluations of the optimiser.")
@click.option("--refresh-baselines", is_flag=True,
              help="Do not fit: rewrite tests/baselines/*.json from the current calibrated "
              "scenarios (after a deliberate model change).")
@handle_errors
def calibrate(targets_path: str, priors_path: str, baseline: str, out_dir: str, runs: int,
              seed: int, abc_runs: int, max_evals: int, refresh_baselines: bool) -> None:
    """Fit the free parameters to the targets and write calibration/calibrated.yaml.

    Run it from the repository root (the default paths are relative). It prints its progress,
    the fit table, and writes calibrated.yaml, fit_report.md, fit_report.json and fit.png.
    """
    import time

    from sim import calibration, calibration_report

    began = time.perf_counter()
    if refresh_baselines:
        base = Path(baseline).parent
        for path in calibration_report.refresh_baselines(base, Path("tests/baselines")):
            console.print(f"wrote {path}")
        return
    out = Path(out_dir)

    def say(line: str) -> None:
        err_console.print(f"[{time.perf_counter() - began:6.1f} s] {line}", highlight=False)

    result = calibration.calibrate(
        Path(targets_path), Path(priors_path), Path(baseline), out / "calibrated.yaml",
        runs=runs, seed=seed, abc_runs=abc_runs, max_evals=max_evals, progress=say)
    say("writing calibrated.yaml, fit_report.md, fit_report.json and fit.png ...")
    written = calibration_report.write_outputs(result, out, Path(baseline).resolve().parent.parent)
    table = Table(title=f"Fit: {runs} runs per evaluation, seed {seed}, loss {result.fit.loss:.3f}")
    for col in ("target", "kind", "value", "model median [5%, 95%]", "error", "result"):
        table.add_column(col)
    for r in calibration_report.fit_rows(result):
        verdict = "pass" if r["pass"] else ("FAIL" + ("" if r["in_fit"] else " (structural)"))
        table.add_row(r["id"], r["kind"], f"{r['value']:,.4g} {r['unit']}",
                      f"{r['model_p50']:,.4g} [{r['model_p5']:,.4g}, {r['model_p95']:,.4g}]",
                      f"{r['error']:+.2f}", verdict)
    console.print(table)
    console.print("wrote " + ", ".join(str(p) for p in written)
                  + f"  ({time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":  # pragma: no cover
    main()
