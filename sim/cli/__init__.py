"""The `sim` command line: parse -> load -> run -> write. No science here.

Every command reports bad input as one line naming the file, the field and the fix, and exits
with status 2 without a traceback; it writes no results folder unless the run completed.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
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


def run_with_progress(scenario: Any, label: str, chunk_size: int | None, backend: Any = "local") -> Any:
    """Run an ensemble, drawing one progress bar that advances as each chunk finishes.

    Args:
        scenario: the scenario to run.
        label: the bar's label.
        chunk_size: runs per chunk (None: the backend's default).
        backend: a backend name, or an open `sim.run.backends.Backend` (see `backend_options`).
    """
    from sim.run.ensemble import run_ensemble

    with progress_bar() as bar:
        task = bar.add_task(label, total=scenario.run.runs)
        return run_ensemble(
            scenario,
            chunk_size=chunk_size,
            backend=backend,
            progress=lambda done, total: bar.update(task, completed=done),
        )


@dataclass(frozen=True)
class BackendChoice:
    """The backend a command was asked to use (``--backend``, ``--workers``, ``--scheduler``)."""

    name: str = "local"
    workers: int | None = None
    scheduler: str | None = None

    def open(self) -> Any:
        """Create the backend (a context manager: ``with choice.open() as backend: ...``).

        Raises:
            sim.run.backends.BackendError: options that do not fit the backend, Dask missing.
        """
        from sim.run.backends import make_backend

        if self.name != "local":
            where = f" at {self.scheduler}" if self.scheduler else ""
            err_console.print(f"[dim]backend: {self.name}{where}[/]", highlight=False)
        return make_backend(self.name, self.workers, self.scheduler)


def backend_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--backend``, ``--workers`` and ``--scheduler`` to a command.

    The command receives them as one argument, ``backend: BackendChoice``, and runs its
    ensembles inside ``with backend.open() as engine:``, passing ``backend=engine`` to
    `sim.run.ensemble.run_ensemble` (or `run_with_progress`), so one pool or cluster serves them all.
    A scheduler address given on the command line implies ``--backend dask``; one from the
    environment (``SIM_SCHEDULER``) is used only when the backend is dask.
    """
    from sim.run.backends import BACKEND_ENV, BACKENDS, SCHEDULER_ENV

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        name = kwargs.pop("backend_name")
        workers = kwargs.pop("workers")
        scheduler = kwargs.pop("scheduler")
        from_env = ctx.get_parameter_source("scheduler") == click.core.ParameterSource.ENVIRONMENT
        defaulted = ctx.get_parameter_source("backend_name") == click.core.ParameterSource.DEFAULT
        if scheduler and defaulted and not from_env:
            name = "dask"
        if scheduler and from_env and name != "dask":
            scheduler = None
        kwargs["backend"] = BackendChoice(name, workers, scheduler)
        return fn(*args, **kwargs)

    options = [
        click.option(
            "--backend",
            "backend_name",
            type=click.Choice(BACKENDS),
            default="local",
            show_default=True,
            envvar=BACKEND_ENV,
            help=f"Where chunks run: this process, a process pool, or a Dask cluster "
            f"[env: {BACKEND_ENV}]. Never changes a number.",
        ),
        click.option(
            "--workers",
            type=click.IntRange(min=1),
            help="Worker processes for --backend processes or a local Dask cluster "
            "[default: the CPUs available].",
        ),
        click.option(
            "--scheduler",
            metavar="tcp://HOST:PORT",
            envvar=SCHEDULER_ENV,
            help=f"Address of a running Dask scheduler (implies --backend dask) "
            f"[env: {SCHEDULER_ENV}]; without one, dask starts a local cluster on "
            "127.0.0.1 and stops it at the end.",
        ),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


CHUNK_HELP = (
    "Runs stepped together [default: 5000, fewer to give every worker a chunk]; never changes a number."
)


def short(name: str) -> tuple[str, str]:
    """Column heading and unit of an outcome in the terminal tables (`sim.outcomes`)."""
    from sim.outcomes import ALL

    outcome = ALL.get(name)
    return (outcome.short or name, outcome.unit) if outcome else (name, "")


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
        short_name, unit = short(name)
        table.add_column(f"{short_name}\n({unit})", justify="right")
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
@click.option("--chunk-size", type=click.IntRange(min=1), help=CHUNK_HELP)
@backend_options
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
    chunk_size: int | None,
    backend: BackendChoice,
    sets: tuple[str, ...],
    no_plots: bool,
) -> None:
    """Run SCENARIO as a Monte Carlo ensemble and write a results folder."""
    from sim.outcomes import HEADLINE
    from sim.run.results import default_out, summary_dict, write_run_results

    sc = load(scenario, runs, seed, sets)
    with backend.open() as engine:
        result = run_with_progress(sc, f"{sc.name}", chunk_size, engine)
    target = Path(out) if out else default_out("", sc.name)
    from sim.viz.run import draw_run_figures

    figures = None if no_plots else draw_run_figures
    write_run_results(result, target, figures=figures, command="sim run " + " ".join(sys.argv[2:]))
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
@click.option("--chunk-size", type=click.IntRange(min=1), help=CHUNK_HELP)
@backend_options
@handle_errors
def compare(
    a: str,
    b: str,
    runs: int | None,
    seed: int | None,
    out: str | None,
    chunk_size: int | None,
    backend: BackendChoice,
) -> None:
    """Paired effect of scenario B against A on the same random draws (B - A)."""
    from sim.analysis.compare import paired_differences
    from sim.outcomes import HEADLINE
    from sim.run.results import atomic_folder, default_out, manifest, summary_dict, write_json

    sa = load(a, runs, seed, ())
    runs = sa.run.runs if runs is None else runs
    seed = sa.run.seed if seed is None else seed
    sb = load(b, runs, seed, ())
    sa = load(a, runs, seed, ())
    with backend.open() as engine:
        ra = run_with_progress(sa, sa.name, chunk_size, engine)
        rb = run_with_progress(sb, sb.name, chunk_size, engine)
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
    from sim.scenario import load_scenario
    from sim.scenario.checks import plausibility_warnings

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
@click.option(
    "--targets",
    "targets_path",
    type=click.Path(dir_okay=False),
    default="calibration/targets.yaml",
    show_default=True,
    help="Targets file.",
)
@click.option(
    "--priors",
    "priors_path",
    type=click.Path(dir_okay=False),
    default="calibration/priors.yaml",
    show_default=True,
    help="Free parameters.",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    default="scenarios/baseline.yaml",
    show_default=True,
    help="The baseline scenario the calibration fits.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="calibration",
    show_default=True,
    help="Where calibrated.yaml and the fit report go.",
)
@click.option(
    "--runs",
    type=click.IntRange(min=10),
    default=100,
    show_default=True,
    help="Runs per loss evaluation (common random numbers).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=20250101,
    show_default=True,
    help="Seed shared by every evaluation.",
)
@click.option(
    "--abc-runs",
    type=click.IntRange(min=100),
    default=20000,
    show_default=True,
    help="Prior draws of the ABC step (one run each).",
)
@click.option(
    "--max-evals",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Most loss evaluations of the optimiser.",
)
@click.option(
    "--refresh-baselines",
    is_flag=True,
    help="Do not fit: rewrite tests/baselines/*.json from the current calibrated "
    "scenarios (after a deliberate model change).",
)
@backend_options
@handle_errors
def calibrate(
    targets_path: str,
    priors_path: str,
    baseline: str,
    out_dir: str,
    runs: int,
    seed: int,
    abc_runs: int,
    max_evals: int,
    refresh_baselines: bool,
    backend: BackendChoice,
) -> None:
    """Fit the free parameters to the targets and write calibration/calibrated.yaml.

    Run it from the repository root (the default paths are relative). It prints its progress,
    the fit table, and writes calibrated.yaml, fit_report.md, fit_report.json and fit.png.
    """
    import time

    from sim.calibration import fit as calibration
    from sim.calibration import report as calibration_report

    began = time.perf_counter()
    if refresh_baselines:
        base = Path(baseline).parent
        for path in calibration_report.refresh_baselines(base, Path("tests/baselines")):
            console.print(f"wrote {path}")
        return
    out = Path(out_dir)

    def say(line: str) -> None:
        err_console.print(f"[{time.perf_counter() - began:6.1f} s] {line}", highlight=False)

    with backend.open() as engine:
        result = calibration.calibrate(
            Path(targets_path),
            Path(priors_path),
            Path(baseline),
            out / "calibrated.yaml",
            runs=runs,
            seed=seed,
            abc_runs=abc_runs,
            max_evals=max_evals,
            progress=say,
            backend=engine,
        )
    say("writing calibrated.yaml, fit_report.md, fit_report.json and fit.png ...")
    written = calibration_report.write_outputs(result, out, Path(baseline).resolve().parent.parent)
    table = Table(title=f"Fit: {runs} runs per evaluation, seed {seed}, loss {result.fit.loss:.3f}")
    for col in ("target", "kind", "value", "model median [5%, 95%]", "error", "result"):
        table.add_column(col)
    for r in calibration_report.fit_rows(result):
        verdict = "pass" if r["pass"] else ("FAIL" + ("" if r["in_fit"] else " (structural)"))
        table.add_row(
            r["id"],
            r["kind"],
            f"{r['value']:,.4g} {r['unit']}",
            f"{r['model_p50']:,.4g} [{r['model_p5']:,.4g}, {r['model_p95']:,.4g}]",
            f"{r['error']:+.2f}",
            verdict,
        )
    console.print(table)
    console.print(
        "wrote " + ", ".join(str(p) for p in written) + f"  ({time.perf_counter() - began:.0f} s)"
    )


# --------------------------------------------------------------------------- policy analysis


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="PATH[=VALUES]",
    help="Lever to sweep, a dotted path as for --set. Once for a curve, twice for heat maps. "
    "Values inline (PATH=v1,v2 or PATH=lo:hi:n) or from --values/--range.",
)
@click.option("--values", metavar="V1,V2,...", help="Values of the --param given without them.")
@click.option("--range", "range_", metavar="LO:HI:N", help="N values from LO to HI, e.g. 0:2000000:9.")
@click.option(
    "--runs", type=click.IntRange(min=1), help="Runs per value [default: the file's run.runs]."
)
@click.option("--seed", type=click.IntRange(min=0), help="Seed of every value [default: the file's].")
@click.option("--year", metavar="YYYY-12", help="Year-end of the table and plots [default: 2028-12].")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Results folder [default: results/<name>-sweep-<time>].",
)
@click.option("--chunk-size", type=click.IntRange(min=1), help=CHUNK_HELP)
@backend_options
@click.option(
    "--set", "sets", multiple=True, metavar="PATH=VALUE", help="Override a field at every value."
)
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
@handle_errors
def sweep(
    scenario: str,
    params: tuple[str, ...],
    values: str | None,
    range_: str | None,
    runs: int | None,
    seed: int | None,
    year: str | None,
    out: str | None,
    chunk_size: int | None,
    backend: BackendChoice,
    sets: tuple[str, ...],
    no_plots: bool,
) -> None:
    """Sweep one or two levers of SCENARIO, every value on the same random draws."""
    from sim.analysis.refs import default_year_end, parse_year_end
    from sim.analysis.sweep import build_points, parse_axes, run_sweep, write_sweep
    from sim.run.results import default_out
    from sim.scenario import parse_set

    axes = parse_axes(params, values, range_)
    points = build_points(scenario, axes, runs, seed, parse_set(sets))
    sc = points[0].scenario
    year = parse_year_end(year, sc) if year else default_year_end(sc)
    total = sum(pt.scenario.run.runs for pt in points)
    with backend.open() as engine, progress_bar() as bar:
        task = bar.add_task(f"{sc.name}: {len(points)} values", total=total)
        result = run_sweep(
            points,
            axes,
            chunk_size=chunk_size,
            progress=lambda done, _t: bar.update(task, completed=done),
            backend=engine,
        )
    target = Path(out) if out else default_out("sweep", sc.name)
    write_sweep(result, target, year, plots=not no_plots, command="sim sweep " + " ".join(sys.argv[2:]))
    console.print(sweep_table(result, year) if len(axes) == 1 else sweep_grid(result, year))
    if len(result.points) > 1 and not result.has_effect():
        err_console.print(
            f"[yellow]warning:[/] no outcome changed in any run across the values: the lever has no "
            f"effect in {sc.name} (is it switched on, e.g. policy.us.export.h200.allowed?)",
            highlight=False,
        )
    console.print(f"results: {target}  ({result.wall_time_s:.1f} s for {total:,} runs)")


