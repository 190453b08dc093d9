"""Empirical distributions: joint draws by group, chunking invariance, the quantile, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.errors import ScenarioError
from sim.model.sampling import ppf, sample_uncertainties
from sim.scenario import Empirical, load_scenario, scenario_from_dict

A = "world.huawei.wafers_2025"
B = "world.us.ai_power_build_gw"
C = "world.behaviour.capital_draw"


def _joint(n: int = 7) -> dict[str, Empirical]:
    """Two grouped parameters whose row i is (i, 10 i): a perfect correlation, and one alone."""
    rows = np.arange(n, dtype=float)
    return {
        A: Empirical(dist="empirical", values=list(rows), group="posterior"),
        B: Empirical(dist="empirical", values=list(10.0 * rows), group="posterior"),
        C: Empirical(dist="empirical", values=list(rows), group=None),
    }


def test_a_group_takes_the_same_row_in_every_run():
    draws = sample_uncertainties(_joint(), seed=3, run_start=0, n_runs=500)
    np.testing.assert_array_equal(draws[B], 10.0 * draws[A])
    # every row is drawn, and the ungrouped parameter is not tied to the group's row
    assert set(draws[A]) == set(range(7))
    assert not np.array_equal(draws[C], draws[A])


def test_group_draws_do_not_depend_on_the_chunking():
    whole = sample_uncertainties(_joint(), seed=11, run_start=0, n_runs=103)
    parts = [
        sample_uncertainties(_joint(), seed=11, run_start=s, n_runs=n)
        for s, n in ((0, 5), (5, 37), (42, 61))
    ]
    for path in whole:
        np.testing.assert_array_equal(np.concatenate([p[path] for p in parts]), whole[path])


def test_group_row_is_floor_of_the_group_stream():
    from sim.model.sampling import uniforms

    draws = sample_uncertainties(_joint(7), seed=5, run_start=10, n_runs=50)
    u = uniforms(5, "group:posterior", 10, 50)
    np.testing.assert_array_equal(draws[A], np.floor(u * 7))


def test_empirical_ppf_is_the_sorted_quantile():
    dist = Empirical(dist="empirical", values=[3.0, 1.0, 2.0, 5.0], group="posterior")
    u = np.array([1e-12, 0.2499, 0.25, 0.6, 0.99, 1 - 1e-12])
    np.testing.assert_array_equal(ppf(dist, u), [1.0, 1.0, 2.0, 3.0, 5.0, 5.0])


def test_the_model_draws_a_group_jointly_in_every_chunk():
    """Through RaceModel: a split ensemble draws the same joint rows as one block."""
    from sim.model import RaceModel

    values = [1000.0, 1500.0, 2000.0, 2500.0]
    sc = scenario_from_dict(
        {
            "name": "joint",
            "run": {"end": "2025-02"},
            "uncertainties": {
                A: {"dist": "empirical", "values": values, "group": "g"},
                B: {"dist": "empirical", "values": [v / 5000.0 for v in values], "group": "g"},
            },
        }
    )
    whole = RaceModel(sc, run_start=0, n_runs=30, seed=9).draws
    split = [RaceModel(sc, run_start=s, n_runs=n, seed=9).draws for s, n in ((0, 13), (13, 17))]
    for path in (A, B):
        np.testing.assert_array_equal(np.concatenate([d[path] for d in split]), whole[path])
    np.testing.assert_allclose(whole[B], whole[A] / 5000.0)


@pytest.mark.parametrize(
    ("uncertainties", "field", "words"),
    [
        ({A: {"dist": "empirical", "values": []}}, f"uncertainties.{A}.values", "at least one"),
        (
            {A: {"dist": "empirical", "values": [1.0, float("nan")]}},
            f"uncertainties.{A}.values",
            "finite",
        ),
        (
            {A: {"dist": "empirical", "values": [1.0, float("inf")]}},
            f"uncertainties.{A}.values",
            "finite",
        ),
        (
            {
                A: {"dist": "empirical", "values": [1.0, 2.0], "group": "p"},
                B: {"dist": "empirical", "values": [0.3, 0.4, 0.5], "group": "p"},
            },
            f"uncertainties.{B}.values",
            "group 'p' has 2 values",
        ),
    ],
)
def test_bad_empirical_input_is_one_line_naming_the_field(tmp_path: Path, uncertainties, field, words):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"name": "bad", "uncertainties": uncertainties}))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert "\n" not in text
    assert str(path) in text and field in text and words in text and "fix:" in text
