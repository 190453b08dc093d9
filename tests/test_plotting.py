"""Plot functions and the tables behind them: units on every axis, greys only, honest numbers."""

from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from sim import load_scenario, run_ensemble
from sim.analysis.compare import paired_differences
from sim.viz import run as plotting
from sim.viz import tables
from sim.viz.calibration import backtest

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
RUNS, SEED = 40, 3


@pytest.fixture(scope="module")
def results():
    out = {}
    for name in ("baseline", "loosen_h200", "no_distillation"):
        sc = load_scenario(SCENARIOS / f"{name}.yaml", {"run.runs": RUNS, "run.seed": SEED})
        out[name] = run_ensemble(sc)
    return out


def figures(results):
    names = list(results)
    per_run = {n: r.per_run() for n, r in results.items()}
    monthly = {n: r.monthly_quantiles() for n, r in results.items()}
    many = plotting.title_many(names, [RUNS] * 3, [SEED] * 3, "Test")
    one = plotting.title("baseline", RUNS, SEED, "Test")
    lag = "capability_lag_months"
    effects = tables.effect_summary(
        {n: tables.paired_differences(per_run["baseline"], per_run[n], lag) for n in names[1:]}
    )
    return {
        "fan_chart": plotting.fan_chart(monthly["baseline"], lag, one, zero_line=True),
        "distributions": plotting.distributions(per_run["baseline"], lag, one),
        "china_compute_sources": plotting.china_compute_sources(
            monthly["baseline"], one, runs=per_run["baseline"]
        ),
        "fan_charts": plotting.fan_charts(monthly, "china_compute_share", many),
        "distributions_by_scenario": plotting.distributions_by_scenario(
            tables.year_end_long(per_run, lag), lag, many
        ),
        "parity_probability": plotting.parity_probability(
            {n: tables.parity_curve(r, 3.0) for n, r in results.items()}, many, 3.0
        ),
        "china_compute_sources_by_scenario": plotting.china_compute_sources_by_scenario(per_run, many),
        "paired_effects": plotting.paired_effects(effects, lag, many),
        "backtest": backtest(monthly["baseline"], [], [("2025-04", "licence")], one, "2025-12"),
    }


def labels(fig: Figure) -> list[str]:
    out = [
        fig._supxlabel.get_text() if fig._supxlabel else "",
        fig._supylabel.get_text() if fig._supylabel else "",
    ]
    for ax in fig.axes:
        if ax.get_visible():
            out += [ax.get_xlabel(), ax.get_ylabel()]
    return out


def test_every_figure_names_scenario_runs_and_seed_and_has_units(results):
    for name, fig in figures(results).items():
        fig.draw_without_rendering()  # fills in tick labels
        titles = [fig._suptitle.get_text() if fig._suptitle else ""]
        titles += [ax.get_title() for ax in fig.axes]
        assert any(f"{RUNS} runs" in t and f"seed {SEED}" in t for t in titles), name
        assert any("baseline" in t for t in titles), name
        texts = [t for t in labels(fig) if t]
        assert texts, name
        for ax in fig.axes:
            if not ax.get_visible():
                continue
            shared = {sib.get_xlabel() for sib in ax.get_shared_x_axes().get_siblings(ax)} - {""}
            x = shared.pop() if len(shared) == 1 else ax.get_xlabel()
            x = x or (fig._supxlabel.get_text() if fig._supxlabel else "")
            y = ax.get_ylabel() or (fig._supylabel.get_text() if fig._supylabel else "")
            # categorical rows (scenario names) are labelled on the first of shared axes
            has_ticklabels = [
                t.get_text()
                for sib in ax.get_shared_y_axes().get_siblings(ax)
                for t in sib.get_yticklabels()
                if t.get_text() and not t.get_text().lstrip("−-").replace(".", "").isdigit()
            ]
            # a numeric axis carries a unit in brackets; a categorical axis names its rows
            assert "[" in x or x in ("Month", "Date", "Calendar year", "Year end (December)"), (name, x)
            assert "[" in y or has_ticklabels, (name, y)


