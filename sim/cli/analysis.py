"""Policy analysis commands: `sim sweep`, `sensitivity` (Sobol), `discover` (PRIM), `levers`.

`sim levers` writes the README's table of what each shipped scenario does against the baseline.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

import click

from sim.cli.options import (
    BackendChoice,
    backend_options,
    chunk_option,
    claim_out,
    command_line,
    console,
    load,
    no_plots_option,
    out_option,
    progress_bar,
    runs_option,
    say,
    seed_option,
    set_option,
    tagged,
)
from sim.cli.tables import discovery_table, sensitivity_table, sweep_grid, sweep_table
from sim.fmt import fmt


@click.command()
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
@runs_option("Runs per value [default: the file's run.runs].")
@seed_option("Seed of every value [default: the file's].")
@click.option("--year", metavar="YYYY-12", help="Year-end of the table and plots [default: 2028-12].")
@out_option("Results folder [default: results/<name>-sweep-<time>].")
@chunk_option()
@backend_options
@set_option("Override a field at every value.")
@no_plots_option("Skip the PNG plots.")
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
    from sim.viz.analysis import draw_sweep_figures

    axes = parse_axes(params, values, range_)
    points = build_points(scenario, axes, runs, seed, parse_set(sets))
    sc = points[0].scenario
    year = parse_year_end(year, sc) if year else default_year_end(sc)
    total = sum(pt.scenario.run.runs for pt in points)
    target = claim_out(out, lambda: default_out("sweep", sc.name))
    with backend.open() as engine, progress_bar() as bar:
        task = bar.add_task(f"{sc.name}: {len(points)} values", total=total)
        result = run_sweep(
            points,
            axes,
            chunk_size=chunk_size,
            progress=lambda done, _t: bar.update(task, completed=done),
            backend=engine,
        )
    figures = None if no_plots else partial(draw_sweep_figures, year_end=year)
    write_sweep(result, target, figures=figures, command=command_line("sweep"))
    console.print(sweep_table(result, year) if len(axes) == 1 else sweep_grid(result, year))
    if len(result.points) > 1 and not result.has_effect():
        tagged(
            "warning",
            "yellow",
            "no outcome changed in any run across the values: the lever has no "
            f"effect in {sc.name} (is it switched on, e.g. policy.us.export.h200.allowed?)",
        )
    say(f"results: {target}  ({result.wall_time_s:.1f} s for {total:,} runs)")


@click.command()
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
@seed_option()
@out_option("Results folder [default: results/<name>-sensitivity-<time>].")
@set_option()
@no_plots_option("Skip the bar chart.")
@backend_options
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
    from sim.analysis.refs import check_in_horizon, parse_outcome_ref
    from sim.analysis.sensitivity import (
        DEFAULT_SAMPLES,
        ModelEvaluator,
        check_design,
        check_samples,
        sobol_indices,
        write_sensitivity,
    )
    from sim.run.results import default_out
    from sim.viz.analysis import draw_sensitivity_figures

    ref = parse_outcome_ref(outcome_ref)
    samples = DEFAULT_SAMPLES if samples is None else samples
    check_samples(samples)
    sc = load(scenario, None, seed, sets)
    check_in_horizon(ref, sc)
    evaluator = ModelEvaluator(sc, ref, sc.run.seed)
    check_design(samples, len(evaluator.names))
    began = time.perf_counter()
    target = claim_out(out, lambda: default_out("sensitivity", sc.name))
    with backend.open() as engine, progress_bar() as bar:
        task = bar.add_task(f"{sc.name}: Sobol design", total=samples * (len(evaluator.names) + 2))
        evaluator.progress = lambda done, _t: bar.update(task, completed=done)
        evaluator.backend = engine
        result = sobol_indices(evaluator.names, evaluator, samples, sc.run.seed)
    wall = time.perf_counter() - began
    write_sensitivity(
        result,
        evaluator,
        target,
        figures=None if no_plots else draw_sensitivity_figures,
        command=command_line("sensitivity"),
        wall_time_s=wall,
    )
    console.print(sensitivity_table(result, evaluator))
    console.print(
        f"First-order indices sum to {result.S1.sum():.2f}; the remaining "
        f"{max(0.0, 1 - result.S1.sum()):.2f} of the variance comes from interactions."
    )
    say(f"results: {target}  ({wall:.1f} s for {result.evaluations:,} runs)")


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option(
    "--where",
    required=True,
    metavar='"NAME@YYYY-12 OP NUMBER"',
    help='The runs of interest, e.g. "capability_lag_months@2028-12 <= 3" (OP: <, <=, >, >=, ==, !=).',
)
@runs_option("Runs of the ensemble [default: 5000].")
@seed_option()
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
@out_option("Results folder [default: results/<name>-discover-<time>].")
@chunk_option()
@backend_options
@set_option()
@no_plots_option("Skip the peeling-trajectory plot.")
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
    from sim.viz.analysis import draw_discovery_figures

    condition = discovery.parse_condition(where)
    runs = discovery.DEFAULT_RUNS if runs is None else runs
    sc = load(scenario, runs, seed, sets)
    check_in_horizon(condition.ref, sc, "--where")
    target = claim_out(out, lambda: default_out("discover", sc.name))
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
    figures = None if no_plots else draw_discovery_figures
    discovery.write_discovery(found, target, figures=figures, command=command_line("discover"))
    ref, seen = condition.ref, found.summary_dict()["outcome_range"]
    say(
        f"{sc.name}, {found.result.runs:,} runs, seed {found.result.seed}: {found.n_interest:,} runs "
        f"({found.base_rate:.1%}) have {condition.text}. Across all runs {ref.key} has median "
        f"{fmt(seen['p50'], ref.outcome)} and ranges from {fmt(seen['min'], ref.outcome)} to "
        f"{fmt(seen['max'], ref.outcome)} [{ref.unit}]."
    )
    if found.n_interest == 0:
        say(
            f"No run has {condition.text}, so there is nothing for PRIM to explain. "
            "Loosen the threshold within the range above."
        )
    elif found.n_interest == found.result.runs:
        say(f"Every run has {condition.text}; no box is needed to explain it.")
    elif not found.boxes:
        console.print(
            "PRIM found no box that holds these runs more densely than the ensemble does: "
            "no small set of uncertainty ranges explains them."
        )
    for box in found.boxes:
        console.print(discovery_table(found, box))
    say(f"results: {target}  ({found.result.wall_time_s:.1f} s for {found.result.runs:,} runs)")


@click.command()
@click.argument("scenarios", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    default="scenarios/baseline.yaml",
    show_default=True,
    help="The reference every scenario is paired with.",
)
@runs_option("Runs of every ensemble [default: the baseline's run.runs].")
@seed_option("Seed they all share [default: the baseline's run.seed].")
@click.option(
    "--outcome",
    "outcomes",
    multiple=True,
    metavar="NAME",
    help="An outcome of the table, repeatable [default: sim.analysis.levers.OUTCOMES].",
)
@click.option("--write", is_flag=True, help="Replace the lever block of the --doc files; write --json.")
@click.option(
    "--doc",
    "docs",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="A Markdown file with <!-- levers:start/end --> markers, repeatable "
    "[default: README.md and docs/model.md].",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False),
    default="docs/levers.json",
    show_default=True,
    help="Where --write puts the numbers.",
)
def levers(
    scenarios: tuple[str, ...],
    baseline: str,
    runs: int | None,
    seed: int | None,
    outcomes: tuple[str, ...],
    write: bool,
    docs: tuple[str, ...],
    json_path: str,
) -> None:
    """Paired effect of each SCENARIO against the baseline [default: every other file beside it]."""
    from sim.analysis import levers as lv

    base = Path(baseline)
    paths = [Path(s) for s in scenarios] or lv.shipped(base)
    outcomes = outcomes or lv.OUTCOMES
    with progress_bar() as bar:
        task = bar.add_task(f"{len(paths)} scenarios vs {base.stem}", total=None)
        body = lv.lever_effects(
            base,
            paths,
            runs,
            seed,
            outcomes,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    click.echo(lv.markdown(body), nl=False)
    if write:
        targets = [Path(d) for d in docs] or [Path(d) for d in lv.DOCS]
        lv.write_docs(body, targets, Path(json_path))
        say(f"wrote {', '.join(map(str, targets))}, {json_path}")
