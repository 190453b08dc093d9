"""`sim app`: the interactive playground in the browser (the `app` extra: Panel)."""

from __future__ import annotations

import errno
from pathlib import Path

import click

from sim.cli.options import console, load, runs_option, seed_option
from sim.errors import SimError

MISSING_EXTRA = "sim app needs the app extra: pip install -e '.[app]'"


class AppError(SimError):
    """The app cannot start (the extra is missing, the port is taken)."""


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False), default="scenarios/baseline.yaml")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8050,
    show_default=True,
    help="TCP port (0: any free one).",
)
@runs_option("Runs of the first view [default: 1000].")
@seed_option("Seed of the first view [default: the scenario's run.seed].")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 127.0.0.1 keeps the app on this machine.",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    default=None,
    help="The scenario every view is paired with [default: baseline.yaml beside SCENARIO].",
)
def app(
    scenario: str, port: int, runs: int | None, seed: int | None, host: str, baseline: str | None
) -> None:
    """Start the playground: move a lever, see the outcome distribution move (SCENARIO first)."""
    try:
        import bokeh  # noqa: F401
        import panel  # noqa: F401
    except ImportError:
        raise AppError(MISSING_EXTRA) from None
    from sim.app import serve

    load(scenario, None, seed, ())  # a bad file stops here with the command line's one-line message
    base = Path(baseline) if baseline else Path(scenario).parent / "baseline.yaml"
    load(str(base), None, seed, ())

    def ready(url: str) -> None:
        console.print(f"sim app: {url}  (Ctrl+C stops it)", highlight=False)

    try:
        serve(Path(scenario), base, port, 1000 if runs is None else runs, host, seed, ready)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise AppError(f"port {port} on {host} is in use (fix: pass another --port)") from None
        raise
    except KeyboardInterrupt:
        console.print("sim app: stopped")