def colours(fig: Figure):
    for ax in fig.axes:
        for line in ax.get_lines():
            yield line.get_color()
            yield line.get_markerfacecolor()
        for coll in ax.collections:
            yield from coll.get_facecolors()
            yield from coll.get_edgecolors()
        for patch in ax.patches:
            yield patch.get_facecolor()


def test_every_figure_is_drawn_in_greys(results):
    for name, fig in figures(results).items():
        for c in colours(fig):
            if isinstance(c, str) and c == "none":
                continue
            r, g, b, _ = to_rgba(c)
            assert r == pytest.approx(g) == pytest.approx(b), (name, c)


def test_parity_curve_matches_the_parity_probabilities(results):
    for r in results.values():
        curve = tables.parity_curve(r).set_index("date")["p"]
        from_runs = tables.parity_curve(r.per_run()).set_index("date")["p"]
        for label, p in r.parity_probabilities().items():
            assert curve[f"{label}-01"] == pytest.approx(p)
            assert from_runs[f"{label}-01"] == pytest.approx(p)
        loose = tables.parity_curve(r, within_months=6.0)["p"].to_numpy()
        assert np.all(np.diff(loose) >= 0) and np.all(loose >= curve.to_numpy())
    # the baseline's lag falls below six months in some runs
    assert tables.parity_curve(results["baseline"], within_months=6.0)["p"].iloc[-1] > 0


def test_paired_effects_equal_sim_compare(results):
    a, b = results["baseline"], results["loosen_h200"]
    expected = paired_differences(a, b)["outcomes"]["capability_lag_months"]
    effects = tables.effect_summary({"x": tables.paired_differences(a, b, "capability_lag_months")})
    for _, row in effects.iterrows():
        for key in ("mean", "p5", "p50", "p95"):
            assert row[key] == pytest.approx(expected[row["year_end"]][key])
    assert effects["p_lower"].iloc[-1] > 0.5  # loosening shortens the lag in most runs


def test_paired_differences_refuse_different_runs(results):
    a = results["baseline"].per_run()
    with pytest.raises(ValueError, match="same run indices"):
        tables.paired_differences(a, a.iloc[:10], "capability_lag_months")
    assert not tables.is_paired(a, a.iloc[:10], {"seed": 1, "runs": 40}, {"seed": 1, "runs": 10})


def test_source_totals_add_up_to_imports_plus_domestic(results):
    runs = results["loosen_h200"].per_run()
    totals = tables.source_totals(runs)
    for year in ("2026-12", "2030-12"):
        sub = totals[totals.year_end == year]
        by_run = sub.groupby("run")["value"].sum().to_numpy()
        expected = (
            runs[f"china_chip_imports_h100e@{year}"] + runs[f"china_domestic_chips_h100e@{year}"]
        ).to_numpy()
        np.testing.assert_allclose(by_run, expected, rtol=1e-9)
        shares = sub.groupby("run")["share"].sum().to_numpy()
        np.testing.assert_allclose(shares[expected > 0], 1.0)


def test_draw_run_figures_writes_the_run_pngs(results, tmp_path):
    paths = plotting.draw_run_figures(results["baseline"], tmp_path)
    # P(parity) only when some run reaches it; otherwise P(lag <= N months) in each December
    reached = plotting.any_parity(tables.parity_curve(results["baseline"]))
    assert sorted(p.name for p in paths) == sorted(
        [
            "lag_fan.png",
            "compute_share_fan.png",
            "lag_distribution.png",
            "china_compute_sources.png",
            "parity_probability.png" if reached else "lag_within_probability.png",
        ]
    )
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in paths)


def test_paired_effects_say_same_when_no_run_differs(results):
    a = results["baseline"].per_run()
    lag = "capability_lag_months"
    effects = tables.effect_summary(
        {
            "baseline again": tables.paired_differences(a, a, lag),
            "loosen_h200": tables.paired_differences(a, results["loosen_h200"].per_run(), lag),
        }
    )
    fig = plotting.paired_effects(effects, lag, "t")
    notes = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert notes.count("same") == len(fig.axes)
    assert all(n == "same" or n.endswith("%") for n in notes)
