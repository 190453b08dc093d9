"""`sim calibrate`: fit the free parameters to the targets, or refresh the regression baselines."""

from __future__ import annotations

import time
from pathlib import Path

import click

from sim.cli.options import BackendChoice, backend_options, console, say
from sim.cli.tables import fit_table

#: the files `sim calibrate` writes into its --out folder
OUTPUTS = ("calibrated.yaml", "fit_report.md", "fit_report.json", "fit.png")


def _check_not_inputs(out: Path, inputs: tuple[str, ...]) -> None:
    """Refuse, before fitting, an --out whose files would replace one of the inputs."""
    from sim.atomic import check_writable
    from sim.errors import OutputError

    sources = {Path(p).absolute().resolve(): p for p in inputs}
    for name in OUTPUTS:
        target = (out / name).absolute().resolve()
        if target in sources:
            raise OutputError(
                f"--out {out}: it would write {name} over the input {sources[target]} (fix: "
                "choose another --out, or rename the input)"
            )
    check_writable(out / OUTPUTS[0])


@click.command()
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
    default=60000,
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
    help="Do not fit: rewrite tests/regression/baselines/*.json from the current calibrated "
    "scenarios (after a deliberate model change).",
)
@backend_options
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
    from sim.calibration import fit as calibration
    from sim.calibration import report as calibration_report

    began = time.perf_counter()
    if refresh_baselines:
        base = Path(baseline).parent
        for path in calibration_report.refresh_baselines(base, Path("tests/regression/baselines")):
            say(f"wrote {path}")
        return
    out = Path(out_dir)
    _check_not_inputs(out, (targets_path, priors_path, baseline))

    def log(line: str) -> None:
        say(f"[{time.perf_counter() - began:6.1f} s] {line}", err=True)

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
            progress=log,
            backend=engine,
        )
    log("writing calibrated.yaml, fit_report.md, fit_report.json and fit.png ...")
    written = calibration_report.write_outputs(result, out, Path(baseline).resolve().parent.parent)
    console.print(fit_table(calibration_report.fit_rows(result), runs, seed, result.fit.loss))
    say("wrote " + ", ".join(str(p) for p in written) + f"  ({time.perf_counter() - began:.0f} s)")
