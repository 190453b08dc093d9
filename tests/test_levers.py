"""`sim levers`: the lever table of the README, written by one command from paired comparisons."""

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from support import ROOT, SCENARIOS

from sim.analysis import levers
from sim.cli import main
from sim.outcomes import ALL
from sim.scenario import load_scenario, read_yaml

#: Outcomes every version of the registry has, so the mechanics are tested whatever the model.
TESTED = ("capability_lag_months", "china_compute_share", "china_compute_h100e")
PAIR = ("loosen_h200", "tighten_full_ban")
RUNS, SEED = 20, 7
DOC = "# Title\n\nIntro.\n\n<!-- levers:start -->\nstale table\n<!-- levers:end -->\n\nOutro.\n"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def write_levers(doc, json_path):
    outcomes = [x for name in TESTED for x in ("--outcome", name)]
    files = [SCENARIOS / f"{name}.yaml" for name in PAIR]
    return invoke(
        "levers", *files, "--runs", RUNS, "--seed", SEED, *outcomes, "--write", "--doc", doc,
        "--json", json_path,
    )  # fmt: skip


def shipped_names():
    return [p.stem for p in levers.shipped(SCENARIOS / "baseline.yaml")]


def test_write_replaces_the_block_and_is_idempotent(tmp_path):
    doc, numbers = tmp_path / "README.md", tmp_path / "levers.json"
    doc.write_text(DOC)
    result = write_levers(doc, numbers)
    assert result.exit_code == 0, result.output
    text = doc.read_text()
    assert "stale table" not in text
    assert text.startswith("# Title\n\nIntro.\n\n<!-- levers:start -->\n")
    assert text.endswith("<!-- levers:end -->\n\nOutro.\n")
    assert f"{RUNS} runs, seed {SEED}" in text and "lag difference < 0 means China gets closer" in text
    for name in PAIR:
        assert f"| `{name}` |" in text and f"- `{name}`: " in text
    assert text.count("| scenario | 2026-12 | 2028-12 | 2030-12 |") == len(TESTED)
    first, first_json = doc.read_bytes(), numbers.read_bytes()
    assert write_levers(doc, numbers).exit_code == 0
    assert doc.read_bytes() == first and numbers.read_bytes() == first_json


def test_numbers_and_signs_match_sim_compare(tmp_path):
    doc, numbers = tmp_path / "doc.md", tmp_path / "levers.json"
    doc.write_text(DOC)
    assert write_levers(doc, numbers).exit_code == 0
    body, text = json.loads(numbers.read_text()), doc.read_text()
    assert body["runs"] == RUNS and body["seed"] == SEED and body["baseline"] == "baseline"
    for name in PAIR:
        out = tmp_path / f"cmp-{name}"
        cmp = invoke(
            "compare", SCENARIOS / "baseline.yaml", SCENARIOS / f"{name}.yaml", "--runs", RUNS,
            "--seed", SEED, "--out", out,
        )  # fmt: skip
        assert cmp.exit_code == 0, cmp.output
        paired = json.loads((out / "comparison.json").read_text())["outcomes"]
        for outcome in TESTED:
            for year in levers.YEARS:
                mine, theirs = body["scenarios"][name]["effects"][outcome][year], paired[outcome][year]
                assert mine == theirs, (name, outcome, year)
                assert np.sign(mine["p50"]) == np.sign(theirs["p50"])
                assert levers.cell(theirs, outcome) in text
        mechanism = load_scenario(SCENARIOS / f"{name}.yaml").mechanism
        assert body["scenarios"][name]["mechanism"] == mechanism


