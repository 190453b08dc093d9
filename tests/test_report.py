"""`sim report`: a self-contained HTML file that renders in headless Chromium without errors."""

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from matplotlib.figure import Figure

from sim import load_scenario, run_ensemble, write_run_results
from sim.cli import main

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
RUNS, SEED = 40, 11

#: injected into a copy of the page, first thing in <head>: records window errors, failed
#: images and console.error calls, and after `load` writes what it found into the DOM. An image
#: counts as loaded when it decoded completely (drawn to a canvas, its last row is opaque).
PROBE = """<script>
window.__simErrors = [];
window.addEventListener('error', function (e) {
  var t = e.target;
  if (t && t.tagName === 'IMG') { window.__simErrors.push('image failed: ' + t.alt); }
  else { window.__simErrors.push('error: ' + e.message); }
}, true);
window.addEventListener('unhandledrejection', function (e) {
  window.__simErrors.push('rejection: ' + e.reason);
});
var __simConsoleError = console.error;
console.error = function () {
  window.__simErrors.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
  __simConsoleError.apply(console, arguments);
};
function __simDecoded(i) {
  // a truncated PNG still reports its size; its missing rows stay transparent, and every plot
  // is opaque, so the bottom row must be fully opaque once drawn
  if (!(i.complete && i.naturalWidth > 0 && i.naturalHeight > 0)) { return false; }
  var c = document.createElement('canvas');
  c.width = i.naturalWidth;
  c.height = i.naturalHeight;
  var g = c.getContext('2d');
  g.drawImage(i, 0, 0);
  var px = g.getImageData(0, c.height - 1, c.width, 1).data;
  for (var k = 3; k < px.length; k += 4) { if (px[k] !== 255) { return false; } }
  return true;
}
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var broken = imgs.filter(function (i) { return !__simDecoded(i); })
                   .map(function (i) { return i.alt; });
  var m = document.createElement('pre');
  m.id = 'sim-check';
  m.textContent = JSON.stringify({images: imgs.length, broken: broken,
                                  errors: window.__simErrors});
  document.body.appendChild(m);
});
</script>"""


#: a report sim wrote earlier (it carries the generator tag, so `sim report --out` may replace it)
OLD_REPORT = "<!DOCTYPE html><meta name=generator content=sim-report> old report"


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        # CI (.ci/run) installs Chromium and sets SIM_REQUIRE_CHROMIUM=1, so there the render
        # test can never be skipped; on a laptop without Chromium it is skipped with the fix.
        if os.environ.get("SIM_REQUIRE_CHROMIUM") == "1":
            pytest.fail("Debian's chromium is needed to render the report: apt-get install -y chromium")
        pytest.skip("chromium is not installed (apt-get install -y chromium to run this test)")
    return path


def render(page: Path) -> dict:
    """Open a copy of `page` with the probe in headless Chromium; return what the probe saw
    and every console message Chromium logged."""
    text = page.read_text(encoding="utf-8")
    probed = page.with_name(page.stem + ".probe.html")
    head = re.search(r"<head[^>]*>", text)
    assert head is not None, "the page has no <head>"
    probed.write_text(text[: head.end()] + PROBE + text[head.end() :], encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="sim-chromium-") as profile:
        proc = subprocess.run(
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                probed.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = re.search(r'<pre id="sim-check">(.*?)</pre>', proc.stdout, re.S)
    assert found is not None, "the probe did not run:\n" + proc.stdout[-2000:]
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    result["console"] = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return result


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Results folders of three shipped scenarios on the same draws, and one on another seed."""
    root = tmp_path_factory.mktemp("results")
    out = {}
    for name, seed in (
        ("baseline", SEED),
        ("loosen_h200", SEED),
        ("tighten_full_ban", SEED),
        ("stargate_shortfall", SEED + 1),
    ):
        sc = load_scenario(SCENARIOS / f"{name}.yaml", {"run.runs": RUNS, "run.seed": seed})
        key = name if seed == SEED else f"{name}-other-seed"
        out[key] = write_run_results(run_ensemble(sc), root / key)
    return out


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def report(folders, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    result = invoke(
        "report",
        folders["baseline"],
        folders["loosen_h200"],
        folders["tighten_full_ban"],
        folders["stargate_shortfall-other-seed"],
        "--out",
        out,
        "--calibration",
        out.parent / "no-calibration-here",
    )
    assert result.exit_code == 0, result.output
    return out


def test_report_renders_in_chromium_with_every_image_loaded(report):
    seen = render(report)
    # 5 plots across scenarios + 2 paired-effect forests (lag, compute share)
    assert seen["images"] == 7
    assert seen["broken"] == []
    assert seen["errors"] == []
    assert seen["console"] == []


def test_the_browser_check_catches_broken_and_truncated_images_and_script_errors(tmp_path):
    buf = io.BytesIO()
    fig = Figure(figsize=(3, 2))
    fig.add_subplot().plot([0, 1], [1, 0])
    fig.savefig(buf, format="png")
    png = base64.b64encode(buf.getvalue()).decode()
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset=utf-8></head><body>"
        f'<img src="data:image/png;base64,{png}" alt="whole">'
        '<img src="data:image/png;base64,AAAA" alt="broken one">'
        f'<img src="data:image/png;base64,{png[: len(png) // 2]}" alt="truncated">'
        '<script>throw new Error("boom")</script></body></html>',
        encoding="utf-8",
    )
    seen = render(page)
    assert seen["images"] == 3
    assert seen["broken"] == ["broken one", "truncated"]
    assert any("boom" in e for e in seen["errors"])
    assert any("boom" in line for line in seen["console"])


def test_report_is_self_contained(report):
    text = report.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|file:)""", text)
    assert "<script" not in text and "<link" not in text and "@import" not in text
    assert len(re.findall(r'<img src="data:image/png;base64,', text)) == 7


