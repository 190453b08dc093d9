"""The command line end to end, and its handling of bad input."""

import json
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner
from support import SCENARIOS

from sim.cli import main
from sim.outcomes import OUTCOMES

#: DESIGN.md's outcome names: stable API, written out here on purpose (not read from the code).
DESIGN_OUTCOMES = (
    "capability_lag_months",
    "china_compute_share",
    "china_chip_imports_h100e",
    "china_chip_imports_legal_h100e",
    "china_chip_imports_smuggled_h100e",
    "china_domestic_chips_h100e",
    "us_ai_power_gw",
    "china_ai_power_gw",
    "us_frontier_capability",
    "china_frontier_capability",
)


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_run_writes_the_results_folder(tmp_path):
    out = tmp_path / "res"
    result = invoke("run", SCENARIOS / "loosen_h200.yaml", "--runs", 30, "--seed", 5, "--out", out)
    assert result.exit_code == 0, result.output
    assert "lag" in result.output and "2030-12" in result.output
    assert "P(parity" in result.output or "P(lag ≤" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary) == sorted(
        ["scenario", "runs", "seed", "sim_version", "scenario_sha256", "outcomes", "probabilities"]
    )
    assert summary["runs"] == 30 and summary["seed"] == 5 and summary["scenario"] == "loosen_h200"
    years = [f"{y}-12" for y in range(2025, 2031)]
    for name in DESIGN_OUTCOMES:
        assert list(summary["outcomes"][name]) == years
        assert set(summary["outcomes"][name]["2028-12"]) == {
            "mean",
            "p5",
            "p25",
            "p50",
            "p75",
            "p95",
        }
    assert list(summary["probabilities"]["china_parity_by"]) == years
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 30 and "capability_lag_months@2028-12" in runs.columns
    assert "world.science.distill_rate" in runs.columns
    monthly = pd.read_parquet(out / "monthly.parquet")
    assert set(monthly["outcome"]) >= {"capability_lag_months", "china_compute_share"}
    for png in (
        "lag_fan.png",
        "compute_share_fan.png",
        "lag_distribution.png",
        "china_compute_sources.png",
    ):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    assert (out / "scenario.yaml").exists() and (out / "manifest.json").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_set_override_changes_the_run(tmp_path):
    a = invoke(
        "run", SCENARIOS / "loosen_h200.yaml", "--runs", 20, "--out", tmp_path / "a", "--no-plots"
    )
    b = invoke(
        "run",
        SCENARIOS / "loosen_h200.yaml",
        "--runs",
        20,
        "--out",
        tmp_path / "b",
        "--no-plots",
        "--set",
        "policy.us.export.h200.cap_units=0",
    )
    assert a.exit_code == b.exit_code == 0
    sa = json.loads((tmp_path / "a" / "summary.json").read_text())
    sb = json.loads((tmp_path / "b" / "summary.json").read_text())
    key = ("china_chip_imports_legal_h100e", "2026-12", "p50")
    assert sb["outcomes"][key[0]][key[1]][key[2]] < sa["outcomes"][key[0]][key[1]][key[2]]


def test_compare_writes_paired_differences(tmp_path):
    out = tmp_path / "cmp"
    result = invoke(
        "compare",
        SCENARIOS / "baseline.yaml",
        SCENARIOS / "no_distillation.yaml",
        "--runs",
        20,
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    body = json.loads((out / "comparison.json").read_text())
    lag = body["outcomes"]["capability_lag_months"]["2028-12"]
    assert {"mean", "p5", "p25", "p50", "p75", "p95", "share_same_direction"} <= set(lag)
    assert lag["p5"] > 0  # no distillation widens the gap in every paired draw's bulk
    assert body["a"]["scenario"] == "baseline" and body["b"]["scenario"] == "no_distillation"


def test_validate_good_and_bad(tmp_path):
    ok = invoke("validate", *sorted(SCENARIOS.glob("*.yaml")))
    assert ok.exit_code == 0 and ok.output.count("ok:") == len(list(SCENARIOS.glob("*.yaml")))
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nrun: {runs: -3}\n")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == 2


@pytest.mark.parametrize(
    ("content", "args", "expected"),
    [
        ("name: x\nrun: {runs: 3\n", [], "YAML syntax"),
        ("name: x\nworld: {sience: 1}\n", [], "world.sience"),
        ("name: x\nrun: {start: 2025-13}\n", [], "run.start"),
        ("name: x\n", ["--set", "policy.us.export.h200.cap_units=-5"], "cap_units"),
        ("name: x\n", ["--set", "nonsense"], "path=value"),
        ("name: x\nextends: missing.yaml\n", [], "extends"),
    ],
)
def test_bad_input_exits_2_without_traceback_or_results(tmp_path, content, args, expected):
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    out = tmp_path / "res"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(bad), "--runs", "3", "--out", str(out), *args],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert expected in proc.stderr and "fix:" in proc.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_schema_command_writes_json(tmp_path):
    out = tmp_path / "schema.json"
    assert invoke("schema", "--out", out).exit_code == 0
    assert json.loads(out.read_text())["title"] == "sim scenario"


