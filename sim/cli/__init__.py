"""The `sim` command line: parse -> load -> run -> write -> print. No science here.

Every command reports bad input as one line naming the file, the field and the fix, and exits
with status 2 without a traceback; it writes no results folder unless the run completed.

One module per command group; each builds its options, calls the package and prints:

- `sim.cli.run`: run, compare, validate, schema
- `sim.cli.analysis`: sweep, sensitivity, discover, levers
- `sim.cli.calibrate`: calibrate
- `sim.cli.report`: report
- `sim.cli.app`: app (the playground; imports Panel only when it runs)
- `sim.cli.options`: the shared options (``--runs``, ``--seed``, ``--out``, ``--set``,
  `backend_options`), loading and `run_with_progress`
- `sim.cli.tables`: the terminal tables (numbers by `sim.fmt`)
"""

from __future__ import annotations

import sys
from typing import Any

import click

from sim.cli import analysis, calibrate, report, run
from sim.cli import app as app_command
from sim.cli.options import BackendChoice, backend_options, err_console, run_with_progress
from sim.errors import SimError

__all__ = ["BackendChoice", "backend_options", "main", "run_with_progress"]


class SimGroup(click.Group):
    """The command group: a `SimError` from any command is reported, not raised.

    It becomes one line on stderr and the error's exit status (2 for bad input, 1 for a model
    failure), never a traceback.
    """

    def invoke(self, ctx: click.Context) -> Any:
        """Run the chosen command, reporting a `SimError` as one message."""
        try:
            return super().invoke(ctx)
        except SimError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
            sys.exit(exc.exit_code)


@click.group(cls=SimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sim")
def main() -> None:
    """Scenario simulator of the US-China AI race (Monte Carlo, agent-based)."""


for _command in (
    run.run,
    run.compare,
    run.validate,
    run.schema,
    calibrate.calibrate,
    analysis.sweep,
    analysis.sensitivity,
    analysis.discover,
    analysis.levers,
    report.report,
    app_command.app,
):
    main.add_command(_command)
