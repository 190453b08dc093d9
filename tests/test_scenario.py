"""The scenario schema: one test per validation rule, extends:, --set, the JSON schema."""

import json
from pathlib import Path

import pytest
import yaml

from sim.errors import ScenarioError
from sim.scenario import Scenario, default_world, load_scenario, parse_set

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
    assert err.field == "world.sience" and err.problem == "unknown field"
    assert err.fix == "did you mean science?"
    err = load_error(tmp_path, {"name": "x", "world": {"zzzzz": {}}})
    assert "spelling" in err.fix  # nothing close: the general fix


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
    assert "'b40' is not" in err.problem and err.field == "timeline.0.set.us.export.b40.allowed"
    assert "default" in err.fix and "world.chips" in err.fix


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
    assert sc.policy.us.export["h200"].cap_units == 500000 and sc.run.runs == 5
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
    assert sc.policy.us.export["h200"].cap_units == 890000
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


# --------------------------------------------------------------------------- chip-keyed policy


NEW_CHIP = {
    "maker": "nvidia",
    "h100e": 3.0,
    "inference_h100e": 3.0,
    "kw_all_in": 2.5,
    "price_kusd": 60.0,
    "die_units": 2.0,
}


def test_full_ban_bans_a_chip_added_to_the_catalogue(tmp_path):
    from sim.calendar import month_index
    from sim.scenario import policy_schedule

    path = write(
        tmp_path,
        "ban_plus.yaml",
        {
            "name": "ban_plus",
            "extends": str(ROOT / "scenarios" / "tighten_full_ban.yaml"),
            "world": {"chips": {"rubin": NEW_CHIP}},
        },
    )
    sc = load_scenario(path)
    schedule = policy_schedule(sc, {})
    before = schedule[month_index("2025-12") - month_index(sc.run.start)]
    after = schedule[month_index("2026-01") - month_index(sc.run.start)]
    # the 2023-10 history event bans via `default`, so the new chip is banned from the start
    assert before["us.export.rubin.allowed"] == 0.0 and before["us.export.h20.allowed"] == 1.0
    for chip in ("h20", "h200", "b30a", "blackwell", "rubin"):
        assert after[f"us.export.{chip}.allowed"] == 0.0
        assert after[f"us.export.{chip}.enforcement"] == 0.85
        assert f"china.customs.{chip}" in after
    assert not any("default" in key for key in after)
    assert "us.export.ascend.allowed" not in after


def test_chip_rule_applies_after_the_default_of_the_same_event():
    from sim.scenario import policy_schedule, scenario_from_dict

    sc = scenario_from_dict(
        {
            "name": "x",
            "run": {"start": "2026-01", "end": "2026-03"},
            "timeline": [
                {
                    "date": "2026-02",
                    # the chip entry is written first; it still applies after the default
                    "set": {"us.export.h200.allowed": True, "us.export.default.allowed": False},
                },
                {"date": "2026-03", "set": {"us.export.default.fee": 0.1}},
            ],
        }
    )
    jan, feb, mar = policy_schedule(sc, {})
    assert jan["us.export.h20.allowed"] == 1.0
    assert feb["us.export.h20.allowed"] == 0.0 and feb["us.export.h200.allowed"] == 1.0
    # a later default changes one field of every chip and leaves the others as they were
    assert mar["us.export.h200.allowed"] == 1.0 and mar["us.export.b30a.allowed"] == 0.0
    assert all(mar[f"us.export.{c}.fee"] == 0.1 for c in ("h20", "h200", "b30a", "blackwell"))


