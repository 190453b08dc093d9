"""The `sim` command line: parse -> load -> run -> write -> print. No science here.

Every command reports bad input as one line naming the file, the field and the fix, and exits
with status 2 without a traceback; it writes no results folder unless the run completed.

One module per command group; each builds its options, calls the package and prints:

- `sim.cli.run`: run, compare, validate, schema
- `sim.cli.analysis`: sweep, sensitivity, discover, levers
- `sim.cli.calibrate`: calibrate
- `sim.cli.report`: report
- `sim.cli.info`: list, explain (no model code: they answer at once)
- `sim.cli.app`: app (the playground; imports Panel only when it runs)
- `sim.cli.options`: the shared options (``--runs``, ``--seed``, ``--out``, ``--set``,
  `backend_options`), loading and `run_with_progress`
- `sim.cli.tables`: the terminal tables (numbers by `sim.fmt`)
"""

from __future__ import annotations

import signal
import sys
from typing import Any

import click

from sim.cli import analysis, calibrate, info, report, run
from sim.cli import app as app_command
from sim.cli.options import BackendChoice, backend_options, run_with_progress, tagged
from sim.errors import SimError

__all__ = ["BackendChoice", "backend_options", "main", "run_with_progress"]


class Terminated(BaseException):
    """SIGTERM arrived: unwinds like Ctrl-C, so every temporary file and folder is removed."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated


class SimGroup(click.Group):
    """The command group, with one error path for every command.

    Whatever the user got wrong ends in one line on stderr, never a traceback: a `SimError`
    (bad scenario, option or output; exit 2, or 1 for a model failure), a Click usage error
    (exit 2), an operating-system error such as a full disk or a missing permission (exit 2),
    and Ctrl-C or SIGTERM (exit 130 or 143, after the temporary outputs are removed).
    """

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:
        """Run the command line; report any error as one line and exit with its status."""
        if not extra.pop("standalone_mode", True):
            return super().main(args, prog_name, standalone_mode=False, **extra)
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            code = super().main(args, prog_name, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
            code = 0
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "sim"
            tagged("error", "bold red", f"{where}: {exc.format_message()} (fix: see {where} --help)")
            code = 2
        except click.ClickException as exc:
            tagged("error", "bold red", exc.format_message())
            code = exc.exit_code
        except SimError as exc:
            tagged("error", "bold red", str(exc))
            code = exc.exit_code
        except (click.exceptions.Abort, KeyboardInterrupt):
            tagged("error", "bold red", "interrupted; no results were written")
            code = 130
        except Terminated:
            tagged("error", "bold red", "terminated (SIGTERM); no results were written")
            code = 143
        except BrokenPipeError:
            code = 0  # the reader stopped reading (e.g. `| head`): not an error of the run
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            reason = exc.strerror or str(exc)
            fix = "check the path, the free space and the permissions"
            tagged("error", "bold red", f"{where}{reason} (fix: {fix})")
            code = 2
        finally:
            signal.signal(signal.SIGTERM, previous)
        sys.exit(code if isinstance(code, int) else 0)


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
    info.list_scenarios,
    info.explain,
    app_command.app,
):
    main.add_command(_command)
