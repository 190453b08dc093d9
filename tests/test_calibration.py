"""Calibration: targets met by the calibrated baseline, calibrated.yaml up to date, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.calibration.fit import (
    Evaluator,
    abc_posterior,
    file_sha256,
    load_priors,
    load_targets,
    triangular_summary,
)
from sim.calibration.targets import Target, normalised_error, passes
from sim.errors import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
CAL = ROOT / "calibration"
BASELINE = ROOT / "scenarios" / "baseline.yaml"
REPORT = json.loads((CAL / "fit_report.json").read_text())


def _target(kind: str, value: float = 10.0, tolerance: float = 2.0) -> Target:
    return Target.model_validate(
        {
            "id": "T",
            "document": "d",
            "figure": "f",
            "date": "2025",
            "kind": kind,
            "value": value,
            "tolerance": tolerance,
            "unit": "u",
            "why_tolerance": "w",
            "quantity": {"series": "us_ai_power_gw", "op": "at", "month": "2025-06"},
        }
    )


def test_normalised_error_by_kind():
    assert normalised_error(_target("point"), 13.0) == pytest.approx(1.5)
    assert normalised_error(_target("lower"), 13.0) == 0.0
    assert normalised_error(_target("lower"), 7.0) == pytest.approx(-1.5)
    assert normalised_error(_target("upper"), 7.0) == 0.0
    assert normalised_error(_target("upper"), 11.0) == pytest.approx(0.5)
    assert passes(_target("point"), 11.9) and not passes(_target("point"), 12.1)


def test_loss_is_a_deterministic_function_of_the_parameters():
    """Common random numbers: the same point gives the same loss; another point another."""
    targets = load_targets(CAL / "targets.yaml")
    priors = load_priors(CAL / "priors.yaml")
    ev = Evaluator(BASELINE, targets, priors, runs=20, seed=3, calibrated=CAL / "calibrated.yaml")
    theta = np.array([REPORT["point_fit"][p.path] for p in priors])
    assert ev.loss(theta) == ev.loss(theta.copy())
    moved = theta.copy()
    moved[0] = priors[0].low
    assert ev.loss(moved) != ev.loss(theta)


def test_abc_keeps_draws_nearer_the_targets_than_the_prior():
    targets = load_targets(CAL / "targets.yaml")
    priors = load_priors(CAL / "priors.yaml")
    ev = Evaluator(BASELINE, targets, priors, runs=20, seed=5, calibrated=CAL / "calibrated.yaml")
    post = abc_posterior(ev, runs=400, min_accepted=40)
    assert all(len(v) >= 40 for v in post.samples.values())
    # the wafer count is pinned by S3: accepted draws are narrower than the uniform prior
    wafers = next(p for p in priors if p.path == "world.huawei.wafers_2025")
    x = post.samples[wafers.path]
    assert np.std(x) < (wafers.high - wafers.low) / np.sqrt(12)
    tri = triangular_summary(x, wafers.low, wafers.high)
    assert wafers.low <= tri["low"] <= tri["mode"] <= tri["high"] <= wafers.high


def test_free_parameter_declared_twice_is_refused(tmp_path):
    raw = yaml.safe_load(BASELINE.read_text())
    raw.pop("extends")
    raw["uncertainties"]["world.huawei.wafers_2025"] = {"dist": "uniform", "low": 1, "high": 2}
    path = tmp_path / "baseline.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ScenarioError, match="world.huawei.wafers_2025"):
        Evaluator(path, load_targets(CAL / "targets.yaml"), load_priors(CAL / "priors.yaml"))


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda t: t.pop("tolerance"), "targets[0].tolerance"),
        (lambda t: t["quantity"].update(series="no_such_series"), "targets[0].quantity"),
        (lambda t: t.update(kind="about"), "targets[0].kind"),
    ],
)
def test_bad_targets_file_names_file_field_and_fix(tmp_path, edit, field):
    data = yaml.safe_load((CAL / "targets.yaml").read_text())
    edit(data["targets"][0])
    bad = tmp_path / "targets.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError) as info:
        load_targets(bad)
    assert field in str(info.value) and "fix:" in str(info.value) and str(bad) in str(info.value)


def test_sim_calibrate_bad_input_exits_2_and_writes_nothing(tmp_path):
    bad = tmp_path / "priors.yaml"
    bad.write_text(
        "parameters:\n  world.huawei.wafers_2025: {low: 5, high: 1, unit: x, targets: [S3], reason: r}\n"
    )
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "calibrate", "--priors", str(bad), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "priors.yaml" in proc.stderr and "world.huawei.wafers_2025" in proc.stderr
    assert not out.exists()


def test_sim_calibrate_end_to_end_on_a_small_budget(tmp_path):
    """The command writes every output, and the baseline can extend what it wrote."""
    from click.testing import CliRunner

    from sim import load_scenario
    from sim.cli import main

    (tmp_path / "scenarios").mkdir()
    baseline = tmp_path / "scenarios" / "baseline.yaml"
    baseline.write_text(BASELINE.read_text())
    out = tmp_path / "calibration"
    result = CliRunner().invoke(
        main,
        [
            "calibrate",
            "--baseline",
            str(baseline),
            "--out",
            str(out),
            "--runs",
            "10",
            "--abc-runs",
            "200",
            "--max-evals",
            "3",
            "--targets",
            str(CAL / "targets.yaml"),
            "--priors",
            str(CAL / "priors.yaml"),
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("calibrated.yaml", "fit_report.md", "fit_report.json", "fit.png"):
        assert (out / name).stat().st_size > 0, name
    report = json.loads((out / "fit_report.json").read_text())
    assert report["provenance"]["targets_sha256"] == file_sha256(CAL / "targets.yaml")
    assert [r["id"] for r in report["targets"]] == [t.id for t in load_targets(CAL / "targets.yaml")]
    sc = load_scenario(baseline)
    priors = load_priors(CAL / "priors.yaml")
    assert {p.path for p in priors} <= set(sc.uncertainties)
    assert sc.world.huawei.wafers_2025 == pytest.approx(report["point_fit"]["world.huawei.wafers_2025"])


def test_evaluations_on_a_process_pool_are_the_same_bits():
    """`sim calibrate --backend processes`: chunked evaluations equal the in-process ones."""
    from sim.run.backends import make_backend

    targets = load_targets(CAL / "targets.yaml")
    priors = load_priors(CAL / "priors.yaml")
    local = Evaluator(BASELINE, targets, priors, runs=12, seed=5, calibrated=CAL / "calibrated.yaml")
    expected = local.per_run(None, 12)
    with make_backend("processes", workers=2) as pool:
        pooled = Evaluator(
            BASELINE, targets, priors, runs=12, seed=5, calibrated=CAL / "calibrated.yaml", backend=pool
        )
        got = pooled.per_run(None, 12)
    for t in targets:
        np.testing.assert_array_equal(got[t.id], expected[t.id], err_msg=t.id)
    for path, values in expected["_params"].items():
        np.testing.assert_array_equal(got["_params"][path], values)
