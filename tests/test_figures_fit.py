"""Every figure the package saves fits its canvas, is sharp enough for a briefing and reads well.

`sim.viz.style.save` and `png_bytes` (the report) check each figure's tight bounding box against
its canvas and warn `FigureClippedWarning` when text reaches past it; pytest turns warnings into
errors (pyproject.toml), so any test that saves a clipped figure fails. This file draws every
figure function of `sim.viz` on small ensembles and synthetic tables, and saves each one.
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from PIL import Image

from sim import load_scenario, run_ensemble
from sim.outcomes import HEADLINE
from sim.viz import analysis, calibration, style, tables
from sim.viz import run as plotting

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
RUNS, SEED = 20, 5
LAG = "capability_lag_months"


@pytest.fixture(scope="module")
def results():
    out = {}
    for name in ("baseline", "loosen_h200", "tighten_full_ban"):
        sc = load_scenario(SCENARIOS / f"{name}.yaml", {"run.runs": RUNS, "run.seed": SEED})
        out[name] = run_ensemble(sc)
    return out


def analysis_figures() -> dict[str, Figure]:
    """The sweep, Sobol, PRIM and calibration figures, on synthetic tables of the right shape."""
    lever, other = "policy.us.export.h200.cap_units", "policy.us.export.h200.fee"
    years = ["2027-12", "2028-12"]
    rows, parity = [], []
    for v in (0.0, 500_000.0, 1_000_000.0):
        for w in (0.0, 0.25):
            for y in years:
                parity.append({lever: v, other: w, "year_end": y, "p_parity": v / 2e6})
                for k, o in enumerate(HEADLINE):
                    mid = 10.0 + k + v / 1e5
                    rows.append(
                        {lever: v, other: w, "outcome": o, "year_end": y, "mean": mid, "p5": mid - 2}
                        | {"p25": mid - 1, "p50": mid, "p75": mid + 1, "p95": mid + 2}
                    )
    stats, par = pd.DataFrame(rows), pd.DataFrame(parity)
    one = stats[stats[other] == 0.0], par[par[other] == 0.0]
    sobol = pd.DataFrame(
        {
            "factor": ["world.science.distill_rate", "world.science.talent_elasticity"],
            "S1": [0.3, 0.5],
            "S1_conf": [0.05, 0.05],
            "ST": [0.4, 0.6],
            "ST_conf": [0.05, 0.05],
        }
    )
    path = pd.DataFrame(
        {
            "box": [0] * 4,
            "step": range(4),
            "coverage": [1, 0.8, 0.6, 0.4],
            "density": [0.1, 0.3, 0.5, 0.7],
        }
        | {"res_dim": [0, 1, 2, 3]}
    )
    targets = [
        {"id": "T1", "kind": "point", "value": 250_000, "tolerance": 50_000, "pass": True}
        | {"model_p5": 200_000, "model_p50": 240_000, "model_p95": 300_000},
        {"id": "T2", "kind": "lower", "value": 5.0, "tolerance": 1.0, "pass": False}
        | {"model_p5": 1.0, "model_p50": 2.0, "model_p95": 3.0},
    ]
    priors = {"world.science.distill_rate": {"low": 0.0, "high": 1.0, "unit": "1/month"}}
    posterior = {
        "world.science.distill_rate": {"dist": "triangular", "low": 0.2, "mode": 0.3, "high": 0.5}
    }
    return {
        "sweep": analysis.sweep_figure(*one, lever, "2028-12", "baseline", RUNS, SEED),
        "heatmaps": analysis.sweep_heatmaps(
            stats, par, [lever, other], "2028-12", "baseline", RUNS, SEED
        ),
        "sobol": analysis.sobol_figure(sobol, f"{LAG}@2028-12", "baseline", RUNS, SEED),
        "prim": analysis.trajectory_figure(
            path, path.iloc[[2]], f"{LAG}@2028-12 <= 3", "baseline", 9, 1
        ),
        "targets": calibration.calibration_targets(targets, "Calibration targets: baseline"),
        "parameters": calibration.calibrated_parameters(
            priors, posterior, {"world.science.distill_rate": 0.3}, "Calibrated parameters"
        ),
    }


def run_figures(results) -> dict[str, Figure]:
    """Every figure function of `sim.viz.run` (one and several scenarios)."""
    names = list(results)
    per_run = {n: r.per_run() for n, r in results.items()}
    monthly = {n: r.monthly_quantiles() for n, r in results.items()}
    dates = {n: tables.policy_dates(r.scenario) for n, r in results.items()}
    many = plotting.title_many(names, [RUNS] * 3, [SEED] * 3, "Test")
    one = plotting.title("loosen_h200", RUNS, SEED, "Test")
    effects = tables.effect_summary(
        {n: tables.paired_differences(per_run["baseline"], per_run[n], LAG) for n in names[1:]}
    )
    return {
        "fan_chart": plotting.fan_chart(
            monthly["loosen_h200"],
            LAG,
            one,
            zero_line=True,
            baseline=monthly["baseline"],
            dates=dates["loosen_h200"],
        ),
        "fan_charts": plotting.fan_charts(monthly, LAG, many, dates=dates),
        "fan_charts_two": plotting.fan_charts(dict(list(monthly.items())[:2]), LAG, many),
        "distributions": plotting.distributions(per_run["baseline"], LAG, one),
        "distributions_by_scenario": plotting.distributions_by_scenario(
            tables.year_end_long(per_run, LAG), LAG, many
        ),
        "sources": plotting.china_compute_sources(monthly["baseline"], one, runs=per_run["baseline"]),
        "sources_by_scenario": plotting.china_compute_sources_by_scenario(per_run, many),
        "sources_two": plotting.china_compute_sources_by_scenario(dict(list(per_run.items())[:2]), many),
        "parity": plotting.parity_probability(
            {n: tables.parity_curve(r, 3.0) for n, r in results.items()}, many, 3.0
        ),
        "lag_within": plotting.lag_within_probability(
            {n: tables.lag_within_table(r, (3.0, 6.0)) for n, r in results.items()}, many
        ),
        "run_paths": plotting.run_paths(
            results["loosen_h200"].trajectories(5, [LAG]), monthly["loosen_h200"], one
        ),
        "paired_effects": plotting.paired_effects(effects, LAG, many),
        "backtest": calibration.backtest(
            monthly["baseline"], [], [("2025-04", "H20 licence required")], one, "2025-12"
        ),
    }


def check_png(path: Path) -> None:
    with Image.open(path) as image:
        width = image.size[0]
        dpi = image.info.get("dpi", (0, 0))[0]
    assert width >= style.MIN_WIDTH_PX, (path.name, width)
    assert dpi >= 149.5, (path.name, dpi)


def test_every_figure_fits_its_canvas_and_is_wide_and_sharp(results, tmp_path):
    figures = run_figures(results) | analysis_figures()
    with warnings.catch_warnings():
        warnings.simplefilter("error", style.FigureClippedWarning)
        for name, fig in figures.items():
            check_png(style.save(fig, tmp_path / f"{name}.png"))


def test_run_folder_figures_fit_with_baseline_within_and_trajectories(results, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", style.FigureClippedWarning)
        written = plotting.draw_run_figures(
            results["loosen_h200"], tmp_path, (3.0, 6.0), trajectories=4, baseline=results["baseline"]
        )
    names = {p.name for p in written}
    assert {"lag_fan.png", "trajectories.png", "china_compute_sources.png"} <= names
    reached = plotting.any_parity(tables.parity_curve(results["loosen_h200"]))
    assert ("parity_probability.png" in names) == reached
    assert ("lag_within_probability.png" in names) != reached
    for path in written:
        check_png(path)


def test_a_clipped_figure_is_caught_where_it_is_saved(tmp_path):
    fig = style.figure(7, 1.2)
    ax = fig.add_subplot()
    ax.set_ylabel("a y label far too long for a figure this short [months]")
    with pytest.warns(style.FigureClippedWarning, match="clipped"):
        style.save(fig, tmp_path / "clipped.png")
    fig = style.figure(7, 1.2)
    fig.add_subplot().set_ylabel("a y label far too long for a figure this short [months]")
    with pytest.warns(style.FigureClippedWarning):
        style.png_bytes(fig, "clipped")


def test_large_numbers_get_thousands_separators(results, tmp_path):
    per_run = results["baseline"].per_run()
    fig = plotting.china_compute_sources(results["baseline"].monthly_quantiles(), "t", runs=per_run)
    style.save(fig, tmp_path / "sources.png")
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert any("," in t for t in ticks), ticks
    assert not any("e+" in t or "1e6" in t for t in ticks), ticks
    assert fig.axes[0].get_ylabel().endswith("[H100e/year]")
    assert style.tick(250000.0) == "250,000" and style.tick(2.5) == "2.5"


def test_fans_mark_the_policy_date_and_overlay_the_baseline(results):
    sc = results["loosen_h200"].scenario
    dates = tables.policy_dates(sc)
    assert dates == [(sc.policy.effective, "policy in force")]
    monthly = {n: r.monthly_quantiles() for n, r in results.items()}
    fig = plotting.fan_chart(monthly["loosen_h200"], LAG, "t", baseline=monthly["baseline"], dates=dates)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert any(sc.policy.effective in t for t in texts), texts
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert "baseline: 90% interval" in lines
    base = monthly["baseline"]
    np.testing.assert_allclose(
        lines["baseline: median"].get_ydata(), base.loc[base["outcome"] == LAG, "p50"]
    )