def test_a_file_without_markers_is_one_line_and_nothing_is_written(tmp_path):
    good, bad = tmp_path / "good.md", tmp_path / "bad.md"
    good.write_text(DOC)
    bad.write_text("# no markers here\n")
    result = CliRunner().invoke(
        main,
        ["levers", str(SCENARIOS / "visa_fee.yaml"), "--runs", "3", "--outcome", "capability_lag_months",
         "--write", "--doc", str(good), "--doc", str(bad), "--json", str(tmp_path / "x.json")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "bad.md" in result.output and "levers:start" in result.output and "fix:" in result.output
    assert good.read_text() == DOC and not (tmp_path / "x.json").exists()


def test_unknown_outcome_is_one_line():
    result = CliRunner().invoke(main, ["levers", "--runs", "2", "--outcome", "chinas_lag"])
    assert result.exit_code == 2 and "unknown outcome 'chinas_lag'" in result.output
    assert "Traceback" not in result.output


def test_differences_carry_a_sign_and_the_project_format():
    assert levers.signed(1234.0, "") == "+1,234"
    assert levers.signed(2_510_000.0, "china_compute_h100e") == "+2.51M"
    # a true minus sign (U+2212), as every table of the project prints it; never "-0.0"
    assert levers.signed(-250_000.0, "china_compute_h100e") == "−250k"
    assert levers.signed(-0.54, "capability_lag_months") == "−0.5"
    assert levers.signed(-0.01, "capability_lag_months") == "0.0"
    assert levers.signed(0.0123, "china_compute_share") == "+0.012"
    assert levers.signed(0.0, "capability_lag_months") == "0.0"
    assert levers.cell(None, "capability_lag_months") == "–"


def test_the_table_names_the_compute_ratio():
    assert levers.OUTCOMES == ("capability_lag_months", "us_china_compute_ratio", "china_compute_h100e")
    assert levers.YEARS == ("2026-12", "2028-12", "2030-12")


def test_python_m_entry_point_has_its_options():
    help_text = subprocess.run(
        [sys.executable, "-m", "sim.analysis.levers", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    assert "--write" in help_text and "--runs" in help_text and "--seed" in help_text


# -- the shipped scenarios and the committed table ---------------------------------------------


@pytest.mark.parametrize("name", shipped_names())
def test_every_shipped_scenario_says_its_mechanism(name):
    raw = read_yaml(SCENARIOS / f"{name}.yaml")  # the file's own, not inherited from its parent
    assert isinstance(raw.get("mechanism"), str) and len(raw["mechanism"].split()) >= 8, name


def test_readme_and_model_reference_show_every_shipped_scenario():
    body = json.loads((ROOT / levers.JSON).read_text())
    baseline = load_scenario(SCENARIOS / "baseline.yaml")
    stale = "run `sim levers --write` and commit README.md, docs/model.md and docs/levers.json"
    assert sorted(body["scenarios"]) == shipped_names(), stale
    assert (body["runs"], body["seed"]) == (baseline.run.runs, baseline.run.seed), stale
    if all(name in ALL for name in levers.OUTCOMES):  # once the model records the compute ratio
        assert body["outcomes"] == list(levers.OUTCOMES), stale
    for name in shipped_names():
        mechanism = load_scenario(SCENARIOS / f"{name}.yaml").mechanism
        assert body["scenarios"][name]["mechanism"] == mechanism, f"{name}: {stale}"
    for doc in levers.DOCS:
        block = levers.read_block((ROOT / doc).read_text())
        assert block == levers.markdown(body), f"{doc}: {stale}"
        for name in shipped_names():
            assert f"| `{name}` |" in block and f"- `{name}`: " in block, f"{doc}: {name}: {stale}"


def test_reactive_race_fires_both_rules_in_some_runs_but_not_all():
    from sim.model import RaceModel

    model = RaceModel(load_scenario(SCENARIOS / "reactive_race.yaml", {"run.runs": 200, "run.seed": 7}))
    model.run()
    for nation in (model.us, model.china):
        share = nation.tripped.mean()
        assert 0.05 < share < 0.95, f"{nation.key}'s rule fires in {share:.0%} of runs: re-pick it"
