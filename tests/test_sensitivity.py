"""Sobol sensitivity: known indices through the same code path, the chance factor, the command line."""

import json
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner
from SALib.test_functions import Ishigami
from support import SCENARIOS

from sim import load_results, load_scenario
from sim.analysis import sensitivity as sens
from sim.analysis.refs import parse_outcome_ref
from sim.cli import main
from sim.errors import SimError

# Ishigami (a = 7, b = 0.1) on [-pi, pi]^3: analytic first-order and total indices
ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_ishigami_indices_come_out_right():
    def evaluate(design):
        return Ishigami.evaluate(-np.pi + 2.0 * np.pi * design)

    result = sens.sobol_indices(["x1", "x2", "x3"], evaluate, samples=4096, seed=11)
    np.testing.assert_allclose(result.S1, ISHIGAMI_S1, atol=0.03)
    np.testing.assert_allclose(result.ST, ISHIGAMI_ST, atol=0.03)
    assert np.all(result.S1_conf > 0) and np.all(result.S1_conf < 0.1)
    assert list(result.table()["factor"]) == ["x1", "x2", "x3"]  # ranked by ST
    assert result.evaluations == 4096 * 5


def test_same_seed_same_indices_other_seed_other_design():
    def evaluate(design):
        return Ishigami.evaluate(-np.pi + 2.0 * np.pi * design)

    a, b, c = (sens.sobol_indices(["x1", "x2", "x3"], evaluate, 256, seed) for seed in (1, 1, 2))
    np.testing.assert_array_equal(a.design, b.design)
    np.testing.assert_array_equal(a.ST_conf, b.ST_conf)  # the bootstrap is seeded too
    assert not np.array_equal(a.design, c.design)


def fake_run_ensemble(scenario, runs, seed, chunk_size, progress, draws, backend="local"):
    """Stands in for the model: y = a + 2 b + chance, where chance depends on (seed, run index)."""
    a, b = draws["world.science.distill_rate"], draws["world.science.compute_elasticity"]
    chance = np.random.default_rng(seed).standard_normal(runs) * 0.01
    lag = a + 2.0 * b + chance
    return SimpleNamespace(year_end={"capability_lag_months": {"2028-12": lag}})


def test_model_evaluator_maps_draws_and_treats_shocks_as_a_factor(monkeypatch):
    monkeypatch.setattr(sens, "run_ensemble", fake_run_ensemble)
    sc = load_scenario(SCENARIOS / "baseline.yaml")
    result, evaluator = sens.model_sensitivity(
        sc, parse_outcome_ref("capability_lag_months@2028-12"), samples=2048, seed=4
    )
    # uniform a on [0.05, 0.30], uniform b on [0.05, 0.40]: var a = 0.25^2/12, var 2b = 4 x 0.35^2/12
    var = {"a": 0.25**2 / 12, "b": 4 * 0.35**2 / 12, "chance": 0.01**2}
    total = sum(var.values())
    by_name = dict(zip(evaluator.names, result.ST, strict=True))
    assert by_name["world.science.distill_rate"] == pytest.approx(var["a"] / total, abs=0.02)
    assert by_name["world.science.compute_elasticity"] == pytest.approx(var["b"] / total, abs=0.02)
    assert by_name[sens.CHANCE] == pytest.approx(var["chance"] / total, abs=0.002)
    assert by_name[sens.CHANCE] > 0.0005  # the shock seed does switch between A and B rows
    others = [
        v
        for k, v in by_name.items()
        if k not in ("world.science.distill_rate", "world.science.compute_elasticity", sens.CHANCE)
    ]
    assert max(abs(v) for v in others) < 1e-9


def test_samples_must_be_a_power_of_two():
    with pytest.raises(SimError, match="power of two"):
        sens.check_samples(1000)
    sens.check_samples(1024)


def test_sensitivity_command_ranks_the_uncertainties(tmp_path):
    out = tmp_path / "sens"
    result = invoke(
        "sensitivity",
        SCENARIOS / "baseline.yaml",
        "--outcome",
        "capability_lag_months@2026-12",
        "--samples",
        8,
        "--set",
        "run.end=2026-12",
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    assert "Sobol indices of capability_lag_months@2026-12" in result.output
    body = json.loads((out / "sensitivity.json").read_text())
    # the baseline's uncertainties plus chance; their number grew with the calibrated free
    # parameters (issue 3), so it is counted rather than written down
    n_factors = len(load_scenario(SCENARIOS / "baseline.yaml").uncertainties) + 1
    assert body["samples"] == 8 and body["evaluations"] == 8 * (n_factors + 2)
    assert [f["rank"] for f in body["factors"]] == list(range(1, n_factors + 1))
    sts = [f["ST"] for f in body["factors"]]
    assert sts == sorted(sts, reverse=True)
    assert {f["factor"] for f in body["factors"]} == set(
        load_scenario(SCENARIOS / "baseline.yaml").uncertainties
    ) | {sens.CHANCE}
    loaded = load_results(out)
    assert set(loaded.tables) == {"sensitivity", "design"}
    assert len(loaded.tables["design"]) == 8 * (n_factors + 2)
    assert (out / "sensitivity.png").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--outcome", "capability_lag@2028-12"), "unknown outcome"),
        (("--outcome", "capability_lag_months@2035-12"), "outside"),
        (("--outcome", "capability_lag_months"), "OUTCOME@YYYY-12"),
        (("--outcome", "capability_lag_months@2028-12", "--samples", 1000), "power of two"),
    ],
)
def test_bad_sensitivity_input_exits_2_without_a_folder(tmp_path, args, expected):
    out = tmp_path / "never"
    result = invoke("sensitivity", SCENARIOS / "baseline.yaml", *args, "--out", out)
    assert result.exit_code == 2, result.output
    assert expected in result.output and "Traceback" not in result.output
    assert not out.exists()
