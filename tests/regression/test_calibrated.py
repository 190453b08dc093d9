"""The calibrated baseline's own numbers: calibration targets met, calibrated.yaml reproducible,
and the H200 cap's direction with the per-run bounds measured on the calibrated posterior.

These move with each recalibration (re-run `sim calibrate`); the mechanisms' directions are tested
on a fixed synthetic world in tests/test_mechanisms.py.
"""

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.analysis.sweep import Axis, sweep
from sim.calibration.fit import (
    PREDICTIVE_RUNS,
    Evaluator,
    evaluate_scenario,
    file_sha256,
    load_priors,
    load_targets,
    load_validation,
)
from sim.calibration.targets import passes

ROOT = Path(__file__).resolve().parents[2]
CAL = ROOT / "calibration"
SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"
REPORT = json.loads((CAL / "fit_report.json").read_text())
CAP = "policy.us.export.h200.cap_units"
YEARS = [f"{y}-12" for y in range(2026, 2031)]


def test_every_target_is_met_by_the_calibrated_baseline():
    """The shipped baseline (posterior draws) meets every fitted target.

    Runs and seed are those of the fit report's "as shipped" column, so this reproduces it.
    """
    targets = load_targets(CAL / "targets.yaml")
    values = evaluate_scenario(BASELINE, targets, runs=PREDICTIVE_RUNS, seed=REPORT["seed"])
    report = []
    for t in targets:
        med = float(np.median(values[t.id]))
        ok = passes(t, med)
        report.append(
            f"{t.id}: median {med:.4g} vs {t.kind} {t.value:g} ± {t.tolerance:g} "
            f"-> {'pass' if ok else 'FAIL'}"
        )
        if t.in_fit:
            assert ok, "\n".join(report)
        else:
            # a structural miss: if it starts passing, drop structural_miss in targets.yaml
            assert not ok, f"{t.id} is now met; remove its structural_miss\n" + "\n".join(report)


def test_calibrated_yaml_is_the_output_of_the_current_inputs():
    """Checksums of targets, priors and baseline match; the fit's numbers reproduce."""
    prov = REPORT["provenance"]
    assert prov["targets_sha256"] == file_sha256(CAL / "targets.yaml"), "re-run sim calibrate"
    assert prov["priors_sha256"] == file_sha256(CAL / "priors.yaml"), "re-run sim calibrate"
    assert prov["baseline_sha256"] == file_sha256(BASELINE), "re-run sim calibrate"
    targets = load_targets(CAL / "targets.yaml")
    priors = load_priors(CAL / "priors.yaml")
    ev = Evaluator(
        BASELINE,
        targets,
        priors,
        runs=REPORT["runs"],
        seed=REPORT["seed"],
        calibrated=CAL / "calibrated.yaml",
    )
    theta = np.array([REPORT["point_fit"][p.path] for p in priors])
    values = ev.values(theta)
    for row in REPORT["targets"]:
        median = float(np.median(values[row["id"]]))
        assert median == pytest.approx(row["model_p50"], rel=1e-6, abs=1e-9), (
            f"{row['id']}: the model changed; re-run sim calibrate"
        )
    assert ev.loss(theta) == pytest.approx(REPORT["loss"], rel=1e-6)
    checks = load_validation(CAL / "targets.yaml")
    if checks and REPORT.get("validation"):
        # held-out figures (never fitted) reproduce at the point fit too
        vev = Evaluator(
            BASELINE,
            checks,
            priors,
            runs=REPORT["runs"],
            seed=REPORT["seed"],
            calibrated=CAL / "calibrated.yaml",
        )
        held_out = vev.values(theta)
        for row in REPORT["validation"]:
            assert float(np.median(held_out[row["id"]])) == pytest.approx(
                row["model_p50"], rel=1e-6, abs=1e-9
            ), f"{row['id']}: the model changed; re-run sim calibrate"
    calibrated = yaml.safe_load((CAL / "calibrated.yaml").read_text())
    assert set(calibrated["uncertainties"]) == {p.path for p in priors}
    rows = set()
    for p in priors:
        dist = calibrated["uncertainties"][p.path]
        if dist["dist"] == "empirical":
            # the joint posterior: one group, row i of every parameter is one accepted draw
            assert dist["group"] == "posterior"
            assert p.low <= min(dist["values"]) <= max(dist["values"]) <= p.high
            rows.add(len(dist["values"]))
        else:
            assert p.low <= dist["low"] <= dist["mode"] <= dist["high"] <= p.high
    assert len(rows) <= 1, "every parameter of the posterior group needs the same rows"


@pytest.fixture(scope="module")
def cap_sweep():
    values = (0.0, 250_000.0, 500_000.0, 890_000.0, 1_500_000.0, 3_000_000.0)
    return sweep(SCENARIOS / "loosen_h200.yaml", [Axis(CAP, values)], runs=200, seed=7)


def test_h200_cap_sweep_is_monotone_in_china_compute_share(cap_sweep):
    """A higher cap never lowers China's median or mean compute share (paired draws: exact).

    Per run the share is not exactly monotone, and this is economics, not noise: labs value a
    chip by a blend of training and serving throughput (the H200 serves better than an Ascend
    but gives fewer training H100e per dollar), and when the annual cap is used up they turn to
    smuggling and to Huawei's stock, which changes their learned fills and budgets. A higher cap
    can so leave a run with slightly fewer training H100e by December. The test bounds how
    often (a minority of runs at each year-end) and by how much (under 10% relative).
    """
    for y in YEARS:
        share = np.array([r.year_end["china_compute_share"][y] for r in cap_sweep.results])
        assert np.all(np.diff(np.median(share, axis=1)) >= 0.0), y
        assert np.all(np.diff(share.mean(axis=1)) >= 0.0), y
        # where the cap binds (0 -> 250k -> 500k) the median rises strictly
        assert np.all(np.diff(np.median(share[:3], axis=1)) > 0.0), y
        relative = np.diff(share, axis=0) / share[:-1]
        falls = np.any(relative < 0.0, axis=0)
        assert falls.mean() <= 0.35, (y, falls.mean())
        # calibrated baseline (issue 3): the posterior draws of inference weight and capital
        # draw widen the per-run swings: falls in at most 7.5% of runs, the worst -27% (2030-12)
        assert relative.min() >= -0.35, (y, relative.min())