def label(path: str) -> str:
    """'path [unit]' of a scenario parameter, escaped so rich shows the brackets."""
    from sim.analysis.refs import parameter_label

    return escape(parameter_label(path))


def lever(value: float) -> str:
    """A lever value for tables: 890,000 or 0.25."""
    return f"{value:,.0f}" if value == int(value) and abs(value) >= 1000 else f"{value:.4g}"


def sweep_table(result: Any, year: str) -> Table:
    """One row per lever value: median and 90% interval of the headline outcomes, P(parity)."""
    from sim.outcomes import HEADLINE

    path = result.paths[0]
    stats = result.stats_table().query("year_end == @year").set_index(["point", "outcome"])
    parity = result.parity_table().query("year_end == @year").set_index("point")["p_parity"]

    def cell(point: int, name: str) -> str:
        s = stats.loc[(point, name)]
        return f"{fmt(s['p50'], name)}\n[dim]{fmt(s['p5'], name)}–{fmt(s['p95'], name)}[/]"

    table = Table(
        title=f"{result.scenario.name} at {year}: {result.runs:,} runs per value on the same draws, "
        f"seed {result.seed} — median, 90% interval below",
        title_justify="left",
    )
    table.add_column(label(path).replace(" \\[", "\n\\["), justify="right")
    for name in HEADLINE:
        short_name, unit = short(name)
        table.add_column(f"{short_name}\n({unit})", justify="right")
    table.add_column(f"P(parity\nby {year})", justify="right")
    for i, pt in enumerate(result.points):
        table.add_row(lever(pt.values[path]), *[cell(i, n) for n in HEADLINE], f"{parity[i]:.1%}")
    return table


