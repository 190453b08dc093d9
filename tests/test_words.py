"""Answers in words, the paired-effect figure and CSV of `sim compare`, tables that fit 80 columns."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from rich.console import Console
from support import SCENARIOS, ensemble

from sim.analysis.compare import effect_stats, paired_differences
from sim.analysis.words import PHRASES, answers, answers_by_year, sentence
from sim.cli import main
from sim.cli.tables import compare_table, summary_table
from sim.fmt import interval, number, signed
from sim.outcomes import HEADLINE

MINUS = "\u2212"


def stats(p5, p50, p95, direction, same, lower=0.0, higher=0.0):
    return {"p5": p5, "p50": p50, "p95": p95, "direction": direction,
            "share_same_direction": same, "share_lower": lower, "share_higher": higher}  # fmt: skip


@pytest.mark.parametrize("value", [-0.0, -1e-12, -0.04, -0.0004])
def test_a_value_that_prints_as_zero_has_no_sign(value):
    assert number(value, "capability_lag_months") == "0.0"
    assert signed(value, "capability_lag_months") == "0.0"
    assert number(value / 100, "china_compute_share") == "0.000"


def test_negative_numbers_use_the_minus_sign_and_intervals_use_to():
    assert signed(-1.26, "capability_lag_months") == f"{MINUS}1.3"
    assert signed(0.9, "capability_lag_months") == "+0.9"
    assert interval(-1.7, -0.1) == f"{MINUS}1.7 to {MINUS}0.1"


def test_effect_stats_counts_floating_point_residue_as_no_change():
    a = np.array([706_638.3, 1.0, 2.0, 3.0, 4.0])
    b = a + np.array([2.9e-11, -1.0, -1.0, -2.0, 0.5])
    s = effect_stats(a, b)
    assert s["direction"] == -1
    assert s["share_lower"] == pytest.approx(0.6) and s["share_higher"] == pytest.approx(0.2)
    assert s["share_same_direction"] == pytest.approx(0.6)
    assert s["p50"] == pytest.approx(-1.0)
    still = effect_stats(np.full(4, 1e6), np.full(4, 1e6) + 1e-10)
    assert still["direction"] == 0 and still["share_same_direction"] == 1.0


def test_a_shorter_lag_is_china_closer():
    lag = stats(-4.7, -2.64, -1.3, -1, 0.93)
    text = sentence(lag, "capability_lag_months", "base", "pol", "2028-12")
    assert text == (
        "pol shortens China's lag in 2028-12 by 2.6 months against base (90% interval: 1.3 to 4.7 "
        "months shorter); 93% of runs move the same way: China gets closer."
    )


def test_more_us_power_is_china_further_behind_and_a_straddling_interval_is_in_words():
    text = sentence(stats(-0.4, 1.2, 3.9, 1, 0.7), "us_ai_power_gw", "base", "pol", "2028-12")
    assert "raises US AI power in 2028-12 by 1.2 GW" in text
    assert "(90% interval: 0.4 GW lower to 3.9 GW higher)" in text
    assert text.endswith("70% of runs move the same way: China falls further behind.")


def test_a_share_is_told_in_percentage_points_and_a_flow_over_its_year():
    share = sentence(stats(0.012, 0.022, 0.035, 1, 1.0), "china_compute_share", "a", "b", "2028-12")
    assert "by 2.2 percentage points" in share and "China gets closer" in share
    flow = sentence(stats(5e5, 6.85e5, 8e5, 1, 1.0), "china_chip_imports_h100e", "a", "b", "2028-12")
    assert "China's chip imports over 2028 by 685k H100e/year" in flow


def test_no_change_in_the_median_run_is_said_so_and_never_prints_minus_zero():
    s = stats(-1e-11, 3e-15, 3.9, 0, 0.62, lower=0.02, higher=0.36)
    text = sentence(s, "us_ai_power_gw", "base", "pol", "2028-12")
    assert "leaves US AI power in 2028-12 unchanged from base in the median run" in text
    assert "62% of runs show no change, 2% lower and 36% higher" in text
    assert "-0" not in text and f"{MINUS}0" not in text


def test_every_headline_outcome_declares_which_way_is_closer():
    assert set(HEADLINE) <= set(PHRASES)
    assert PHRASES["capability_lag_months"].closer == -1
    assert PHRASES["china_compute_share"].closer == +1


@pytest.fixture(scope="module")
def diff():
    return paired_differences(ensemble("baseline", 60), ensemble("loosen_h200", 60))


def test_answers_of_a_real_comparison(diff):
    said = answers(diff, "baseline", "loosen_h200", "2028-12")
    assert list(said) == list(HEADLINE)
    assert said["capability_lag_months"].startswith("loosen_h200 shortens China's lag in 2028-12 by ")
    assert "China gets closer" in said["capability_lag_months"]
    assert all("-0.0" not in t and "–" not in t for t in said.values())
    by_year = answers_by_year(diff, "baseline", "loosen_h200")
    assert by_year["2028-12"] == said and "2030-12" in by_year


def rendered(renderable) -> list[str]:
    console = Console(width=80, record=True, color_system=None)
    console.print(renderable)
    return console.export_text().splitlines()


def check_fits(lines: list[str], cells: list[str]) -> None:
    text = "\n".join(lines)
    assert "…" not in text
    assert max(len(line) for line in lines) <= 80
    for cell in cells:
        assert cell in text, cell


def test_compare_table_fits_80_columns(diff):
    lines = rendered(compare_table(diff, "baseline", "loosen_h200", 60, 7, HEADLINE))
    assert lines[0] == "loosen_h200 − baseline: paired effect per run"
    cells = [
        interval(s["p5"], s["p95"], name) for name in HEADLINE for s in diff["outcomes"][name].values()
    ]
    check_fits(lines, cells)
    assert "-0.0" not in "\n".join(lines) and "ΔP(lag ≤ 3" in "\n".join(lines)


def test_run_table_fits_80_columns_and_shows_p_lag_within_when_the_summary_has_it():
    from sim.run.results import summary_dict

    summary = summary_dict(ensemble("loosen_h200", 60))
    summary["probabilities"].pop("china_lag_at_most", None)
    cells = [
        interval(s["p5"], s["p95"], name)
        for name in HEADLINE
        for s in summary["outcomes"][name].values()
    ]
    lines = rendered(summary_table(summary, HEADLINE))
    check_fits(lines, cells)
    assert "P(parity" in "\n".join(lines) and "P(lag ≤" not in "\n".join(lines)
    years = list(summary["probabilities"]["china_parity_by"])
    summary["probabilities"]["china_lag_at_most"] = {
        "6": {y: 0.25 for y in years},
        "3": {y: 0.125 for y in years},
    }
    text = "\n".join(lines := rendered(summary_table(summary, HEADLINE)))
    check_fits(lines, cells)
    assert "P(parity" not in text and text.index("P(lag ≤ 3") < text.index("P(lag ≤ 6")
    assert "12.5%" in text and "25.0%" in text


def test_compare_writes_answers_effects_csv_and_the_effect_plot(tmp_path):
    from PIL import Image

    out = tmp_path / "cmp"
    args = ["compare", SCENARIOS / "baseline.yaml", SCENARIOS / "loosen_h200.yaml", "--runs", 40]
    result = CliRunner().invoke(main, [str(a) for a in [*args, "--out", out]], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "In words, at 2028-12" in result.output
    assert "loosen_h200 shortens China's lag in 2028-12" in result.output
    body = json.loads((out / "comparison.json").read_text())
    assert body["answers"]["2028-12"]["capability_lag_months"].startswith("loosen_h200 shortens")
    csv = pd.read_csv(out / "effects.csv")
    assert list(csv.columns) == [
        "outcome", "year_end", "mean", "p5", "p25", "p50", "p75", "p95", "share_same_direction"
    ]  # fmt: skip
    lag = csv.query("outcome == 'capability_lag_months' and year_end == '2028-12'").iloc[0]
    assert lag["p50"] == pytest.approx(body["outcomes"]["capability_lag_months"]["2028-12"]["p50"])
    with Image.open(out / "effect.png") as png:
        assert png.size[0] >= 1000 and png.info["dpi"][0] == pytest.approx(150, abs=1)


def test_the_effect_figure_keeps_its_text_inside_the_canvas(diff):
    from sim.viz.compare import effect_figure

    a, b = ensemble("baseline", 60), ensemble("loosen_h200", 60)
    for outcome in ("capability_lag_months", "china_compute_share"):
        fig = effect_figure(a.year_end[outcome], b.year_end[outcome], "baseline", "loosen_h200", 60, 7,
                            outcome)  # fmt: skip
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        box = fig.get_tightbbox(canvas.get_renderer())
        width, height = fig.get_size_inches()
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width + 1e-6 and box.y1 <= height + 1e-6
        texts = [t.get_text() for ax in fig.axes for t in ax.texts]
        side = "← China closer" if outcome == "capability_lag_months" else "China closer →"
        assert any(side in t for t in texts)
