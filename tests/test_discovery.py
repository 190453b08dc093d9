"""Scenario discovery: condition parsing, a planted box, no cases, the command line."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from support import SCENARIOS

from sim import load_results, load_scenario
from sim.analysis.discovery import discover, parse_condition, prim_boxes
from sim.cli import main
from sim.errors import ScenarioError


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_conditions_parse_without_eval():
    c = parse_condition("capability_lag_months@2028-12 <= 0")
    assert (c.ref.outcome, c.ref.year_end, c.op, c.threshold) == (
        "capability_lag_months",
        "2028-12",
        "<=",
        0.0,
    )
    c = parse_condition("  china_compute_share@2030-12>0.1 ")
    assert c.op == ">" and c.threshold == 0.1
    np.testing.assert_array_equal(c.holds(np.array([0.05, 0.1, 0.2])), [False, False, True])
    assert parse_condition("capability_lag_months@2027-12 != 3").holds(
        np.array([3.0, 2.0])
    ).tolist() == [
        False,
        True,
    ]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("capability_lag_months <= 0", "unknown outcome|OUTCOME@YYYY-12"),
        ("capability_lag_months@2028-12 =< 0", "OUTCOME@YYYY-12 OP NUMBER"),
        ("capability_lag_months@2028-12 <= zero", "not a number"),
        ("capability_lag_months@2028-12 <= inf", "finite"),
        ("capability_lag_months@2028-06 <= 0", "not a year-end"),
        ("lag@2028-12 <= 0", "unknown outcome"),
        ("__import__('os').system('true') <= 0", "OUTCOME@YYYY-12"),
        ("", "cannot read"),
    ],
)
def test_bad_conditions_are_refused(text, match):
    with pytest.raises(ScenarioError, match=match):
        parse_condition(text)


def planted(seed=2, n=3000):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.random((n, 5)), columns=[f"x{i}" for i in range(5)])
    inside = (x["x0"] > 0.7) & (x["x2"] < 0.4)
    noise = rng.random(n) < 0.03  # a few cases of interest outside, a few misses inside
    return x, inside, inside.to_numpy() ^ noise


def test_prim_finds_a_planted_box():
    x, inside, y = planted()
    boxes, trajectory = prim_boxes(x, y, max_boxes=1)
    (box,) = boxes
    restricted = box.restricted().set_index("parameter")
    assert set(restricted.index) == {"x0", "x2"}
    assert restricted.loc["x0", "min"] == pytest.approx(0.7, abs=0.04)
    assert restricted.loc["x2", "max"] == pytest.approx(0.4, abs=0.04)
    # the noise puts some cases of interest outside the planted box: no box can cover those
    best = (inside.to_numpy() & y).sum() / y.sum()
    assert box.coverage > 0.9 * best and box.density > 0.9
    # outside the planted box the cases are noise: no second box is denser than the ensemble
    assert len(prim_boxes(x, y, max_boxes=3)[0]) == 1
    assert trajectory["selected"].sum() == 1 and trajectory["coverage"].iloc[0] == 1.0


def test_a_later_box_must_be_denser_than_the_ensemble():
    rng = np.random.default_rng(5)
    x = pd.DataFrame(rng.random((4000, 4)), columns=[f"x{i}" for i in range(4)])
    strong = (x["x0"] > 0.7) & (x["x2"] < 0.4)
    # a weak pocket: 8% of the runs with x1 > 0.8 are cases too, 1% elsewhere
    p_case = np.where(strong, 1.0, np.where(x["x1"] > 0.8, 0.08, 0.01))
    y = rng.random(4000) < p_case
    boxes, _ = prim_boxes(x, y, max_boxes=3)
    assert len(boxes) >= 1 and set(boxes[0].restricted()["parameter"]) == {"x0", "x2"}
    # the pocket beats the leftovers (about 2%) but not the ensemble (about 14%): no box for it
    assert all(b.density > y.mean() for b in boxes)
    assert len(boxes) == 1


def test_the_densest_step_with_enough_coverage_is_selected():
    x, _inside, y = planted()
    _boxes, trajectory = prim_boxes(x, y, max_boxes=1, min_coverage=0.8)
    chosen = trajectory[trajectory["selected"]].iloc[0]
    eligible = trajectory[trajectory["coverage"] >= 0.8]
    assert chosen["coverage"] >= 0.8
    assert chosen["density"] == eligible["density"].max()
    assert chosen["step"] < trajectory["step"].max()  # not simply the last, densest step


def test_no_case_of_interest_is_reported_not_a_crash():
    sc = load_scenario(SCENARIOS / "baseline.yaml", {"run.runs": 30})
    found = discover(sc, parse_condition("capability_lag_months@2028-12 <= -100"), runs=30)
    assert found.n_interest == 0 and found.boxes == []
    assert found.summary_dict()["boxes"] == []


def test_discover_command_writes_boxes_pandas_can_load(tmp_path):
    out = tmp_path / "disc"
    result = invoke(
        "discover",
        SCENARIOS / "baseline.yaml",
        "--where",
        "capability_lag_months@2028-12 <= 10",
        "--runs",
        600,
        "--seed",
        3,
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    assert "Box 1" in result.output and "coverage" in result.output
    body = json.loads((out / "discovery.json").read_text())
    assert body["runs"] == 600 and body["where"]["text"] == "capability_lag_months@2028-12 <= 10"
    assert 0 < body["n_interest"] < 600
    first = body["boxes"][0]
    assert 0 < first["coverage"] <= 1 and first["density"] > body["base_rate"]
    assert any(lim["restricted"] for lim in first["limits"])
    loaded = load_results(out)
    assert set(loaded.tables) == {"boxes", "limits", "trajectory", "runs"}
    runs = loaded.tables["runs"]
    assert runs["interest"].sum() == body["n_interest"]
    assert (runs["capability_lag_months@2028-12"] <= 10).sum() == body["n_interest"]
    assert (out / "trajectory.png").exists()


def test_discover_says_so_when_no_run_qualifies(tmp_path):
    out = tmp_path / "none"
    result = invoke(
        "discover",
        SCENARIOS / "baseline.yaml",
        "--where",
        "capability_lag_months@2028-12 < -50",
        "--runs",
        40,
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    assert "No run has capability_lag_months@2028-12 < -50" in result.output
    assert json.loads((out / "discovery.json").read_text())["n_interest"] == 0


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("capability_lag_months@2028-12 ~ 0", "OUTCOME@YYYY-12 OP NUMBER"),
        ("capability_lag_months@2040-12 <= 0", "outside"),
        ("lag_months@2028-12 <= 0", "unknown outcome"),
    ],
)
def test_bad_where_exits_2_without_a_folder(tmp_path, where, expected):
    out = tmp_path / "never"
    result = invoke(
        "discover", SCENARIOS / "baseline.yaml", "--where", where, "--runs", 10, "--out", out
    )
    assert result.exit_code == 2, result.output
    assert expected in result.output and "Traceback" not in result.output
    assert not out.exists()