def test_report_holds_descriptions_headline_comparison_calibration_and_provenance(report):
    text = report.read_text(encoding="utf-8")
    for name in ("baseline", "loosen_h200", "tighten_full_ban", "stargate_shortfall"):
        desc = load_scenario(SCENARIOS / f"{name}.yaml").description
        assert desc.split(":")[0][:40] in text.replace("&#x27;", "'")
    for section in (
        "Headline",
        "Plots",
        "Comparison against the baseline",
        "Calibration status",
        "Provenance",
    ):
        assert f">{section}</h2>" in text
    assert "capability_lag_months [months]" in text
    # no run reaches parity here: the headline shows P(lag ≤ 3 months) instead of P(parity)
    assert "P(lag ≤ 3 months, end)" in text and "P(parity by end)" not in text
    assert "Paired effect on capability_lag_months" in text
    assert "Not calibrated yet" in text
    assert f"{RUNS} runs, seed {SEED}" in text
    # the other-seed folder is compared by medians only, and told how to pair it
    assert "Not paired" in text and f"--runs {RUNS} --seed {SEED}" in text


def test_paired_table_matches_per_run_differences(folders, report):
    import pandas as pd

    a = pd.read_parquet(folders["baseline"] / "runs.parquet")
    b = pd.read_parquet(folders["loosen_h200"] / "runs.parquet")
    d = (b["capability_lag_months@2030-12"] - a["capability_lag_months@2030-12"]).median()
    text = report.read_text(encoding="utf-8")
    row = re.search(r"<td class=l>loosen_h200</td><td>2030-12</td><td>([^<]+)</td>", text)
    assert row is not None
    from sim.report import signed

    assert row.group(1) == signed(float(d), "capability_lag_months")


def test_single_calibrated_report_has_the_run_plots_and_the_fit(folders, tmp_path):
    cal = tmp_path / "calibration"
    cal.mkdir()
    # the values the shipped baseline already holds: the folder counts as calibrated
    (cal / "calibrated.yaml").write_text(
        "world: {science: {utilisation: 0.4}}\nuncertainties:\n  world.huawei.yield_max: "
        "{dist: uniform, low: 0.45, high: 0.75}\n"
    )
    # the layout `sim calibrate` writes (sim.calibration.report.report_json)
    (cal / "fit_report.json").write_text(
        json.dumps(
            {
                "provenance": {"created_utc": "2026-11-23T00:00:00+00:00", "fit": "L-BFGS-B, loss 3.2"},
                "runs": 64,
                "seed": 3,
                "loss": 3.2,
                "point_fit": {},
                "targets": [
                    {
                        "id": "S1",
                        "figure": "lag 7 months",
                        "kind": "point",
                        "value": 7.0,
                        "tolerance": 1.5,
                        "unit": "months",
                        "model_p5": 5.9,
                        "model_p50": 7.4,
                        "model_p95": 8.9,
                        "error": 0.27,
                        "pass": True,
                        "structural_miss": None,
                    },
                    {
                        "id": "S21",
                        "figure": "Colossus 100,000 GPUs",
                        "kind": "lower",
                        "value": 100000,
                        "tolerance": 10000,
                        "unit": "chips",
                        "model_p5": 34096,
                        "model_p50": 41897,
                        "model_p95": 51693,
                        "error": -5.81,
                        "pass": False,
                        "structural_miss": "no off-grid power option",
                    },
                ],
                "target_definitions": [],
            }
        )
    )
    out = tmp_path / "one.html"
    assert invoke("report", folders["loosen_h200"], "--out", out, "--calibration", cal).exit_code == 0
    text = out.read_text(encoding="utf-8")
    for fig in (
        "lag_fan",
        "compute_share_fan",
        "lag_distribution",
        "china_compute_sources",
    ):
        assert f'id="fig-{fig}"' in text
    # P(parity) only when a run reaches it, else P(lag <= N months) in each December
    assert ('id="fig-parity_probability"' in text) != ('id="fig-lag_within_probability"' in text)
    assert "width: 100%" in text
    assert "Comparison against the baseline" not in text
    assert "1 of 2 targets pass" in text and "Not calibrated yet" not in text
    assert "64 runs, seed 3" in text and "L-BFGS-B, loss 3.2" in text
    assert "FAIL (structural)" in text and 'id="fig-calibration_targets"' in text
    assert "uses these calibrated values" in text


