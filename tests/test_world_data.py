"""The default world's data file (sim/data/world.yaml): units, sources, and the schema's defaults."""

import json
from pathlib import Path

import pytest
from pydantic import BaseModel

from sim.dotted import flatten
from sim.scenario import Scenario, World, default_world
from sim.scenario.data import WORLD_FILE, world_entries
from sim.scenario.types import field_unit

ROOT = Path(__file__).resolve().parents[1]


def _field_of(path: str) -> tuple[type[BaseModel], str]:
    """The model and field name a data-file path fills (table rows skip their key)."""
    model: type[BaseModel] = World
    parts = path.split(".")
    i = 0
    while True:
        name = parts[i]
        annotation = model.model_fields[name].annotation
        if i == len(parts) - 1:
            return model, name
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model, i = annotation, i + 1
            continue
        args = getattr(annotation, "__args__", ())
        if len(args) == 2 and isinstance(args[1], type) and issubclass(args[1], BaseModel):
            model, i = args[1], i + 2  # a table: skip the row key
            continue
        return model, name


def test_the_data_file_is_in_the_package():
    assert WORLD_FILE.is_relative_to(ROOT / "sim") and WORLD_FILE.exists()


@pytest.mark.parametrize("path", list(world_entries()))
def test_every_value_has_the_unit_of_its_field_and_a_source(path):
    entry = world_entries()[path]
    model, name = _field_of(path)
    unit = field_unit(model, name)
    assert unit, f"{model.__name__}.{name} has no unit metadata"
    assert entry["unit"] == unit, f"{path}: data says {entry['unit']!r}, field says {unit!r}"
    assert isinstance(entry["source"], str) and entry["source"].strip(), f"{path} has no source"


def test_every_field_of_the_default_world_is_in_the_data_file():
    given = set(world_entries())
    dumped = flatten(default_world().model_dump(exclude={"replace"}))
    # installed_h100e is one value (a dict of chips); other leaves are one entry each
    leaves = {
        p.split(".installed_h100e")[0] + ".installed_h100e" if ".installed_h100e" in p else p
        for p in dumped
    }
    assert leaves == given


def test_the_yaml_built_world_equals_the_schema_default():
    assert default_world() == World() == Scenario(name="x").world
    schema = json.loads((ROOT / "scenarios" / "schema.json").read_text())
    nvidia = schema["$defs"]["NvidiaWorld"]["properties"]
    assert nvidia["capacity_2025"]["default"] == default_world().nvidia.capacity_2025
    assert nvidia["capacity_2025"]["unit"] == "die units/month"


def test_a_unit_mismatch_is_an_error_at_import(monkeypatch):
    from sim.scenario import data

    fake = {"value": 1.0, "unit": "GW", "source": "assumption"}
    monkeypatch.setattr(data, "entry", lambda path: fake)
    with pytest.raises(ValueError, match="make them agree"):
        data.default_quantity("nvidia.capacity_2025", "die units/month", "Capacity")


def test_chip_types_come_from_the_catalogue():
    from sim.scenario import chip_types, nvidia_types, scenario_from_dict

    world = default_world()
    # catalogue order, Nvidia's types a subsequence of it (a chip added to the data file moves
    # neither assertion)
    assert chip_types(world) == tuple(world.chips)
    assert nvidia_types(world) == tuple(c for c in chip_types(world) if c in nvidia_types(world))
    assert {"h20", "h200", "b30a", "blackwell"} <= set(nvidia_types(world))
    assert "ascend" in chip_types(world) and "ascend" not in nvidia_types(world)
    new = {
        "maker": "nvidia",
        "h100e": 3.0,
        "inference_h100e": 3.0,
        "kw_all_in": 2.5,
        "price_kusd": 60.0,
        "die_units": 2.0,
    }
    sc = scenario_from_dict({"name": "x", "world": {"chips": {"rubin": new}}})
    assert nvidia_types(sc.world)[-1] == "rubin" and chip_types(sc.world)[-1] == "rubin"
