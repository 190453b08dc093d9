"""`sim app` without a browser: levers from the schema, computing, cancelling, errors, exports.

The browser tests (tests/test_app_browser.py) drive the page itself; these check the parts the
page is built from, which import no web framework.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from pydantic import Field
from support import ROOT, SCENARIOS

from sim.analysis.compare import paired_differences
from sim.analysis.words import answers
from sim.app.compute import Cancelled, Engine, Request, Source, Token
from sim.app.export import run_command, scenario_yaml, views_csv, views_table
from sim.app.levers import levers, overrides
from sim.app.views import build_views
from sim.cli import main
from sim.errors import ScenarioError
from sim.run.ensemble import run_ensemble
from sim.scenario import load_scenario, parse_set
from sim.scenario.policy import ChinaPolicy, PolicyBlock, USPolicy, unrestricted_state
from sim.scenario.types import Probability, quantity
from sim.scenario.world import nvidia_types

LOOSEN = SCENARIOS / "loosen_h200.yaml"
BASELINE = SCENARIOS / "baseline.yaml"
CAP = "policy.us.export.h200.cap_units"
RUNS, SEED = 40, 11


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(BASELINE)


# ---------------------------------------------------------------------------- levers


def test_every_policy_leaf_is_a_lever_with_its_start_value():
    sc = load_scenario(LOOSEN)
    found = {lv.path: lv for lv in levers(sc)}
    leaves = {f"policy.{k}" for k in unrestricted_state(nvidia_types(sc.world))} | {"policy.effective"}
    assert set(found) == leaves
    cap = found[CAP]
    assert (cap.value, cap.unit, cap.optional, cap.kind) == (890000.0, "chips/year", True, "number")
    assert found["policy.us.export.h200.allowed"].value is True
    assert found["policy.us.export.blackwell.allowed"].value is False
    assert found["policy.china.customs.h20"].value == 0.5  # from the baseline's history
    assert found["policy.effective"].value == "2026-01"
    fee, permit = found["policy.us.export.h200.fee"], found["policy.us.power_permitting"]
    assert (fee.low, fee.high) == (0.0, 5.0)  # the schema's ge=0, le=5
    assert permit.low > 0.0  # gt=0: the slider cannot reach the forbidden bound
    assert "S27" in permit.help and "[-]" in permit.help


def test_a_new_schema_field_becomes_a_lever_by_itself():
    class USPlus(USPolicy):
        chip_tariff_rebate: Probability = quantity(0.3, unit="fraction", description="A new lever")

    class PolicyPlus(PolicyBlock):
        us: USPlus = Field(default_factory=USPlus, description="US policy.")
        china: ChinaPolicy = Field(default_factory=ChinaPolicy, description="Chinese policy.")

    found = {lv.path: lv for lv in levers(load_scenario(LOOSEN), PolicyPlus)}
    new = found["policy.us.chip_tariff_rebate"]
    assert (new.kind, new.unit, new.low, new.high, new.value) == ("number", "fraction", 0.0, 1.0, 0.3)
    assert new.description == "A new lever"


def test_only_moved_levers_become_overrides():
    found = levers(load_scenario(LOOSEN))
    values = {lv.path: lv.value for lv in found}
    assert overrides(found, values) == {}
    values[CAP] = 400000.0
    values["policy.us.export.b30a.cap_units"] = None  # unchanged null
    assert overrides(found, values) == {CAP: 400000.0}


# ---------------------------------------------------------------------------- computing


def test_compute_is_the_paired_comparison_of_the_command_line(engine):
    request = Request(Source.file(LOOSEN), {CAP: 400000.0}, (), RUNS, SEED)
    pair = engine.compute(request, Token())
    views = build_views(pair, "2028-12", 6)
    sc = load_scenario(LOOSEN, {CAP: 400000.0, "run.runs": RUNS, "run.seed": SEED})
    base = load_scenario(BASELINE, {"run.runs": RUNS, "run.seed": SEED})
    a, b = run_ensemble(base), run_ensemble(sc)
    lag = "capability_lag_months"
    assert views.median_lag == float(np.median(b.year_end[lag]["2028-12"]))
    diff = paired_differences(a, b)
    assert views.effect_stats == diff["outcomes"][lag]["2028-12"]
    assert views.sentence == answers(diff, "baseline", "loosen_h200", "2028-12")[lag]  # sim compare's
    assert views.sentence.startswith("loosen_h200 ")
    np.testing.assert_array_equal(views.effect, b.year_end[lag]["2028-12"] - a.year_end[lag]["2028-12"])
    p = views.at_most.set_index("year_end")
    assert p.loc["2027-12", "scenario"] == np.mean(b.year_end[lag]["2027-12"] <= 6)
    assert p.loc["2027-12", "baseline"] == np.mean(a.year_end[lag]["2027-12"] <= 6)
    legal = views.chips.set_index(["run", "year_end"]).loc[("scenario", "2027-12"), "legal imports"]
    assert legal == np.mean(b.year_end["china_chip_imports_legal_h100e"]["2027-12"])


def test_the_baseline_is_run_once_per_runs_and_seed(engine):
    first = engine.compute(Request(Source.file(LOOSEN), {CAP: 300000.0}, (), RUNS, SEED))
    again = engine.compute(Request(Source.file(LOOSEN), {CAP: 600000.0}, (), RUNS, SEED))
    other = engine.compute(Request(Source.file(LOOSEN), {}, (), RUNS, SEED + 1))
    assert again.baseline is first.baseline
    assert other.baseline is not first.baseline


def test_a_cancelled_request_stops_inside_the_run(engine):
    token = Token()
    token.cancel()
    with pytest.raises(Cancelled):
        engine.compute(Request(Source.file(LOOSEN), {}, (), RUNS, SEED), token)
    # cancelled from another thread while the model steps: it stops within a month
    months: list[int] = []
    stop = threading.Event()

    class Counting(Token):
        def check(self) -> None:
            months.append(1)
            if len(months) == 5:
                stop.set()
            super().check()

    token = Counting()
    threading.Thread(target=lambda: stop.wait() and token.cancel(), daemon=True).start()
    with pytest.raises(Cancelled):
        run_ensemble(load_scenario(LOOSEN, {"run.runs": RUNS}), interrupt=token.check)
    assert len(months) < 12  # stopped early in the first year, not at the end of 72 months


def test_a_bad_value_gives_the_command_line_message(engine):
    request = Request(Source.file(LOOSEN), {}, ("policy.us.export.h200.fee=-1",), RUNS, SEED)
    with pytest.raises(ScenarioError) as caught:
        engine.compute(request, Token())
    cli = CliRunner().invoke(main, ["run", str(LOOSEN), "--set", "policy.us.export.h200.fee=-1"])
    assert cli.exit_code == 2
    assert f"error: {caught.value}" in " ".join(cli.output.split())


def test_a_bad_pasted_yaml_is_named_by_its_own_name_and_leaves_no_file():
    before = set(SCENARIOS.iterdir())
    text = "name: mine\nextends: baseline.yaml\npolicy:\n  us:\n    visa_fee_kusd: -5\n"
    with pytest.raises(ScenarioError) as caught:
        Source.pasted(text, "mine.yaml", SCENARIOS).load()
    assert str(caught.value).startswith("mine.yaml: policy.us.visa_fee_kusd:")
    good = Source.pasted(text.replace("-5", "50"), "mine.yaml", SCENARIOS).load()
    assert good.policy.us.visa_fee_kusd == 50 and good.history  # extends: resolved beside the others
    assert set(SCENARIOS.iterdir()) == before


# ---------------------------------------------------------------------------- exports


def test_the_exported_yaml_validates_and_reproduces_the_numbers(engine, tmp_path):
    request = Request(
        Source.file(LOOSEN), {CAP: 250000.0}, ("policy.china.power_build=1.5",), RUNS, SEED
    )
    sc = engine.load(request)
    path = tmp_path / "app-scenario.yaml"
    path.write_text(scenario_yaml(sc, "sim run …"), encoding="utf-8")
    cli = CliRunner().invoke(main, ["validate", str(path)])
    assert cli.exit_code == 0, cli.output
    a, b = run_ensemble(sc), run_ensemble(load_scenario(path))
    for name, by_year in a.year_end.items():
        for year, values in by_year.items():
            np.testing.assert_array_equal(values, b.year_end[name][year])


def test_the_command_line_reproduces_the_request():
    command = run_command(
        "scenarios/loosen_h200.yaml",
        {CAP: 250000.0, "policy.effective": "2027-03", "policy.us.export.b30a.allowed": True},
        ("policy.china.power_build=1.5",),
        500,
        3,
    )
    words = command.split()
    assert words[:7] == ["sim", "run", "scenarios/loosen_h200.yaml", "--runs", "500", "--seed", "3"]
    sets = parse_set(tuple(w.strip("'") for w in words[8::2]))
    assert sets == {
        CAP: 250000,
        "policy.effective": "2027-03",
        "policy.us.export.b30a.allowed": True,
        "policy.china.power_build": 1.5,
    }


def test_csv_holds_every_view(engine):
    views = build_views(engine.compute(Request(Source.file(LOOSEN), {}, (), RUNS, SEED)))
    table = views_table(views)
    kinds = {v.split(":")[0] for v in table["view"]}
    assert kinds == {"fan", "effect", "p_lag_at_most_12_months", "china_chips", "median_lag"}
    assert views_csv(views).startswith("# loosen_h200 against baseline, 40 runs, seed 11\nview,")


def test_the_png_export_draws_every_view(engine):
    from sim.viz.app import all_views_figure, png

    views = build_views(engine.compute(Request(Source.file(LOOSEN), {}, (), RUNS, SEED)))
    fig = all_views_figure(views)
    assert len([ax for ax in fig.axes if ax.get_title()]) == 5
    assert png(fig).startswith(b"\x89PNG")


# ---------------------------------------------------------------------------- the command


def test_importing_the_cli_does_not_import_the_web_framework():
    code = "import sim.cli, sys; print(any(m in sys.modules for m in ('panel', 'bokeh')))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "False"


def test_without_the_app_extra_the_command_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "panel", None)  # import panel -> ImportError
    result = CliRunner().invoke(main, ["app", str(LOOSEN)])
    assert result.exit_code == 2
    assert result.output.strip() == "error: sim app needs the app extra: pip install -e '.[app]'"


def test_a_bad_scenario_stops_the_command_before_serving(tmp_path, monkeypatch):
    import sim.app

    monkeypatch.setattr(sim.app, "serve", lambda *a, **k: pytest.fail("it served a bad scenario"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nrun: {runs: 0}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["app", str(bad), "--port", "0"])
    assert result.exit_code == 2
    assert "run.runs" in result.output


def test_source_file_keeps_its_name():
    assert Source.file(Path("scenarios/loosen_h200.yaml")).name == "scenarios/loosen_h200.yaml"


# ---------------------------------------------------------------------------- speed, same numbers


def test_kept_streams_give_the_same_bits_and_stay_within_their_bound():
    from sim.model import sampling

    sc = load_scenario(LOOSEN, {"run.runs": RUNS, "run.seed": SEED})
    fresh = run_ensemble(sc)
    try:
        sampling.keep_streams(2**30)
        first, again = run_ensemble(sc), run_ensemble(sc)  # the second reads every shock kept
        assert sampling._STREAMS.arrays, "no stream was kept"
        kept = next(iter(sampling._STREAMS.arrays.values()))
        assert not kept.flags.writeable  # a caller cannot change what the next run reads
        sampling.keep_streams(3 * kept.nbytes)
        assert len(sampling._STREAMS.arrays) <= 3
        run_ensemble(sc, seed=SEED + 1)  # new streams push out the oldest
        assert 0 < len(sampling._STREAMS.arrays) <= 3
    finally:
        sampling.keep_streams(0)
    assert not sampling._STREAMS.arrays
    for result in (first, again):
        for name, by_year in fresh.year_end.items():  # float64: every bit of every run
            for year, values in by_year.items():
                assert np.array_equal(result.year_end[name][year], values), (name, year)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # Panel 1.x: Widget.name
def test_levers_reach_the_server_without_panels_delay():
    pytest.importorskip("panel")
    from sim.app.controls import lever_cards

    sc = load_scenario(LOOSEN)
    controls, _cards = lever_cards(levers(sc), ["2025-01", "2025-02"])
    cap = next(c for c in controls if c.lever.path == CAP)
    parts = [cap.input, cap.input._slider, cap.input._value_edit, *cap.widgets]
    assert all(part._debounce == 0 for part in parts)


def test_an_unchanged_baseline_is_not_sent_again(engine):
    pytest.importorskip("bokeh")
    from bokeh.document import Document

    from sim.app.plots import ChipsPlot, FanPlot
    from sim.app.views import LAG, SOURCES

    fan, chips = FanPlot(LAG, "lag", zero=True), ChipsPlot(tuple(SOURCES))
    doc = Document()  # as on the page: a change of a source's data is an event sent to the browser
    doc.add_root(fan.figure)
    doc.add_root(chips.figure)
    sent = []
    for cap in (300000.0, 600000.0):  # a new scenario, the same baseline
        views = build_views(engine.compute(Request(Source.file(LOOSEN), {CAP: cap}, (), RUNS, SEED)))
        doc.hold("combine")
        fan.update(views)
        chips.update(views)
        sent.append({event.model.id for event in doc.callbacks._held_events})
        doc.unhold()
    assert sent[0] == {fan.scen.id, fan.base.id, chips.scen.id, chips.base.id}
    assert sent[1] == {fan.scen.id, chips.scen.id}
    assert np.array_equal(fan.base.data["p50"], views.fans[LAG]["baseline"]["p50"].to_numpy())