def test_calibration_differences_name_the_values_a_run_did_not_use(folders):
    from sim.report import calibration_differences, load_entries

    scenario = load_entries([folders["baseline"]])[0].results.scenario
    # values the shipped baseline holds (a certain world value and a declared uncertainty)
    calibrated = {
        "world": {"science": {"utilisation": 0.4}},
        "uncertainties": {"world.huawei.yield_max": {"dist": "uniform", "low": 0.45, "high": 0.75}},
    }
    assert calibration_differences(scenario, calibrated) == []
    calibrated["world"]["science"]["utilisation"] = 0.5
    calibrated["uncertainties"]["world.huawei.yield_max"]["high"] = 0.7
    calibrated["uncertainties"]["world.nvidia.price_response"] = {
        "dist": "uniform",
        "low": 0.05,
        "high": 0.1,
    }
    diffs = calibration_differences(scenario, calibrated)
    assert len(diffs) == 3
    assert diffs[0].startswith("world.science.utilisation: ran with 0.4, calibrated 0.5")


def bad_input(tmp_path, kind):
    bad = tmp_path / "bad"
    if kind == "file":
        bad.write_text("not a folder")
    elif kind == "empty":
        bad.mkdir()
    elif kind == "compare":
        bad.mkdir()
        (bad / "comparison.json").write_text("{}")
    elif kind == "no-runs-table":
        bad.mkdir()
        (bad / "summary.json").write_text(
            json.dumps(
                {
                    k: 0
                    for k in (
                        "scenario",
                        "runs",
                        "seed",
                        "sim_version",
                        "scenario_sha256",
                        "outcomes",
                        "probabilities",
                    )
                }
            )
        )
    return bad


@pytest.mark.parametrize("kind", ["missing", "file", "empty", "compare", "no-runs-table"])
def test_bad_input_exits_2_with_a_message_and_leaves_the_old_report(folders, tmp_path, kind):
    bad = bad_input(tmp_path, kind)
    out = tmp_path / "report.html"
    out.write_text(OLD_REPORT)
    result = CliRunner().invoke(main, ["report", str(folders["baseline"]), str(bad), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert str(bad) in result.output and "fix:" in result.output
    assert out.read_text() == OLD_REPORT
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_bad_input_from_the_shell_prints_no_traceback(tmp_path):
    bad = tmp_path / "nothing-here"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "report", str(bad), "--out", str(tmp_path / "r.html")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "no such folder" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "r.html").exists()


def test_a_failed_write_leaves_the_old_report_and_no_partial_file(folders, tmp_path, monkeypatch):
    import sim.atomic

    def fail(*_args):
        raise OSError(28, "No space left on device")

    out = tmp_path / "report.html"
    out.write_text(OLD_REPORT)
    monkeypatch.setattr(sim.atomic.os, "replace", fail)
    result = CliRunner().invoke(main, ["report", str(folders["baseline"]), "--out", str(out)])
    assert result.exit_code == 2
    assert "No space left on device" in result.output
    assert out.read_text() == OLD_REPORT
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_comparison_says_the_paired_effects_in_words(report):
    text = report.read_text(encoding="utf-8")
    assert "<h3>In words</h3>" in text
    said = r"<li>loosen_h200 shortens China&#x27;s lag in 20\d\d-12 by [^<]+China gets closer"
    assert re.search(said, text)