def sweep_grid(result: Any, year: str) -> Table:
    """Two levers: median lag and P(parity) in a grid (rows: first lever, columns: second)."""
    rows, cols = result.paths
    lag = result.stats_table().query("year_end == @year and outcome == 'capability_lag_months'")
    lag = lag.set_index([rows, cols])["p50"]
    parity = result.parity_table().query("year_end == @year").set_index([rows, cols])["p_parity"]
    table = Table(
        title=f"{result.scenario.name} at {year}: median lag \\[months] / P(parity by then); "
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


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--outcome",
    "outcome_ref",
    required=True,
    metavar="NAME@YYYY-12",
    help="The outcome to explain, e.g. capability_lag_months@2028-12.",
)
@click.option(
    "--samples",
    type=int,
    help="Base sample size N, a power of two; the model runs N x (uncertainties + 3) times "
    "[default: 1024].",
)
@click.option("--seed", type=click.IntRange(min=0), help="Seed [default: the file's run.seed].")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Results folder [default: results/<name>-sensitivity-<time>].",
)
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help="Override any field.")
@click.option("--no-plots", is_flag=True, help="Skip the bar chart.")
@backend_options
@handle_errors
def sensitivity(
    scenario: str,
    outcome_ref: str,
    samples: int | None,
    seed: int | None,
    out: str | None,
    sets: tuple[str, ...],
    no_plots: bool,
    backend: BackendChoice,
) -> None:
    """Sobol indices (SALib) of an outcome over SCENARIO's declared uncertainties."""
    import time

    from sim.analysis.refs import check_in_horizon, parse_outcome_ref
    from sim.analysis.sensitivity import (
        DEFAULT_SAMPLES,
        ModelEvaluator,
        check_samples,
        sobol_indices,
        write_sensitivity,
    )
    from sim.run.results import default_out

    ref = parse_outcome_ref(outcome_ref)
    samples = DEFAULT_SAMPLES if samples is None else samples
    check_samples(samples)
    sc = load(scenario, None, seed, sets)
    check_in_horizon(ref, sc)
    evaluator = ModelEvaluator(sc, ref, sc.run.seed)
    began = time.perf_counter()
    with backend.open() as engine, progress_bar() as bar:
        task = bar.add_task(f"{sc.name}: Sobol design", total=samples * (len(evaluator.names) + 2))
        evaluator.progress = lambda done, _t: bar.update(task, completed=done)
        evaluator.backend = engine
        result = sobol_indices(evaluator.names, evaluator, samples, sc.run.seed)
    wall = time.perf_counter() - began
    target = Path(out) if out else default_out("sensitivity", sc.name)
    write_sensitivity(
        result,
        evaluator,
        target,
        plots=not no_plots,
        command="sim sensitivity " + " ".join(sys.argv[2:]),
        wall_time_s=wall,
    )
    console.print(sensitivity_table(result, evaluator))
    console.print(
        f"First-order indices sum to {result.S1.sum():.2f}; the remaining "
        f"{max(0.0, 1 - result.S1.sum()):.2f} of the variance comes from interactions."
    )
    console.print(f"results: {target}  ({wall:.1f} s for {result.evaluations:,} runs)")