def test_outcome_names_are_stable():
    for name in DESIGN_OUTCOMES:
        assert name in OUTCOMES


@pytest.mark.parametrize(
    ("value", "outcome", "expected"),
    [
        (250_000, "", "250k"),
        (2_512_345, "china_chip_imports_h100e", "2.51M"),
        (-2_512_345, "", "-2.51M"),
        (1_234, "", "1,234"),
        (7_539, "", "7,539"),
        (6.34, "capability_lag_months", "6.3"),
        (0.0812, "china_compute_share", "0.081"),
        (0.0812, "", "0.1"),
        (float("nan"), "", "nan"),
    ],
)
def test_fmt_is_the_terminal_tables_formatter(value, outcome, expected):
    from sim.fmt import fmt

    assert fmt(value, outcome) == expected


def test_interval_joins_two_formatted_ends():
    from sim.fmt import interval

    assert interval(5_000, 151_000, "china_chip_imports_h100e") == "5,000 to 151k"
    assert interval(0.046, 0.088, "china_compute_share") == "0.046 to 0.088"
    assert interval(-1.71, -0.12, "capability_lag_months") == "−1.7 to −0.1"
    assert interval(-0.01, 0.02, "capability_lag_months") == "0.0 to 0.0"


def test_every_command_is_registered_and_documented_helpers_import():
    from sim.cli import BackendChoice, backend_options, run_with_progress

    assert callable(backend_options) and callable(run_with_progress) and BackendChoice().name == "local"
    commands = {"run", "compare", "validate", "schema", "sweep", "sensitivity", "discover", "levers"}
    assert set(main.commands) == commands | {"calibrate", "report", "list", "explain", "app"}
    for name in main.commands:
        assert invoke(name, "--help").exit_code == 0


def test_sim_error_is_one_line_on_stderr(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "sensitivity",
            str(SCENARIOS / "baseline.yaml"),
            "--outcome",
            "capability_lag_months@2028-12",
            "--samples",
            "5",
        ],
    )
    assert result.exit_code == 2 and "power of two" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_out_refuses_a_folder_sim_did_not_write_and_touches_nothing(tmp_path):
    # issue 11: `--out scenarios` once deleted every scenario file
    precious = tmp_path / "mine"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(
        main, ["run", str(SCENARIOS / "loosen_h200.yaml"), "--runs", "5", "--out", str(precious)]
    )
    assert result.exit_code == 2, result.output
    assert "--out" in result.output and "sim did not write" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in precious.iterdir()) == ["notes.txt"]
    assert (precious / "notes.txt").read_text() == "keep me"


def test_out_replaces_an_existing_results_folder(tmp_path):
    out = tmp_path / "res"
    args = ["run", str(SCENARIOS / "loosen_h200.yaml"), "--runs", "5", "--no-plots", "--out", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert (out / "manifest.json").exists()
    again = CliRunner().invoke(main, [*args[:3], "7", *args[4:]])
    assert again.exit_code == 0, again.output
    assert json.loads((out / "summary.json").read_text())["runs"] == 7


def test_out_refuses_a_file(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("x")
    result = CliRunner().invoke(
        main,
        [
            "sweep",
            str(SCENARIOS / "loosen_h200.yaml"),
            "--param",
            "policy.us.export.h200.cap_units",
            "--values",
            "0,1",
            "--runs",
            "3",
            "--out",
            str(target),
        ],
    )
    assert result.exit_code == 2 and "is a file" in result.output
    assert target.read_text() == "x"


@pytest.mark.parametrize("name", ["../../escape", "/etc/passwd", "a/b", "..", "x\x1b[31m\ny"])
def test_default_results_folder_stays_under_results_whatever_the_name(name):
    from pathlib import Path

    from sim.run.results import default_out

    out = default_out("", name, root=Path("results"))
    assert out.parent == Path("results")
    assert "/" not in out.name and ".." not in out.name
    assert all(c.isalnum() or c in "._-" for c in out.name)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_nan_and_infinity_are_refused_in_float_fields(value, tmp_path):
    # issue 11: .inf/.nan ran into non-finite numbers with exit 0
    out = tmp_path / "never"
    result = CliRunner().invoke(
        main,
        [
            "run",
            str(SCENARIOS / "baseline.yaml"),
            "--runs",
            "3",
            "--no-plots",
            "--set",
            f"world.science.utilisation={value}",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "world.science.utilisation" in result.output and "finite" in result.output
    assert not out.exists()
