"""Build the report's page from results folders and write it atomically."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sim.atomic import atomic_file, check_writable
from sim.errors import OutputError
from sim.report.calibration import calibration_section
from sim.report.comparison import comparison_section
from sim.report.entries import ReportError, load_entries
from sim.report.html import GENERATOR, esc, page
from sim.report.sections import (
    headline_section,
    plot_figures,
    plots_section,
    provenance_section,
    scenarios_section,
)
from sim.run.results import versions


def build_report(
    paths: Sequence[Path],
    calibration_dir: Path | None = Path("calibration"),
    command: str = "sim report",
) -> tuple[str, list[tuple[str, str]]]:
    """Make the report's HTML.

    Args:
        paths: `sim run` results folders; the baseline (if present) is the reference.
        calibration_dir: the folder holding calibrated.yaml and the fit report.
        command: the command line, recorded in the provenance.

    Returns:
        The HTML text and the (name, caption) of every embedded figure.

    Raises:
        ReportError: if a path is not a complete `sim run` results folder.
    """
    entries = load_entries(paths)
    figures = plot_figures(entries)
    index = [(n, c) for n, c, _ in figures]
    parts = [scenarios_section(entries), headline_section(entries), plots_section(figures)]
    for _, _, fig in figures:
        fig.clear()
    sections = [("scenarios", "Scenarios"), ("headline", "Headline"), ("plots", "Plots")]
    if len(entries) > 1:
        html_text, extra = comparison_section(entries)
        parts.append(html_text)
        index += extra
        sections.append(("comparison", "Comparison against the baseline"))
    calibration_html, extra = calibration_section(calibration_dir, entries)
    index += extra
    parts += [calibration_html, provenance_section(entries, command)]
    sections += [("calibration", "Calibration status"), ("provenance", "Provenance")]
    names = ", ".join(e.label for e in entries)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    doc = page(
        title=f"sim report: {names}",
        heading=f"US–China AI race: {names if len(entries) <= 4 else f'{len(entries)} scenarios'}",
        intro=f"Scenario simulator <code>sim</code> {esc(versions()['sim'])}, report made "
        f"{esc(created)}. Monte Carlo ensembles of an agent-based model; every number is a "
        "distribution over runs.",
        sections=sections,
        body="\n".join(parts),
    )
    return doc, index


def check_report_out(out: Path, inputs: Sequence[Path]) -> None:
    """Refuse, before anything is read, an --out that would write onto the report's inputs.

    `out` must be a new file or a report sim wrote (it carries the generator tag), outside every
    input folder, in a folder that can be written.

    Raises:
        ReportError: one line naming --out and the fix.
    """
    if out.is_dir():
        raise ReportError(f"--out {out}: is a folder (fix: give a file name, e.g. --out report.html)")
    where = out.absolute().resolve()
    for folder in inputs:
        folder = Path(folder).absolute().resolve()
        if where == folder or folder in where.parents:
            raise ReportError(
                f"--out {out}: it lies inside the input folder {folder.name}, which the report "
                "reads (fix: write the report elsewhere, e.g. --out report.html)"
            )
    if out.exists():
        try:
            with open(out, "rb") as f:
                head = f.read(4096)
        except OSError as exc:
            raise ReportError(
                f"--out {out}: cannot read: {exc.strerror} (fix: choose another --out)"
            ) from None
        if f"name=generator content={GENERATOR}".encode() not in head:
            raise ReportError(
                f"--out {out}: it is a file sim did not write, and the report would replace it "
                "(fix: name a new file, or a report sim wrote)"
            )
    try:
        check_writable(out)
    except OutputError as exc:
        raise ReportError(str(exc)) from None


def write_report(
    paths: Sequence[Path],
    out: Path,
    calibration_dir: Path | None = Path("calibration"),
    command: str = "sim report",
) -> list[tuple[str, str]]:
    """Build the report and write it atomically to `out` (temporary file, then rename).

    Returns:
        The (name, caption) of every embedded figure.

    Raises:
        ReportError: for bad input or an output path that cannot be written.
    """
    out = Path(out)
    check_report_out(out, paths)
    doc, index = build_report(paths, calibration_dir, command)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(
            f"{out}: cannot write there: {exc.strerror} (fix: choose another --out)"
        ) from None
    try:
        atomic_file(out, lambda tmp: tmp.write_text(doc, encoding="utf-8"))
    except OSError as exc:
        raise ReportError(
            f"{out}: cannot write the report: {exc.strerror or exc} (fix: free "
            "space or choose another --out)"
        ) from None
    return index