def sensitivity_table(result: Any, evaluator: Any) -> Table:
    """Factors ranked by total Sobol index, with first-order index and 95% intervals."""
    from sim.analysis.sensitivity import CHANCE

    ref = evaluator.ref
    table = Table(
        title=f"Sobol indices of {ref.key} \\[{ref.unit}] in {evaluator.scenario.name}: "
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


@main.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--where",
    required=True,
    metavar='"NAME@YYYY-12 OP NUMBER"',
    help='The runs of interest, e.g. "capability_lag_months@2028-12 <= 3" (OP: <, <=, >, >=, ==, !=).',
)
@click.option("--runs", type=click.IntRange(min=1), help="Runs of the ensemble [default: 5000].")
@click.option("--seed", type=click.IntRange(min=0), help="Seed [default: the file's run.seed].")
@click.option(
    "--max-boxes",
    type=click.IntRange(1, 10),
    default=3,
    show_default=True,
    help="Most boxes to look for.",
)
@click.option(
    "--min-coverage",
    type=click.FloatRange(0.0, 1.0),
    default=0.5,
    show_default=True,
    help="Least share of the (not yet explained) runs of interest a box must hold.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Results folder [default: results/<name>-discover-<time>].",
)
@click.option("--chunk-size", type=click.IntRange(min=1), help=CHUNK_HELP)
@backend_options
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help="Override any field.")
@click.option("--no-plots", is_flag=True, help="Skip the peeling-trajectory plot.")
@handle_errors
def discover(
    scenario: str,
    where: str,
    runs: int | None,
    seed: int | None,
    max_boxes: int,
    min_coverage: float,
    out: str | None,
    chunk_size: int | None,
    backend: BackendChoice,
    sets: tuple[str, ...],
    no_plots: bool,
) -> None:
    """Scenario discovery (PRIM): the uncertainty ranges in which WHERE holds."""
    from sim.analysis import discovery
    from sim.analysis.refs import check_in_horizon
    from sim.run.results import default_out

    condition = discovery.parse_condition(where)
    runs = discovery.DEFAULT_RUNS if runs is None else runs
    sc = load(scenario, runs, seed, sets)
    check_in_horizon(condition.ref, sc, "--where")
    with backend.open() as engine, progress_bar() as bar:
        task = bar.add_task(sc.name, total=runs)
        found = discovery.discover(
            sc,
            condition,
            runs=runs,
            max_boxes=max_boxes,
            min_coverage=min_coverage,
            chunk_size=chunk_size,
            progress=lambda done, _t: bar.update(task, completed=done),
            backend=engine,
        )
    target = Path(out) if out else default_out("discover", sc.name)
    discovery.write_discovery(
        found, target, plots=not no_plots, command="sim discover " + " ".join(sys.argv[2:])
    )
    ref, seen = condition.ref, found.summary_dict()["outcome_range"]
    console.print(
        f"{sc.name}, {found.result.runs:,} runs, seed {found.result.seed}: {found.n_interest:,} runs "
        f"({found.base_rate:.1%}) have {condition.text}. Across all runs {ref.key} has median "
        f"{fmt(seen['p50'], ref.outcome)} and ranges from {fmt(seen['min'], ref.outcome)} to "
        f"{fmt(seen['max'], ref.outcome)} \\[{ref.unit}]."
    )
    if found.n_interest == 0:
        console.print(
            f"No run has {condition.text}, so there is nothing for PRIM to explain. "
            "Loosen the threshold within the range above."
        )
    elif found.n_interest == found.result.runs:
        console.print(f"Every run has {condition.text}; no box is needed to explain it.")
    elif not found.boxes:
        console.print(
            "PRIM found no box that holds these runs more densely than the ensemble does: "
            "no small set of uncertainty ranges explains them."
        )
    for box in found.boxes:
        console.print(discovery_table(found, box))
    console.print(
        f"results: {target}  ({found.result.wall_time_s:.1f} s for {found.result.runs:,} runs)"
    )


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


@main.command()
@click.argument("results", nargs=-1, required=True, type=click.Path())
@click.option(
    "--out",
    type=click.Path(),
    default="report.html",
    show_default=True,
    help="The HTML file to write (self-contained: images embedded).",
)
@click.option(
    "--calibration",
    "calibration_dir",
    type=click.Path(),
    default="calibration",
    show_default=True,
    help="Folder with calibrated.yaml and the fit report.",
)
@handle_errors
def report(results: tuple[str, ...], out: str, calibration_dir: str) -> None:
    """Write one self-contained HTML report from RESULTS folders of `sim run`.

    With several folders, every scenario is compared with the baseline (paired when seed and
    runs match).
    """
    import time

    from sim.report import write_report

    began = time.perf_counter()
    figures = write_report(
        [Path(r) for r in results],
        Path(out),
        Path(calibration_dir),
        command="sim report " + " ".join(sys.argv[2:]),
    )
    console.print(
        f"report: {out}  ({len(results)} results, {len(figures)} figures, "
        f"{time.perf_counter() - began:.1f} s)",
        markup=False,
        highlight=False,
    )


if __name__ == "__main__":  # pragma: no cover
    main()
