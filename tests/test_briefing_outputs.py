"""The results folder's briefing outputs: P(lag <= N) in summary.json, summary.csv, trajectories."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sim import load_results, load_scenario, run_ensemble, write_run_results
from sim.cli import main
from sim.outcomes import lag_at_most
from sim.run.results import summary_dict

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
LAG = "capability_lag_months"


@pytest.fixture(scope="module")
def result():
    sc = load_scenario(SCENARIOS / "loosen_h200.yaml", {"run.runs": 30, "run.seed": 7})
    return run_ensemble(sc)


def test_lag_at_most_is_the_share_of_runs_within_n_months_each_december(result):
    found = summary_dict(result, (3, 6.5))["probabilities"]["china_lag_at_most"]
    assert list(found) == ["3", "6.5"]
    for n, by_year in found.items():
        for y, p in by_year.items():
            assert p == np.mean(result.year_end[LAG][y] <= float(n))
    assert lag_at_most({"2026-12": np.array([1.0, 3.0, 3.5, -1.0])}, [3]) == {"3": {"2026-12": 0.75}}


def test_folder_holds_csv_beside_parquet_and_loads_back(result, tmp_path):
    out = write_run_results(result, tmp_path / "r", within=(3, 6), trajectories=4)
    csv = pd.read_csv(out / "summary.csv")
    assert list(csv.columns) == ["outcome", "unit", "year_end", "mean", "p5", "p25", "p50", "p75", "p95"]
    summary = json.loads((out / "summary.json").read_text())
    row = csv[(csv["outcome"] == LAG) & (csv["year_end"] == "2028-12")].iloc[0]
    assert row["unit"] == "months"
    assert row["p50"] == pytest.approx(summary["outcomes"][LAG]["2028-12"]["p50"], rel=1e-9)
    loaded = load_results(out)
    table = loaded.lag_at_most()
    assert set(table["within"]) == {3.0, 6.0}
    assert loaded.trajectories is not None and sorted(loaded.trajectories["run"].unique()) == [
        0,
        1,
        2,
        3,
    ]


def test_trajectories_are_the_runs_own_monthly_paths(result, tmp_path):
    paths = result.trajectories([2, 5], [LAG])
    assert list(paths.columns) == ["run", "month", LAG]
    assert len(paths) == 2 * len(result.months)
    one = paths[paths["run"] == 5]
    np.testing.assert_allclose(one[LAG].to_numpy(), result.monthly[LAG][:, 5])
    assert list(one["month"]) == result.months
    # the December value of the path is the run's year-end lag
    dec = one[one["month"] == "2027-12"][LAG].iloc[0]
    assert dec == pytest.approx(result.year_end[LAG]["2027-12"][5], rel=1e-6)
    with pytest.raises(ValueError, match="run 99"):
        result.trajectories([99])
    with pytest.raises(ValueError, match="not a monthly series"):
        result.trajectories(2, ["nonsense"])
    out = write_run_results(result, tmp_path / "t", trajectories=3)
    written = pd.read_csv(out / "trajectories.csv")
    np.testing.assert_allclose(
        written[written["run"] == 2][LAG].to_numpy(), result.monthly[LAG][:, 2], rtol=1e-6
    )


@pytest.mark.parametrize("bad", ["0", "-3", "3,x", "", "3,,6", "nan", "inf"])
def test_run_within_rejects_bad_values_naming_the_option(bad, tmp_path):
    got = CliRunner().invoke(
        main,
        [
            "run",
            str(SCENARIOS / "baseline.yaml"),
            "--runs",
            "2",
            "--within",
            bad,
            "--out",
            str(tmp_path),
        ],
    )
    assert got.exit_code == 2
    assert "--within" in got.output
    assert "Traceback" not in got.output


def test_run_writes_within_and_trajectories(tmp_path):
    out = tmp_path / "r"
    args = ["run", str(SCENARIOS / "baseline.yaml"), "--runs", "6", "--seed", "1", "--out", str(out)]
    got = CliRunner().invoke(main, [*args, "--within", "3,6", "--trajectories", "2"])
    assert got.exit_code == 0, got.output
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["probabilities"]["china_lag_at_most"]) == {"3", "6"}
    assert (out / "trajectories.csv").exists() and (out / "trajectories.png").exists()
    assert (out / "summary.csv").exists()


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (
            ["compare", SCENARIOS / "baseline.yaml", SCENARIOS / "loosen_h200.yaml", "--runs", "6"],
            ["scenario"],
        ),
        (
            [
                "sweep",
                SCENARIOS / "loosen_h200.yaml",
                "--param",
                "policy.us.export.h200.cap_units",
                "--values",
                "100000,900000",
                "--runs",
                "6",
            ],
            ["point"],
        ),
        (
            [
                "discover",
                SCENARIOS / "baseline.yaml",
                "--where",
                "capability_lag_months@2028-12 < 12",
                "--runs",
                "60",
            ],
            [],
        ),
    ],
)
def test_every_results_folder_holds_a_tidy_summary_csv(tmp_path, args, extra):
    out = tmp_path / "res"
    result = CliRunner().invoke(main, [str(a) for a in args] + ["--no-plots", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "summary.csv")
    for column in (*extra, "outcome", "year_end", "mean", "p5", "p25", "p50", "p75", "p95"):
        assert column in table.columns, column
    assert set(table["year_end"]) >= {"2028-12", "2030-12"}
    assert (table["p5"] <= table["p95"]).all()
    if (out / "scenario.yaml").exists():  # compare keeps both scenarios in comparison.json
        first = (out / "scenario.yaml").read_text().splitlines()[0]
        assert first.startswith("# The policy in force")


def test_a_lever_that_changes_nothing_warns(tmp_path):
    args = ["run", str(SCENARIOS / "baseline.yaml"), "--runs", "4", "--no-plots"]
    inert = CliRunner().invoke(
        main, [*args, "--set", "policy.us.export.h200.cap_units=500000", "--out", str(tmp_path / "a")]
    )
    assert inert.exit_code == 0
    assert "warning: baseline: policy.us.export.h200.cap_units changes nothing" in inert.stderr
    acting = CliRunner().invoke(
        main,
        [
            "run",
            str(SCENARIOS / "loosen_h200.yaml"),
            "--runs",
            "4",
            "--no-plots",
            "--set",
            "policy.us.export.h200.cap_units=500000",
            "--out",
            str(tmp_path / "b"),
        ],
    )
    assert acting.exit_code == 0 and "changes nothing" not in acting.stderr


def test_the_resolved_scenario_shows_the_policy_in_force_with_its_history(tmp_path):
    from sim.run.results import resolved_yaml

    text = resolved_yaml(load_scenario(SCENARIOS / "loosen_h200.yaml"))
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert "#   2025-09: china.customs.h20 = 0.5" in header  # history, not the policy block
    assert any(
        line.startswith("#   2026-01:") and "us.export.h200.allowed = true" in line for line in header
    )
    assert load_scenario(SCENARIOS / "loosen_h200.yaml").model_dump(mode="json") == __import__(
        "yaml"
    ).safe_load(text)  # the header is comments: the file still reads as the same scenario
