"""The notebooks execute end to end (nbclient), with a small run count, and are committed clean."""

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
RUNS = 60

#: the figures each notebook writes (into $SIM_NOTEBOOK_FIGURES/<notebook>/)
FIGURES = {
    "outcome_distributions": [
        "lag_distributions",
        "lag_fans",
        "compute_share_fans",
        "parity_probability",
        "within_months_probability",
        "china_compute_sources_by_scenario",
        "china_compute_sources_baseline",
        "china_compute_sources_loosen_h200",
    ],
    "policy_comparison": ["paired_lag", "paired_compute_share"],
}


def execute(name, tmp_path, monkeypatch, **env):
    """Run a notebook in a fresh kernel that inherits the test's environment."""
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("SIM_NOTEBOOK_RUNS", str(RUNS))
    monkeypatch.setenv("SIM_NOTEBOOK_FIGURES", str(tmp_path / "figures"))
    for key, value in env.items():
        monkeypatch.setenv(key, str(value))
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    ).execute()
    return nb


def outputs(nb, kind):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == kind]


def text(nb):
    return "".join(o.get("text", "") for o in outputs(nb, "stream"))


@pytest.mark.parametrize("name", sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")))
def test_notebook_is_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert "SIM_NOTEBOOK_RUNS" in code[0].source  # the run count is the first cell's parameter


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_notebook_executes_and_draws_its_figures(name, tmp_path, monkeypatch):
    nb = execute(name, tmp_path, monkeypatch)
    assert outputs(nb, "error") == []
    assert f"{RUNS} runs" in text(nb)
    pngs = [o for o in outputs(nb, "display_data") if "image/png" in o.data]
    assert len(pngs) == len(FIGURES[name])
    written = sorted(p.stem for p in (tmp_path / "figures" / name).glob("*.png"))
    assert written == sorted(FIGURES[name])


def test_calibration_notebook_says_when_not_calibrated(tmp_path, monkeypatch):
    nb = execute("calibration", tmp_path, monkeypatch, SIM_CALIBRATION_DIR=tmp_path / "none")
    assert "Not calibrated yet" in text(nb)
    assert not [o for o in outputs(nb, "display_data") if "image/png" in o.data]


def test_calibration_notebook_plots_targets_parameters_and_backtest(tmp_path, monkeypatch):
    cal = tmp_path / "calibration"
    cal.mkdir()
    lag = {
        "id": "S1",
        "kind": "point",
        "value": 7.0,
        "tolerance": 1.5,
        "unit": "months",
        "figure": "lag of 7 months in 2025",
    }
    cap = {
        "id": "S3",
        "kind": "upper",
        "value": 445000.0,
        "tolerance": 45000.0,
        "unit": "chips",
        "figure": "Huawei output below 445,000 in 2026",
    }
    report = {
        "provenance": {"created_utc": "2026-01-01T00:00:00+00:00"},
        "runs": 50,
        "seed": 1,
        "loss": 0.1,
        "point_fit": {"world.huawei.wafers_2025": 1000.0},
        "targets": [
            {**lag, "model_p5": 5.9, "model_p50": 7.3, "model_p95": 8.9, "error": 0.2, "pass": True},
            {
                **cap,
                "model_p5": 2.2e5,
                "model_p50": 2.6e5,
                "model_p95": 3.1e5,
                "error": 0.0,
                "pass": True,
            },
        ],
        "target_definitions": [
            {
                **lag,
                "date": "2025",
                "quantity": {
                    "series": "capability_lag_months",
                    "op": "mean",
                    "from": "2025-01",
                    "to": "2025-12",
                },
            },
            {
                **cap,
                "date": "2026",
                "quantity": {
                    "series": "china_domestic_output_chips",
                    "op": "sum",
                    "from": "2026-01",
                    "to": "2026-12",
                },
            },
        ],
    }
    (cal / "fit_report.json").write_text(json.dumps(report))
    (cal / "calibrated.yaml").write_text(
        "uncertainties:\n  world.huawei.wafers_2025: "
        "{dist: triangular, low: 600, mode: 900, high: 2000}\n"
    )
    (cal / "priors.yaml").write_text(
        "parameters:\n  world.huawei.wafers_2025: {low: 500, high: 4000, unit: wafers/month}\n"
    )
    nb = execute("calibration", tmp_path, monkeypatch, SIM_CALIBRATION_DIR=cal)
    assert "Not calibrated yet" not in text(nb)
    written = sorted(p.stem for p in (tmp_path / "figures" / "calibration").glob("*.png"))
    assert written == ["backtest_2025", "parameters", "targets"]
    tables = "".join(o.data.get("text/plain", "") for o in outputs(nb, "display_data"))
    assert "S1" in tables and "S3" in tables


def test_notebooks_hold_no_model_logic():
    """Notebooks call sim; they define no model classes and step no model themselves."""
    for path in NOTEBOOKS.glob("*.ipynb"):
        source = "\n".join(
            c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"
        )
        assert "import sim" in source
        for forbidden in ("class ", "RaceModel", ".step(", "np.random"):
            assert forbidden not in source, f"{path.name} contains {forbidden!r}"
        assert os.sep + "sim" + os.sep not in source
