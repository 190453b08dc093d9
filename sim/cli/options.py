"""What the commands share: the consoles, the common options, loading, the progress bar, backends.

The option factories take the help text, because each command words its default differently
(the file's run.runs, A's run.runs, runs per value, ...); the flag, type and bounds are the same.
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
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from sim.limits import MAX_CHUNK, MAX_RUNS, MAX_WORKERS

# on a pipe or in CI there is no terminal width to follow: use one that fits the tables
console = Console(width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True, soft_wrap=True)

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def say(text: str, err: bool = False) -> None:
    """Print a line literally: paths, names and conditions come from the user, never markup."""
    (err_console if err else console).print(text, markup=False, highlight=False)


def tagged(tag: str, style: str, text: str) -> None:
    """Print 'tag: text' as one line on stderr, the tag styled and the text literal.

    User text is never read as markup; line breaks and control characters in it (a YAML
    parser's message, a file name) become spaces, and bytes that are not UTF-8 become escapes.
    """
    flat = " ".join(text.encode("utf-8", "backslashreplace").decode("utf-8").split())
    flat = "".join(c if c.isprintable() else "?" for c in flat)
    err_console.print(Text.assemble((f"{tag}:", style), " ", flat), highlight=False, soft_wrap=True)


CHUNK_HELP = (
    "Runs stepped together [default: 5000, fewer to give every worker a chunk]; never changes a number."
)
SEED_HELP = "Seed [default: the file's run.seed]."


def runs_option(help: str) -> Decorator:
    """``--runs N`` (N >= 1 Monte Carlo runs [runs]); None when not given."""
    return click.option("--runs", type=click.IntRange(1, MAX_RUNS), help=help)


def seed_option(help: str = SEED_HELP) -> Decorator:
    """``--seed N`` (a non-negative integer); None when not given."""
    return click.option("--seed", type=click.IntRange(min=0), help=help)


def _check_out(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refuse, before anything runs, an --out that is not new and not a sim results folder."""
    if value is not None:
        from sim.atomic import check_out

        check_out(value)
    return value


def claim_out(out: str | Path | None, default: Callable[[], Path]) -> Path:
    """The results folder of a command, checked and locked before its ensembles run.

    `out` (from ``--out``) or else ``default()``: it must be new or a sim results folder, in a
    folder we can write to, and no other sim command may be writing it; the lock is held until
    the command ends, so two commands given one ``--out`` never interleave.
    """
    from sim.atomic import check_out, out_lock

    target = check_out(Path(out) if out else default())
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.with_resource(out_lock(target))
    return target


def out_option(help: str) -> Decorator:
    """``--out DIR``, the results folder; None when not given (the command picks a default).

    Checked before the command runs: a new path, or an existing sim results folder (replaced
    whole once the new results are complete); anything else stops with one line, exit 2.
    """
    return click.option(
        "--out",
        type=click.Path(),
        callback=_check_out,
        help=help + " A new path, or an existing sim results folder (replaced when complete).",
    )


def set_option(help: str = "Override any field.") -> Decorator:
    """``--set PATH=VALUE``, repeatable, received as ``sets: tuple[str, ...]``."""
    return click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help=help)


def chunk_option() -> Decorator:
    """``--chunk-size N`` [runs per chunk]; None: the backend's default."""
    return click.option("--chunk-size", type=click.IntRange(1, MAX_CHUNK), help=CHUNK_HELP)


def no_plots_option(help: str) -> Decorator:
    """``--no-plots``, a flag: skip the PNG figures of the results folder."""
    return click.option("--no-plots", is_flag=True, help=help)


def command_line(name: str) -> str:
    """The command as typed, for the manifest: "sim NAME <its arguments>"."""
    return f"sim {name} " + " ".join(sys.argv[2:])


def load(path: str, runs: int | None, seed: int | None, sets: tuple[str, ...]) -> Any:
    """Load a scenario with --runs/--seed/--set applied and validated like the file."""
    from sim.scenario import load_scenario, parse_set
    from sim.scenario.checks import require_year_end

    overrides = parse_set(sets)
    if runs is not None:
        overrides["run.runs"] = runs
    if seed is not None:
        overrides["run.seed"] = seed
    scenario = load_scenario(Path(path), overrides)
    where = f"--set run.end={overrides['run.end']}" if "run.end" in overrides else path
    require_year_end(scenario, where)
    return scenario


def warn_plausibility(scenario: Any) -> None:
    """Print the scenario's plausibility warnings (`sim.scenario.checks`); the run goes on.

    They flag levers that change nothing, caps that cannot bind and dates past the horizon.
    """
    from sim.scenario.checks import plausibility_warnings

    for warning in plausibility_warnings(scenario):
        tagged("warning", "yellow", f"{scenario.name}: {warning}")


def progress_bar() -> Progress:
    """One progress bar over runs (drawn only on a terminal)."""
    return Progress(
        TextColumn("{task.description}", style="progress.description", markup=False),
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

        backend = make_backend(self.name, self.workers, self.scheduler)
        if self.name != "local":
            where = f" at {self.scheduler}" if self.scheduler else ""
            err_console.print(Text(f"backend: {self.name}{where}", style="dim"), highlight=False)
        return backend


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
            type=click.IntRange(1, MAX_WORKERS),
            help="Worker processes for --backend processes or a local Dask cluster "
            f"[default: the CPUs available; at most {MAX_WORKERS}].",
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
