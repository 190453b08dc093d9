"""`sim report`: one self-contained HTML report from results folders."""

from __future__ import annotations

import time
from pathlib import Path

import click

from sim.cli.options import command_line, console


@click.command()
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
def report(results: tuple[str, ...], out: str, calibration_dir: str) -> None:
    """Write one self-contained HTML report from RESULTS folders of `sim run`.

    With several folders, every scenario is compared with the baseline (paired when seed and
    runs match).
    """
    from sim.report import write_report

    began = time.perf_counter()
    figures = write_report(
        [Path(r) for r in results],
        Path(out),
        Path(calibration_dir),
        command=command_line("report"),
    )
    console.print(
        f"report: {out}  ({len(results)} results, {len(figures)} figures, "
        f"{time.perf_counter() - began:.1f} s)",
        markup=False,
        highlight=False,
    )
