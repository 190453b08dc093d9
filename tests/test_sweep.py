"""Parameter sweeps: parsing, common random numbers, the command line.

The H200 cap's direction on the calibrated baseline: tests/regression/test_calibrated.py.
"""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from support import SCENARIOS

from sim import load_results
from sim.analysis.sweep import Axis, build_points, parse_axes, parse_range, parse_values, sweep
from sim.cli import main
from sim.errors import ScenarioError

CAP = "policy.us.export.h200.cap_units"
YEARS = [f"{y}-12" for y in range(2026, 2031)]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


# --------------------------------------------------------------------------- parsing


def test_values_and_range_parse_to_numbers():
    assert parse_values("0, 250000,8.9e5") == (0.0, 250000.0, 890000.0)
    assert parse_range("0:2000000:5") == (0.0, 500000.0, 1000000.0, 1500000.0, 2000000.0)


@pytest.mark.parametrize(
    ("text", "parser", "match"),
    [
        ("0,abc", parse_values, "not a number"),
        ("1,,2", parse_values, "cannot read"),
        ("1,1", parse_values, "repeats"),
        ("1,nan", parse_values, "not a finite number"),
        ("0:10", parse_range, "lo:hi:n"),
        ("0:10:x", parse_range, "not a whole number"),
        ("0:10:1", parse_range, "at least 2"),
        ("5:5:3", parse_range, "two different ends"),
    ],
)
def test_bad_values_are_refused(text, parser, match):
    with pytest.raises(ScenarioError, match=match):
        parser(text)


def test_axes_inline_or_from_options():
    (a,) = parse_axes([CAP], values="0,1")
    assert a == Axis(CAP, (0.0, 1.0))
    a, b = parse_axes([f"{CAP}=0:2:3", "world.science.distill_rate=0.03,0.1"])
    assert a.values == (0.0, 1.0, 2.0) and b.path == "world.science.distill_rate"
    a, b = parse_axes([CAP, "world.science.distill_rate=0.03,0.1"], range_="0:1:2")
    assert a.values == (0.0, 1.0) and b.values == (0.03, 0.1)


@pytest.mark.parametrize(
    ("params", "values", "range_", "match"),
    [
        ((), "1,2", None, "no parameter"),
        ((CAP,), None, None, "no values"),
        ((CAP,), "1,2", "0:1:2", "both"),
        ((CAP, "world.science.distill_rate"), "1,2", None, "two --param without values"),
        ((f"{CAP}=1,2",), "1,2", None, "already has its values"),
        ((f"{CAP}=1,2", f"{CAP}=3,4"), None, None, "given twice"),
        (("a=1", "b=1", "c=1"), None, None, "1 or 2"),
    ],
)
def test_bad_axes_are_refused(params, values, range_, match):
    with pytest.raises(ScenarioError, match=match):
        parse_axes(params, values, range_)


@pytest.mark.parametrize(
    ("path", "value", "match"),
    [
        ("policy.us.export.h200.cap", 1.0, "no field"),
        ("policy.us.export.h200.allowed", 1.0, "not a numeric field"),
        ("run.runs", 10.0, "run setting"),
        ("world.science", 1.0, "a block"),
        ("name", 1.0, "not a world"),
        (CAP, -5.0, "greater than or equal"),
    ],
)
def test_points_refuse_non_numeric_or_unknown_fields(path, value, match):
    with pytest.raises(ScenarioError, match=match):
        build_points(SCENARIOS / "loosen_h200.yaml", [Axis(path, (value,))], runs=5)


# --------------------------------------------------------------------------- behaviour


@pytest.fixture(scope="module")
def cap_sweep():
    values = (0.0, 250_000.0, 500_000.0, 890_000.0, 1_500_000.0, 3_000_000.0)
    return sweep(SCENARIOS / "loosen_h200.yaml", [Axis(CAP, values)], runs=200, seed=7)


def test_every_value_reads_the_same_draws(cap_sweep):
    first = cap_sweep.results[0].params
    for res in cap_sweep.results[1:]:
        assert res.params.keys() == first.keys()
        for path, values in res.params.items():
            np.testing.assert_array_equal(values, first[path])


