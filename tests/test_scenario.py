"""The scenario schema: one test per validation rule, extends:, --set, the JSON schema."""

import json
from pathlib import Path

import pytest
import yaml

from sim.errors import ScenarioError
from sim.scenario import Scenario, load_scenario, parse_set

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, name: str, data: dict | str) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def load_error(tmp_path, data, overrides=None) -> ScenarioError:
    path = write(tmp_path, "s.yaml", data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return info.value


def test_every_shipped_scenario_is_valid():
    files = sorted((ROOT / "scenarios").glob("*.yaml"))
    assert len(files) >= 10
    for f in files:
        sc = load_scenario(f)
        assert sc.name == f.stem
        assert f.read_text().startswith("# yaml-language-server: $schema=./schema.json")


def test_yaml_syntax_error_names_line(tmp_path):
    err = load_error(tmp_path, "name: x\nrun: {runs: 3\n")
    assert "YAML syntax" in err.problem and "line" in err.field


def test_duplicate_key_is_an_error(tmp_path):
    err = load_error(tmp_path, "name: x\nname: y\n")
    assert "duplicate key" in err.problem


def test_unknown_key_is_an_error(tmp_path):
    err = load_error(tmp_path, {"name": "x", "world": {"sience": {}}})
    assert err.field == "world.sience" and "Extra inputs" in err.problem
    assert "spelling" in err.fix


def test_wrong_type(tmp_path):
    err = load_error(tmp_path, {"name": "x", "run": {"runs": "many"}})
    assert err.field == "run.runs" and "integer" in err.problem


def test_value_out_of_range(tmp_path):
    err = load_error(
        tmp_path, {"name": "x", "policy": {"us": {"export": {"h200": {"enforcement": 1.5}}}}}
    )
    assert err.field == "policy.us.export.h200.enforcement" and "range" in err.fix


def test_negative_cap_rejected(tmp_path):
    err = load_error(tmp_path, {"name": "x", "policy": {"us": {"export": {"h200": {"cap_units": -1}}}}})
    assert err.field == "policy.us.export.h200.cap_units"


@pytest.mark.parametrize("bad", ["2025-13", "2025/01", "Jan 2025", "25-01"])
def test_bad_date(tmp_path, bad):
    err = load_error(tmp_path, {"name": "x", "run": {"start": bad}})
    assert err.field == "run.start" and "YYYY-MM" in err.problem


def test_end_before_start(tmp_path):
    err = load_error(tmp_path, {"name": "x", "run": {"start": "2026-01", "end": "2025-12"}})
    assert err.field == "run" and "before" in err.problem


def test_unknown_chip_type_in_installed_base(tmp_path):
    data = {
        "name": "x",
        "world": {
            "labs": {
                "a": {
                    "nation": "us",
                    "capital_busd": 1,
                    "funding_busd_per_year": 1,
                    "revenue_busd_per_year": 1,
                    "power_gw": 0.1,
                    "installed_h100e": {"h100x": 5},
                    "researchers": 1,
                }
            }
        },
    }
    err = load_error(tmp_path, data)
    assert "unknown chip type 'h100x'" in err.problem


def test_unknown_chip_type_in_event(tmp_path):
    data = {"name": "x", "timeline": [{"date": "2026-03", "set": {"us.export.b40.allowed": False}}]}
    err = load_error(tmp_path, data)
    assert "no field 'b40'" in err.problem and err.field.startswith("timeline.0.set")


def test_event_value_validated(tmp_path):
    data = {"name": "x", "timeline": [{"date": "2026-03", "set": {"us.export.h20.fee": -1}}]}
    err = load_error(tmp_path, data)
    assert err.field.startswith("timeline.0.set")


def test_events_must_be_in_date_order(tmp_path):
    data = {
        "name": "x",
        "timeline": [
            {"date": "2027-01", "set": {"us.export.h20.allowed": False}},
            {"date": "2026-01", "set": {"us.export.h20.allowed": True}},
        ],
    }
    err = load_error(tmp_path, data)
    assert "date order" in err.problem


def test_extends_cycle(tmp_path):
    write(tmp_path, "a.yaml", {"name": "a", "extends": "b.yaml"})
    write(tmp_path, "b.yaml", {"name": "b", "extends": "a.yaml"})
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "a.yaml")
    assert "cycle" in info.value.problem and info.value.field == "extends"


def test_extends_missing_file(tmp_path):
    err = load_error(tmp_path, {"name": "x", "extends": "nowhere.yaml"})
    assert "not found" in err.problem and err.field == "extends"


def test_missing_file():
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario("does/not/exist.yaml")


def test_extends_merges_and_child_wins(tmp_path):
    write(
        tmp_path,
        "base.yaml",
        {
            "name": "base",
            "run": {"runs": 7, "seed": 3},
            "uncertainties": {
                "world.science.distill_rate": {"dist": "uniform", "low": 0.01, "high": 0.02}
            },
        },
    )
    write(
        tmp_path,
        "child.yaml",
        {
            "name": "child",
            "extends": "base.yaml",
            "run": {"runs": 9},
            "uncertainties": {"world.science.distill_rate": {"dist": "fixed", "value": 0.0}},
        },
    )
    sc = load_scenario(tmp_path / "child.yaml")
    assert (sc.name, sc.run.runs, sc.run.seed) == ("child", 9, 3)
    assert sc.uncertainties["world.science.distill_rate"].dist == "fixed"


