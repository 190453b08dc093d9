"""Calibration machinery of model v2: growth targets, the joint posterior, held-out validation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.calibration.fit import calibrate, load_targets, load_validation
from sim.calibration.posterior import Posterior, empirical_posterior, posterior_rows
from sim.calibration.tables import share_meeting
from sim.calibration.targets import Quantity, Target, evaluate_quantity
from sim.errors import ScenarioError
from sim.scenario import month_index, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
CAL = ROOT / "calibration"
BASELINE = ROOT / "scenarios" / "baseline.yaml"


# --------------------------------------------------------------------------- op: growth


def _series(x: np.ndarray, start: str = "2025-01") -> dict[str, np.ndarray]:
    return {"us_ai_power_gw": x, "_start": np.array(month_index(start))}


def test_growth_is_the_annualised_ratio_per_run():
    months = np.arange(25)[:, None]
    # run 0 grows 4x a year, run 1 halves a year, run 2 is flat
    x = np.hstack([3.0 * 4.0 ** (months / 12), 5.0 * 0.5 ** (months / 12), np.full((25, 1), 2.0)])
    q = Quantity.model_validate(
        {"series": "us_ai_power_gw", "op": "growth", "from": "2025-07", "to": "2026-12"}
    )
    sc = scenario_from_dict({"name": "t"})
    got = evaluate_quantity(q, _series(x), None, sc)
    np.testing.assert_allclose(got, [4.0, 0.5, 1.0], rtol=1e-12)
    # a growth over one month is that month's ratio to the twelfth power
    one = Quantity.model_validate(
        {"series": "us_ai_power_gw", "op": "growth", "from": "2025-01", "to": "2025-02"}
    )
    np.testing.assert_allclose(evaluate_quantity(one, _series(x), None, sc), [4.0, 0.5, 1.0])


def test_growth_of_a_non_positive_series_is_a_clear_error():
    x = np.ones((13, 3))
    x[0, 1] = 0.0
    q = Quantity.model_validate(
        {"series": "us_ai_power_gw", "op": "growth", "from": "2025-01", "to": "2026-01"}
    )
    with pytest.raises(ScenarioError, match="1 of 3 runs"):
        evaluate_quantity(q, _series(x), None, scenario_from_dict({"name": "t"}))


def test_growth_needs_two_different_months():
    with pytest.raises(ValueError, match="to: after from:"):
        Quantity.model_validate(
            {"series": "us_ai_power_gw", "op": "growth", "from": "2025-03", "to": "2025-03"}
        )
    with pytest.raises(ValueError, match="needs from: and to:"):
        Quantity.model_validate({"series": "us_ai_power_gw", "op": "growth", "month": "2025-03"})


def test_share_meeting_counts_runs_within_tolerance():
    t = Target.model_validate(
        {
            "id": "P22-test",
            "document": "d",
            "figure": "f",
            "date": "2025",
            "kind": "point",
            "value": 4.5,
            "tolerance": 0.5,
            "unit": "x/year",
            "why_tolerance": "w",
            "quantity": {"series": "us_ai_power_gw", "op": "growth", "from": "2025-01", "to": "2026-01"},
        }
    )
    assert share_meeting(t, np.array([4.0, 4.5, 5.0, 5.6, 1.0])) == pytest.approx(0.6)


# --------------------------------------------------------------------------- joint posterior


def _posterior(n: int, weights: np.ndarray | None = None) -> Posterior:
    rows = np.arange(n, dtype=float)
    w = np.ones(n) if weights is None else np.asarray(weights, float)
    return Posterior(
        samples={"world.a": rows, "world.b": 100.0 + rows},
        weights=w / w.sum(),
        order=np.arange(n),
        n_drawn=10 * n,
        n_within=n,
        rule="test",
    )


def test_posterior_rows_are_whole_particles_at_most_max_rows_and_deterministic():
    post = _posterior(1000)
    rows = posterior_rows(post, seed=7, max_rows=400)
    assert len(rows["world.a"]) == 400
    np.testing.assert_array_equal(rows["world.b"], 100.0 + rows["world.a"])  # rows stay joint
    again = posterior_rows(post, seed=7, max_rows=400)
    np.testing.assert_array_equal(again["world.a"], rows["world.a"])
    # the seed sets the resampling offset: some seed picks other particles
    others = [posterior_rows(post, seed=s, max_rows=400)["world.a"] for s in range(8, 16)]
    assert any(not np.array_equal(o, rows["world.a"]) for o in others)
    # fewer accepted draws than max_rows: as many rows as draws
    assert len(posterior_rows(_posterior(50), seed=7)["world.a"]) == 50


def test_posterior_rows_follow_the_importance_weights():
    w = np.ones(200)
    w[17] = 200.0  # half the weight on one particle
    rows = posterior_rows(_posterior(200, w), seed=3, max_rows=100)
    assert np.sum(rows["world.a"] == 17.0) == pytest.approx(50, abs=1)


def test_empirical_posterior_is_one_valid_group_of_rounded_values():
    rows = {
        "world.huawei.wafers_2025": np.array([1234.5678, 999.0]),
        "world.us.ai_power_build_gw": np.array([0.123456, 0.5]),
    }
    dists = empirical_posterior(rows)
    assert dists["world.huawei.wafers_2025"] == {
        "dist": "empirical",
        "values": [1235.0, 999.0],
        "group": "posterior",
    }
    assert dists["world.us.ai_power_build_gw"]["values"] == [0.1235, 0.5]
    sc = scenario_from_dict({"name": "t", "uncertainties": dists})
    assert sc.uncertainties["world.huawei.wafers_2025"].group == "posterior"


# --------------------------------------------------------------------------- validation: section


def _targets_file(tmp_path: Path, validation: list[dict] | None) -> Path:
    data = yaml.safe_load((CAL / "targets.yaml").read_text())
    if validation is None:
        data.pop("validation", None)
    else:
        data["validation"] = validation
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _check(**change) -> dict:
    entry = yaml.safe_load((CAL / "targets.yaml").read_text())["validation"][0]
    entry.update(change)
    return entry


def test_the_shipped_targets_file_has_a_validation_section():
    checks = load_validation(CAL / "targets.yaml")
    assert checks and {c.id for c in checks}.isdisjoint(
        {t.id for t in load_targets(CAL / "targets.yaml")}
    )
    assert all(c.source for c in checks)


@pytest.mark.parametrize(
    ("entry", "field", "words"),
    [
        (_check(id="S1"), "validation[0].id", "duplicate id 'S1'"),
        ({k: v for k, v in _check().items() if k != "source"}, "validation[0].source", "Field required"),
        (_check(tolerance=0), "validation[0].tolerance", "greater than 0"),
    ],
)
def test_bad_validation_entries_name_file_field_and_fix(tmp_path, entry, field, words):
    path = _targets_file(tmp_path, [entry])
    with pytest.raises(ScenarioError) as info:
        load_validation(path)
    text = str(info.value)
    assert str(path) in text and field in text and words in text and "fix:" in text


def test_no_validation_section_is_allowed(tmp_path):
    assert load_validation(_targets_file(tmp_path, None)) == []


def _small(targets: Path, tmp_path: Path):
    return calibrate(
        targets,
        CAL / "priors.yaml",
        BASELINE,
        tmp_path / "calibrated.yaml",
        runs=10,
        abc_runs=120,
        max_evals=2,
    )


def test_validation_never_enters_the_fit(tmp_path):
    """The point fit, the loss and the posterior are the same bits with or without validation:,
    even when a held-out figure is far from the model (it would pull any fit that saw it)."""
    far = _check(id="P99", value=1000.0, tolerance=0.1)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with_checks = _small(_targets_file(tmp_path / "a", [_check(), far]), tmp_path / "a")
    without = _small(_targets_file(tmp_path / "b", None), tmp_path / "b")
    assert [c.id for c in with_checks.checks] == ["P20", "P99"] and not without.checks
    np.testing.assert_array_equal(with_checks.fit.theta, without.fit.theta)
    assert with_checks.fit.loss == without.fit.loss
    for path, x in without.posterior.samples.items():
        np.testing.assert_array_equal(with_checks.posterior.samples[path], x)
    assert with_checks.shipped == without.shipped
    for t in without.targets:
        np.testing.assert_array_equal(with_checks.predictive[t.id], without.predictive[t.id])
    assert {"P20", "P99"} <= set(with_checks.check_values)
    assert len(with_checks.check_predictive["P99"]) == len(with_checks.predictive["S1"])


def test_calibrate_writes_a_joint_posterior_and_reports_growth_and_validation(tmp_path):
    """End to end: a P-id growth target is fitted and reported, validation is reported, and the
    baseline extending the written calibrated.yaml draws whole accepted particles per run."""
    from click.testing import CliRunner

    from sim import load_scenario
    from sim.cli import main
    from sim.model import RaceModel

    data = yaml.safe_load((CAL / "targets.yaml").read_text())
    data["targets"].append(
        {
            "id": "P22-test",
            "document": "PRIORS.md",
            "figure": "test: growth of OpenAI's energised power over 2026",
            "date": "2026",
            "quantity": {
                "series": "openai_power_gw",
                "op": "growth",
                "from": "2026-01",
                "to": "2026-12",
            },
            "kind": "point",
            "value": 2.0,
            "tolerance": 1.5,
            "unit": "x/year",
            "why_tolerance": "a test",
        }
    )
    targets = tmp_path / "targets.yaml"
    targets.write_text(yaml.safe_dump(data, sort_keys=False))
    (tmp_path / "scenarios").mkdir()
    baseline = tmp_path / "scenarios" / "baseline.yaml"
    baseline.write_text(BASELINE.read_text())
    out = tmp_path / "calibration"
    args = ["calibrate", "--baseline", str(baseline), "--out", str(out), "--targets", str(targets)]
    args += ["--priors", str(CAL / "priors.yaml"), "--runs", "10", "--abc-runs", "200"]
    result = CliRunner().invoke(main, [*args, "--max-evals", "2"])
    assert result.exit_code == 0, result.output

    report = json.loads((out / "fit_report.json").read_text())
    rows = {r["id"]: r for r in report["targets"]}
    assert "P22-test" in rows and rows["P22-test"]["model_p50"] > 0
    for r in [*report["targets"], *report["validation"]]:
        assert 0.0 <= r["shipped_share_pass"] <= 1.0, r["id"]
    assert rows["S8"]["shipped_share_pass"] == 1.0  # a catalogue check holds in every run
    assert [r["id"] for r in report["validation"]] == ["P20", "P21", "P39-us", "P39-china"]
    assert report["validation"][0]["in_fit"] is False and report["validation"][0]["source"]
    md = (out / "fit_report.md").read_text()
    assert "## Validation (held out of the fit)" in md and "| P20: " in md and "| P22-test: " in md
    assert "runs meeting it" in md

    calibrated = yaml.safe_load((out / "calibrated.yaml").read_text())
    unc = calibrated["uncertainties"]
    sizes = {len(d["values"]) for d in unc.values()}
    assert all(d["dist"] == "empirical" and d["group"] == "posterior" for d in unc.values())
    assert len(sizes) == 1 and 0 < sizes.pop() <= 400
    assert report["posterior"]["rows"] == len(next(iter(unc.values()))["values"])
    text = (out / "calibrated.yaml").read_text()
    assert all(
        f"{path}:\n    dist: empirical\n    group: posterior\n    values: [" in text for path in unc
    )

    sc = load_scenario(baseline)
    draws = RaceModel(sc, run_start=0, n_runs=50, seed=4).draws
    paths = list(unc)
    table = {tuple(row) for row in zip(*(unc[p]["values"] for p in paths), strict=True)}
    for i in range(50):
        assert tuple(float(draws[p][i]) for p in paths) in table, f"run {i} mixes particles"
