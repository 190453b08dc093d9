"""`sim report`: one self-contained HTML file from one or more `sim run` results folders.

The file opens in a browser without a server and can be sent by e-mail: images are PNGs embedded
as base64 data URIs, the style sheet is inline, and there is no script and no external resource.
Sections, in order: the scenarios and their descriptions, the headline table, the plots, the
comparison against the baseline (when several folders are given), the calibration status and
the provenance of every number.

Modules, by section:

- `entries`: the results folders read and checked (`ReportError` says what is wrong);
- `html`: the page skeleton, style sheet, escaping, numbers (`sim.fmt.fmt`), tables, images;
- `sections`: scenarios, headline, plots, provenance;
- `comparison`: paired effects against the baseline, or medians when the runs are not paired;
- `calibration`: whether the folders ran with the calibrated values, and the fit;
- `build`: the page assembled (`build_report`) and written atomically (`write_report`).
"""

from __future__ import annotations

from sim.report.build import build_report, write_report
from sim.report.calibration import calibration_differences, calibration_section, read_fit_report
from sim.report.comparison import COMPARED, comparison_section
from sim.report.entries import REFERENCE, Entry, ReportError, load_entries, read_folder, reference_of
from sim.report.html import esc, number, signed

__all__ = [
    "COMPARED",
    "REFERENCE",
    "Entry",
    "ReportError",
    "build_report",
    "calibration_differences",
    "calibration_section",
    "comparison_section",
    "esc",
    "load_entries",
    "number",
    "read_fit_report",
    "read_folder",
    "reference_of",
    "signed",
    "write_report",
]