def test_policy_block_default_then_chip_and_customs_default():
    from sim.scenario import policy_schedule, scenario_from_dict

    sc = scenario_from_dict(
        {
            "name": "x",
            "run": {"start": "2026-01", "end": "2026-01"},
            "policy": {
                "us": {"export": {"default": {"cap_units": 10}, "h20": {"cap_units": 5}}},
                "china": {"customs": {"default": 0.5, "h200": 1.0}},
            },
        }
    )
    (jan,) = policy_schedule(sc, {})
    assert jan["us.export.h20.cap_units"] == 5 and jan["us.export.blackwell.cap_units"] == 10
    assert jan["china.customs.h200"] == 1.0 and jan["china.customs.b30a"] == 0.5


@pytest.mark.parametrize(
    "data",
    [
        {"policy": {"us": {"export": {"b40": {"allowed": False}}}}},
        {"policy": {"china": {"customs": {"ascend": 1.0}}}},
        {"history": [{"date": "2024-01", "set": {"china.customs.b40": 1.0}}]},
        {"uncertainties": {"policy.us.export.b40.fee": {"dist": "uniform", "low": 0, "high": 1}}},
    ],
)
def test_unknown_chip_key_in_policy_names_the_fix(tmp_path, data):
    err = load_error(tmp_path, {"name": "x", **data})
    assert "is not `default` or an Nvidia chip type" in err.problem
    assert "h20, h200, b30a, blackwell" in err.fix and "add the chip to world.chips" in err.fix


def test_a_chip_added_in_the_world_is_a_valid_policy_key(tmp_path):
    sc = load_scenario(
        write(
            tmp_path,
            "s.yaml",
            {
                "name": "x",
                "world": {"chips": {"rubin": NEW_CHIP}},
                "policy": {"us": {"export": {"rubin": {"allowed": False}}}},
            },
        )
    )
    assert sc.policy.us.export["rubin"].allowed is False


# --------------------------------------------------------------------------- replacing a table


ONLY_LAB = {
    "nation": "us",
    "capital_busd": 1,
    "funding_busd_per_year": 1,
    "revenue_busd_per_year": 1,
    "power_gw": 0.1,
    "installed_h100e": {"h200": 1000},
    "researchers": 10,
}


def test_world_labs_merge_by_default_and_replace_on_request(tmp_path):
    merged = load_scenario(
        write(tmp_path, "m.yaml", {"name": "m", "world": {"labs": {"only": ONLY_LAB}}})
    )
    assert len(merged.world.labs) == len(default_world().labs) + 1  # the default labs and "only"
    replaced = load_scenario(
        write(
            tmp_path,
            "r.yaml",
            {"name": "r", "world": {"replace": ["labs"], "labs": {"only": ONLY_LAB}}},
        )
    )
    assert list(replaced.world.labs) == ["only"]
    assert replaced.world.chips == default_world().chips  # other tables still merge


def test_replace_also_drops_the_table_of_the_extended_file(tmp_path):
    write(tmp_path, "base.yaml", {"name": "base", "world": {"labs": {"xai": {"capital_busd": 2}}}})
    write(
        tmp_path,
        "child.yaml",
        {
            "name": "child",
            "extends": "base.yaml",
            "world": {"replace": ["labs"], "labs": {"only": ONLY_LAB}},
        },
    )
    sc = load_scenario(tmp_path / "child.yaml")
    assert list(sc.world.labs) == ["only"] and sc.world.replace == ["labs"]


def test_replace_names_only_tables(tmp_path):
    err = load_error(tmp_path, {"name": "x", "world": {"replace": ["nvidia"]}})
    assert err.field.startswith("world.replace")


def test_a_child_default_overrides_the_parents_chip_entries(tmp_path):
    sc = load_scenario(ROOT / "scenarios" / "tighten_full_ban.yaml")
    # baseline's policy names h20: {allowed: true}; the child's default wins over it
    assert list(sc.policy.us.export) == ["default"]
    base = ROOT / "scenarios" / "baseline.yaml"
    sc = load_scenario(base, parse_set(["policy.us.export.default.allowed=true"]))
    assert list(sc.policy.us.export) == ["default"] and sc.policy.us.export["default"].allowed