def test_sweeping_a_declared_uncertainty_fixes_it_in_every_run():
    # the distillation uplift is a member of the calibrated joint posterior: sweeping it fixes
    # it in every run while the other members keep their rows
    path = "world.science.distill_uplift_log10"
    res = sweep(SCENARIOS / "baseline.yaml", [Axis(path, (0.8, 1.6))], runs=40, seed=3)
    low, high = res.results
    assert np.all(low.params[path] == 0.8) and np.all(high.params[path] == 1.6)
    np.testing.assert_array_equal(
        low.params["world.science.algo_rate"], high.params["world.science.algo_rate"]
    )
    lag = "capability_lag_months"
    assert np.median(high.year_end[lag]["2028-12"]) < np.median(low.year_end[lag]["2028-12"])


# --------------------------------------------------------------------------- command line


def test_sweep_command_writes_a_folder_pandas_can_load(tmp_path):
    out = tmp_path / "sw"
    result = invoke(
        "sweep",
        SCENARIOS / "loosen_h200.yaml",
        "--param",
        CAP,
        "--values",
        "0,890000,2000000",
        "--runs",
        20,
        "--seed",
        5,
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    assert "890,000" in result.output and "P(parity" in result.output
    body = json.loads((out / "sweep.json").read_text())
    assert body["runs"] == 20 and body["seed"] == 5
    assert body["parameters"] == [
        {"path": CAP, "unit": "chips/year", "values": [0.0, 890000.0, 2000000.0]}
    ]
    assert [p["values"][CAP] for p in body["points"]] == [0.0, 890000.0, 2000000.0]
    one = tmp_path / "one"
    assert (
        invoke(
            "run", SCENARIOS / "loosen_h200.yaml", "--runs", 20, "--seed", 5, "--out", one, "--no-plots"
        ).exit_code
        == 0
    )
    summary = json.loads((one / "summary.json").read_text())
    # the 890,000 point is the shipped loosen_h200 scenario: same statistics as sim run
    assert body["points"][1]["outcomes"] == summary["outcomes"]
    assert body["points"][1]["probabilities"] == summary["probabilities"]
    loaded = load_results(out)
    assert set(loaded.tables) == {"sweep", "parity", "runs"}
    stats = loaded.tables["sweep"]
    assert {CAP, "outcome", "year_end", "p5", "p50", "p95", "unit"} <= set(stats.columns)
    assert len(loaded.tables["runs"]) == 60
    assert (out / "sweep.png").stat().st_size > 10_000


def test_two_parameter_sweep_draws_heat_maps(tmp_path):
    out = tmp_path / "grid"
    result = invoke(
        "sweep",
        SCENARIOS / "loosen_h200.yaml",
        "--param",
        f"{CAP}=0,1500000",
        "--param",
        "world.science.distill_rate=0.03,0.1",
        "--runs",
        15,
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    assert "median lag" in result.output
    parity = pd.read_parquet(out / "parity.parquet")
    assert len(parity[parity["year_end"] == "2028-12"]) == 4
    assert (out / "heatmap.png").exists() and not (out / "sweep.png").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--param", "policy.us.export.h200.capp", "--values", "1,2"), "no field"),
        (("--param", CAP, "--values", "1,two"), "not a number"),
        (("--param", CAP, "--range", "0:10"), "lo:hi:n"),
        (("--param", CAP, "--values", "1,2", "--year", "2040-12"), "outside"),
        (("--param", CAP, "--values", "1,2", "--year", "2028-06"), "not a year-end"),
        (("--param", "run.seed", "--values", "1,2"), "run setting"),
    ],
)
def test_bad_sweep_input_exits_2_without_a_folder(tmp_path, args, expected):
    out = tmp_path / "never"
    result = invoke("sweep", SCENARIOS / "loosen_h200.yaml", *args, "--runs", 5, "--out", out)
    assert result.exit_code == 2, result.output
    assert expected in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_a_lever_without_effect_is_flagged(tmp_path):
    # baseline does not allow H200 sales, so their cap changes nothing
    args = ("sweep", SCENARIOS / "baseline.yaml", "--param", f"{CAP}=0,1000000", "--runs", 10)
    result = invoke(*args, "--no-plots", "--out", tmp_path / "flat")
    assert result.exit_code == 0, result.output
    assert "no outcome changed in any run" in result.output
    result = invoke(
        "sweep", SCENARIOS / "loosen_h200.yaml", *args[3:], "--no-plots", "--out", tmp_path / "x"
    )
    assert "no outcome changed" not in result.output
