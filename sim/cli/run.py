"""Commands on one or two scenarios: `sim run`, `sim compare`, `sim validate`, `sim schema`."""

from __future__ import annotations

import sys
import textwrap
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
    run_with_progress,
    runs_option,
    say,
    seed_option,
    set_option,
    tagged,
    warn_plausibility,
)
from sim.cli.tables import WIDTH, compare_table, summary_table
from sim.errors import ScenarioError
from sim.limits import MAX_TRAJECTORIES


def _parse_within(ctx: click.Context, param: click.Parameter, value: str) -> tuple[float, ...]:
    """'3,6' -> (3.0, 6.0): positive months, comma-separated; anything else is a usage error."""
    from sim.run.results import check_within

    try:
        return check_within(value.split(","))
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: give positive numbers of months separated by commas, e.g. 3,6", ctx, param
        ) from None


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@runs_option("Monte Carlo runs [default: the file's run.runs, 1000].")
@seed_option()
@out_option("Results folder [default: results/<name>-<time>].")
@chunk_option()
@backend_options
@set_option("Override any field, e.g. policy.us.export.h200.cap_units=500000.")
@no_plots_option("Skip the PNG plots.")
@click.option(
    "--within",
    default="3",
    show_default=True,
    metavar="N[,N...]",
    callback=_parse_within,
    help="Months N of P(China's lag <= N months) in each December, e.g. 3,6.",
)
@click.option(
    "--trajectories",
    type=click.IntRange(0, MAX_TRAJECTORIES),
    default=0,
    metavar="K",
    help="Write K runs' monthly paths (trajectories.csv) and their plot.",
)
def run(
    scenario: str,
    runs: int | None,
    seed: int | None,
    out: str | None,
    chunk_size: int | None,
    backend: BackendChoice,
    sets: tuple[str, ...],
    no_plots: bool,
    within: tuple[float, ...],
    trajectories: int,
) -> None:
    """Run SCENARIO as a Monte Carlo ensemble and write a results folder."""
    from functools import partial

    from sim.outcomes import HEADLINE
    from sim.run.results import default_out, summary_dict, write_run_results

    sc = load(scenario, runs, seed, sets)
    warn_plausibility(sc)
    target = claim_out(out, lambda: default_out("", sc.name))
    with backend.open() as engine:
        result = run_with_progress(sc, f"{sc.name}", chunk_size, engine)
    from sim.viz.run import draw_run_figures

    figures = None if no_plots else partial(draw_run_figures, within=within, trajectories=trajectories)
    write_run_results(
        result,
        target,
        figures=figures,
        command=command_line("run"),
        within=within,
        trajectories=trajectories,
    )
    console.print(summary_table(summary_dict(result, within), HEADLINE))
    say(f"results: {target}  ({result.wall_time_s:.1f} s for {result.runs:,} runs)")


@click.command()
@click.argument("a", type=click.Path(dir_okay=False))
@click.argument("b", type=click.Path(dir_okay=False))
@runs_option("Runs of each scenario [default: A's run.runs].")
@seed_option("Seed shared by both [default: A's run.seed].")
@click.option("--year", metavar="YYYY-12", help="Year-end of the answers in words [default: 2028-12].")
@out_option("Results folder.")
@chunk_option()
@backend_options
@no_plots_option("Skip the paired-effect plot.")
def compare(
    a: str,
    b: str,
    runs: int | None,
    seed: int | None,
    year: str | None,
    out: str | None,
    chunk_size: int | None,
    backend: BackendChoice,
    no_plots: bool,
) -> None:
    """Paired effect of scenario B against A on the same random draws (B - A)."""
    from sim.analysis.compare import write_comparison
    from sim.analysis.refs import default_year_end, parse_year_end
    from sim.outcomes import HEADLINE
    from sim.run.results import default_out

    sa = load(a, runs, seed, ())
    runs = sa.run.runs if runs is None else runs
    seed = sa.run.seed if seed is None else seed
    sb = load(b, runs, seed, ())
    sa = load(a, runs, seed, ())
    year = parse_year_end(year, sa) if year else default_year_end(sa)
    warn_plausibility(sa)
    warn_plausibility(sb)
    target = claim_out(out, lambda: default_out("vs-" + sa.name, sb.name))
    with backend.open() as engine:
        ra = run_with_progress(sa, sa.name, chunk_size, engine)
        rb = run_with_progress(sb, sb.name, chunk_size, engine)
    figures = None
    if not no_plots:
        from sim.viz.compare import draw_compare_figures

        figures = draw_compare_figures
    diff = write_comparison(ra, rb, target, command_line("compare"), figures=figures)
    console.print(compare_table(diff, sa.name, sb.name, runs, seed, HEADLINE))
    console.print(f"\n[bold]In words, at {year}[/] (B − A, run by run):", highlight=False)
    for text in diff["answers"].get(year, {}).values():
        wrapped = textwrap.fill(text, WIDTH, initial_indent="- ", subsequent_indent="  ")
        console.print(wrapped, highlight=False, markup=False)
    say(f"results: {target}")


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check scenario files against the schema and plausibility rules without running them."""
    from sim.scenario import load_scenario
    from sim.scenario.checks import plausibility_warnings, require_year_end

    failed: list[ScenarioError] = []
    for f in files:
        try:
            sc = load_scenario(Path(f))
            require_year_end(sc, f)
        except ScenarioError as exc:
            failed.append(exc)
            tagged("error", "bold red", str(exc))
            continue
        for warning in plausibility_warnings(sc):
            tagged("warning", "yellow", f"{f}: {warning}")
        say(
            f"ok: {f} ({sc.name}: {sc.run.start} to {sc.run.end}, {len(sc.uncertainties)} uncertainties)"
        )
    if failed:
        sys.exit(2)


@click.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Where to write the JSON schema [default: scenarios/schema.json if there is a "
    "scenarios/ folder here, else schema.json]; an existing file is replaced only if it is "
    "this schema.",
)
def schema(out: str | None) -> None:
    """Write the scenario JSON schema (editors use it to complete and check fields)."""
    from sim.scenario import write_schema

    if out is None:
        out = "scenarios/schema.json" if Path("scenarios").is_dir() else "schema.json"
    write_schema(Path(out))
    say(f"wrote {out}")
