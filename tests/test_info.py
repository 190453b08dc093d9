"""`sim list` and `sim explain`, and the start-up cost of the commands that run no model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from sim.cli import main
from sim.cli.info import first_sentence
from sim.scenario.reference import parameters, valid_range
from sim.scenario.science import Science

ROOT = Path(__file__).resolve().parents[1]


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_list_names_every_shipped_scenario_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("list")
    assert result.exit_code == 0, result.output
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        description = yaml.safe_load(path.read_text(encoding="utf-8"))["description"]
        line = next(row for row in result.output.splitlines() if row.split()[:1] == [path.stem])
        assert first_sentence(description) in line


def test_first_sentence():
    assert first_sentence("Only 10-40% of USD 500B (S5). Export rules\n as in the baseline.") == (
        "Only 10-40% of USD 500B (S5)."
    )
    assert first_sentence("From 2026 (S2) with a 25% tariff (P9); everything else") == (
        "From 2026 (S2) with a 25% tariff (P9); everything else"
    )


def test_explain_a_world_field_prints_value_unit_range_and_source():
    result = invoke("explain", "world.science.distill_rate")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "unit:     1/month" in out and "valid:    0 to 1" in out
    assert "default:  0.15" in out and "source:   assumption" in out
    assert "uncertain: each run draws it: uniform from 0.05 to 0.3" in out  # the baseline's prior


def test_explain_a_calibrated_field_shows_the_baseline_value_and_the_posterior():
    out = invoke("explain", "world.science.distill_uplift_log10").output
    assert "(set by the scenario or a file it extends)" in out
    assert "group posterior" in out


def test_explain_a_policy_field_in_a_scenario_lists_the_events_that_set_it():
    out = invoke("explain", "policy.us.export.h200.cap_units").output
    assert "chips/year" in out and "null  (no event sets it)" in out
    result = invoke(
        "explain", "us.export.h200.cap_units", "--scenario", str(ROOT / "scenarios/loosen_h200.yaml")
    )
    assert result.exit_code == 0, result.output
    assert "from 2026-01: 890,000  (the policy under study; sources S2, S3, P9)" in result.output
    history = invoke("explain", "policy.us.export.h200.allowed").output
    assert "from 2023-10: false  (history event; sources S19, P8)" in history


def test_explain_a_block_lists_its_fields():
    out = invoke("explain", "world.science").output
    assert "world.science.distill_rate  0.15 [1/month]" in out


def test_explain_an_unknown_field_suggests_the_closest():
    result = CliRunner().invoke(main, ["explain", "policy.us.export.h200.cap_unit"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "did you mean policy.us.export.h200.cap_units" in lines[0]
    assert "Traceback" not in result.output


def test_every_documented_parameter_can_be_explained():
    known = parameters()
    documented = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    rows = [line.split("`")[1] for line in documented.splitlines() if line.startswith("| `world.")]
    assert rows and all(path in known for path in rows)
    assert known["world.science.distill_rate"].source.startswith("assumption")


def test_valid_range_reads_bounds_through_optional_and_annotated():
    from sim.scenario.policy import ChinaPolicy, ExportRule

    assert valid_range(Science.model_fields["distill_rate"]) == "0 to 1"
    assert valid_range(ExportRule.model_fields["cap_units"]) == "0 to 1e+11, or null"
    assert valid_range(ExportRule.model_fields["allowed"]) == "true or false"
    assert valid_range(ChinaPolicy.model_fields["compute_network_date"]) == "a month, YYYY-MM, or null"


HEAVY = ("mesa", "scipy", "matplotlib", "pandas", "pyarrow", "SALib", "networkx")


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["list"],
        ["validate", str(ROOT / "scenarios" / "baseline.yaml")],
        ["explain", "world.science.distill_rate"],
        [
            "explain",
            "policy.us.export.h200.cap_units",
            "--scenario",
            str(ROOT / "scenarios/loosen_h200.yaml"),
        ],
    ],
    ids=lambda a: " ".join(a[:2]).replace(str(ROOT) + "/", ""),
)
def test_commands_that_run_no_model_import_no_heavy_library(args):
    """--help, list, validate and explain answer without Mesa, SciPy, matplotlib or pandas."""
    code = textwrap.dedent(
        f"""
        import json, sys
        from click.testing import CliRunner
        import sim.cli
        result = CliRunner().invoke(sim.cli.main, {args!r}, catch_exceptions=False)
        loaded = [m for m in {HEAVY!r} if m in sys.modules]
        print(json.dumps({{"exit": result.exit_code, "loaded": loaded}}))
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"exit": 0, "loaded": []}, done.stdout + done.stderr


@pytest.mark.parametrize("args", [["--help"], ["list"]], ids=lambda a: a[0])
def test_help_and_list_do_not_build_the_scenario_schema(args):
    """`sim --help` and `sim list` answer without importing the schema (pydantic models: ~0.4 s)."""
    code = textwrap.dedent(
        f"""
        import json, sys
        from click.testing import CliRunner
        import sim.cli
        result = CliRunner().invoke(sim.cli.main, {args!r}, catch_exceptions=False)
        print(json.dumps({{"exit": result.exit_code, "schema": "sim.scenario.schema" in sys.modules}}))
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"exit": 0, "schema": False}
