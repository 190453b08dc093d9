"""The report's calibration status: whether the folders ran with the calibrated values, and the fit.

It reads ``calibrated.yaml`` and ``fit_report.json`` as `sim calibrate` writes them
(`sim.calibration.report`) and says plainly when they are absent.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from sim.report.entries import Entry
from sim.report.html import esc, figure_html, num, table_html
from sim.viz.calibration import calibration_targets
from sim.viz.style import title


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as {dotted.path: leaf}."""
    if not isinstance(tree, dict):
        return {prefix: tree}
    out: dict[str, Any] = {}
    for key, value in tree.items():
        out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def same(a: Any, b: Any) -> bool:
    """Equal values, numbers to a relative 1e-9."""
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)), abs(float(b)))
    return a == b


def calibration_differences(scenario: dict[str, Any], calibrated: dict[str, Any]) -> list[str]:
    """List the calibrated values that a results folder's resolved scenario does not use.

    Compares calibrated.yaml's ``world:`` point values and ``uncertainties:`` distributions with
    the scenario that ran; returns one 'path: ran with X, calibrated Y' line per difference.
    """
    ran_world = flatten(scenario.get("world", {}), "world")
    diffs = []
    for path, value in flatten(calibrated.get("world") or {}, "world").items():
        if path not in ran_world or not same(ran_world[path], value):
            diffs.append(f"{path}: ran with {ran_world.get(path, 'nothing')}, calibrated {value}")
    ran_unc = scenario.get("uncertainties") or {}
    for path, dist in (calibrated.get("uncertainties") or {}).items():
        ran = ran_unc.get(path)
        if (
            not isinstance(ran, dict)
            or not isinstance(dist, dict)
            or any(not same(ran.get(k), v) for k, v in dist.items())
        ):
            diffs.append(
                f"{path}: ran with {ran if ran is not None else 'no distribution'}, calibrated {dist}"
            )
    return diffs


def calibration_section(
    calibration_dir: Path | None, entries: Sequence[Entry] = ()
) -> tuple[str, list[tuple[str, str]]]:
    """Whether the baseline is calibrated: the fit report's provenance and every target.

    Reads ``calibrated.yaml`` and ``fit_report.json`` as `sim calibrate` writes them; says
    plainly when they are absent.

    Returns:
        The HTML and the (name, caption) of the figure it embeds, if any.
    """
    out = ["<h2 id=calibration>Calibration status</h2>"]
    folder = Path(calibration_dir) if calibration_dir is not None else None
    calibrated = folder / "calibrated.yaml" if folder is not None else None
    if calibrated is None or not calibrated.exists():
        where = f"<code>{esc(calibrated)}</code>" if calibrated is not None else "(none given)"
        out.append(
            f"<p class=note><b>Not calibrated yet</b>: no calibrated parameter file "
            f"{where}. The scenarios ran with the values and prior ranges written in "
            "their files, not fitted to the calibration targets; run "
            "<code>sim calibrate</code> and re-run the scenarios.</p>"
        )
        return "\n".join(out), []
    out.append(
        f"<p>Calibrated parameters: <code>{esc(calibrated)}</code>, which the "
        "baseline (and every scenario extending it) reads.</p>"
    )
    try:
        cal_data = yaml.safe_load(calibrated.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        cal_data = None
        out.append(f"<p class=note>{esc(calibrated)} cannot be read: {esc(exc)}</p>")
    if isinstance(cal_data, dict) and entries:
        rows = []
        for e in entries:
            diffs = calibration_differences(e.results.scenario, cal_data)
            verdict = (
                "uses these calibrated values"
                if not diffs
                else f"<b>does not use them</b>: {len(diffs)} value(s) differ, e.g. {esc(diffs[0])}"
            )
            rows.append([esc(e.label), verdict])
        out.append(
            "<p>Whether each results folder ran with these calibrated values "
            "(compared with its resolved scenario.yaml):</p>"
            + table_html(["scenario", "calibration used"], rows, left=(0, 1))
        )
    report = read_fit_report(folder / "fit_report.json")
    if report is None:
        out.append(
            f"<p class=note>No readable fit report (<code>"
            f"{esc(folder / 'fit_report.json')}</code>): the error of each target is "
            "not shown.</p>"
        )
        return "\n".join(out), []
    prov = report.get("provenance", {})
    if prov:
        out.append("<ul>" + "".join(f"<li>{esc(k)}: {esc(v)}</li>" for k, v in prov.items()) + "</ul>")
    rows, n_pass = [], 0
    for t in report["targets"]:
        ok = bool(t.get("pass"))
        n_pass += ok
        unit = str(t.get("unit", ""))
        verdict = "pass" if ok else ("FAIL (structural)" if t.get("structural_miss") else "FAIL")
        rows.append(
            [
                esc(t.get("id", "?")),
                esc(t.get("figure", "")),
                esc(t.get("kind", "")),
                f"{num(t['value'])} {esc(unit)}",
                num(t["tolerance"]),
                f"{num(t['model_p50'])}<br><span class=ci>[{num(t['model_p5'])}, "
                f"{num(t['model_p95'])}]</span>",
                f"{float(t.get('error', float('nan'))):+.2f}",
                verdict,
            ]
        )
    out.append(
        f"<p><b>{n_pass} of {len(rows)} targets pass</b> (model median within "
        "tolerance) at the point fit "
        f"({esc(report.get('runs', '?'))} runs, seed {esc(report.get('seed', '?'))}).</p>"
    )
    figures = []
    if report["targets"]:
        name, caption = (
            "calibration_targets",
            ("Every calibration target: (model − target) in units of tolerance; grey where it is met."),
        )
        heading = title(
            "calibrated baseline",
            int(report.get("runs", 0)),
            int(report.get("seed", 0)),
            "Calibration targets",
        )
        out.append(figure_html(calibration_targets(report["targets"], heading), name, caption))
        figures.append((name, caption))
    out.append(
        table_html(
            [
                "target",
                "figure",
                "kind",
                "value",
                "tolerance",
                "model median [5%, 95%]",
                "error [tolerances]",
                "result",
            ],
            rows,
            left=(0, 1, 2),
        )
    )
    return "\n".join(out), figures


def read_fit_report(path: Path) -> dict[str, Any] | None:
    """Read `sim calibrate`'s fit_report.json, or None when it is absent or malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    keys = ("id", "value", "tolerance", "model_p5", "model_p50", "model_p95")
    rows = data.get("targets") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not all(
        isinstance(r, dict) and all(k in r for k in keys) for r in rows
    ):
        return None
    return data