def test_uncertainty_path_must_exist_and_be_numeric(tmp_path):
    err = load_error(
        tmp_path,
        {
            "name": "x",
            "uncertainties": {"world.science.nope": {"dist": "uniform", "low": 0, "high": 1}},
        },
    )
    assert "no field 'nope'" in err.problem
    err = load_error(
        tmp_path,
        {
            "name": "x",
            "uncertainties": {"policy.us.export.h200.allowed": {"dist": "uniform", "low": 0, "high": 1}},
        },
    )
    assert "not a number" in err.problem


def test_uncertainty_lab_must_exist(tmp_path):
    err = load_error(
        tmp_path,
        {
            "name": "x",
            "uncertainties": {"world.labs.nolab.capital_busd": {"dist": "uniform", "low": 0, "high": 1}},
        },
    )
    assert "nolab" in err.problem


def test_distribution_rules(tmp_path):
    err = load_error(
        tmp_path,
        {
            "name": "x",
            "uncertainties": {"world.science.distill_rate": {"dist": "uniform", "low": 1, "high": 0}},
        },
    )
    assert "must be above" in err.problem
    err = load_error(
        tmp_path,
        {"name": "x", "uncertainties": {"world.science.distill_rate": {"dist": "beta", "a": 1}}},
    )
    assert "dist" in err.fix
    err = load_error(
        tmp_path,
        {
            "name": "x",
            "uncertainties": {
                "world.science.distill_rate": {"dist": "triangular", "low": 0, "mode": 2, "high": 1}
            },
        },
    )
    assert "mode" in err.problem


def test_one_field_of_a_default_block_can_be_overridden(tmp_path):
    path = write(tmp_path, "s.yaml", {"name": "x", "world": {"us": {"ai_power_build_gw": 0.2}}})
    sc = load_scenario(
        path, parse_set(["world.chips.h200.price_kusd=20", "world.labs.xai.capital_busd=1"])
    )
    assert sc.world.us.ai_power_build_gw == 0.2 and sc.world.us.researchers == 6000
    assert sc.world.chips["h200"].price_kusd == 20 and sc.world.chips["h200"].h100e == 1.0
    assert sc.world.labs["xai"].capital_busd == 1 and "openai" in sc.world.labs


def test_set_overrides_are_validated(tmp_path):
    path = write(tmp_path, "s.yaml", {"name": "x"})
    sc = load_scenario(path, parse_set(["policy.us.export.h200.cap_units=500000", "run.runs=5"]))
    assert sc.policy.us.export.h200.cap_units == 500000 and sc.run.runs == 5
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, parse_set(["policy.us.export.h200.cap_units=lots"]))
    assert info.value.field == "policy.us.export.h200.cap_units"
    with pytest.raises(ScenarioError, match="path=value"):
        parse_set(["policy.us.export.h200.cap_units"])
    with pytest.raises(ScenarioError, match="no top-level field"):
        load_scenario(path, parse_set(["polcy.x=1"]))


def test_policy_patch_lists_only_explicit_fields():
    sc = Scenario.model_validate({"name": "x", "policy": {"us": {"export": {"h200": {"cap_units": 5}}}}})
    assert sc.policy_patch() == {"us.export.h200.cap_units": 5}


def test_schema_json_is_up_to_date():
    committed = json.loads((ROOT / "scenarios" / "schema.json").read_text())
    assert committed == Scenario.model_json_schema(), "run `sim schema` and commit the result"


def test_every_field_has_a_description():
    schema = Scenario.model_json_schema()

    def walk(node, where):
        for name, prop in node.get("properties", {}).items():
            assert prop.get("description"), f"{where}.{name} has no description"

    walk(schema, "scenario")
    for name, definition in schema["$defs"].items():
        walk(definition, name)


def test_parameter_reference_is_current():
    from sim.scenario.reference import render

    page = (ROOT / "docs" / "parameters.md").read_text()
    assert page == render(), "run `python -m sim.scenario.reference` and commit docs/parameters.md"


def test_readme_scenario_example_is_valid(tmp_path):
    text = (ROOT / "README.md").read_text()
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    # the baseline extends ../calibration/calibrated.yaml (issue 3): copy both
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "calibration").mkdir()
    (tmp_path / "calibration" / "calibrated.yaml").write_text(
        (ROOT / "calibration" / "calibrated.yaml").read_text()
    )
    (tmp_path / "scenarios" / "baseline.yaml").write_text(
        (ROOT / "scenarios" / "baseline.yaml").read_text()
    )
    path = tmp_path / "scenarios" / "my.yaml"
    path.write_text(block)
    sc = load_scenario(path)
    assert sc.policy.us.export.h200.cap_units == 890000
    assert sc.timeline[0].set == {"us.export.h200.cap_units": 445000}


def test_set_on_an_uncertain_parameter_fixes_it(tmp_path):
    path = write(
        tmp_path,
        "s.yaml",
        {
            "name": "x",
            "uncertainties": {
                "world.science.distill_rate": {"dist": "uniform", "low": 0.01, "high": 0.02}
            },
        },
    )
    sc = load_scenario(path, parse_set(["world.science.distill_rate=0.05"]))
    assert sc.world.science.distill_rate == 0.05
    dist = sc.uncertainties["world.science.distill_rate"]
    assert dist.dist == "fixed" and dist.value == 0.05
