"""What the page exports: the scenario as YAML, the views' numbers as CSV, the reproducing commands.

The YAML is the fully resolved scenario (defaults, `extends:` and the levers applied), keeping
only the fields the files and the levers set explicitly, so `sim validate` accepts it and
`sim run` on it gives the page's numbers: a policy field written out that was never set would
become a patch at `policy.effective` and override the scenario's history.
"""

from __future__ import annotations

import io
import shlex
from typing import Any

import pandas as pd
import yaml

from sim.app.levers import set_text
from sim.scenario import Scenario


def scenario_yaml(scenario: Scenario, command: str = "") -> str:
    """The scenario as a self-contained YAML file (no `extends:`)."""
    data = scenario.model_dump(mode="json", exclude_unset=True)
    data.pop("extends", None)
    head = "# yaml-language-server: $schema=./schema.json\n#\n# Written by `sim app`"
    head += f"; reproduces: {command}\n" if command else ".\n"
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def set_arguments(overrides: dict[str, Any], sets: tuple[str, ...] = ()) -> list[str]:
    """``--set PATH=VALUE`` arguments of the levers' overrides, then the typed lines, quoted."""
    out: list[str] = []
    for path, value in overrides.items():
        out += ["--set", shlex.quote(f"{path}={set_text(value)}")]
    for line in sets:
        out += ["--set", shlex.quote(line.strip())]
    return out


def run_command(
    scenario_file: str, overrides: dict[str, Any], sets: tuple[str, ...], runs: int, seed: int
) -> str:
    """`sim run FILE --runs R --seed S --set …`: the ensemble the page shows."""
    words = ["sim", "run", shlex.quote(scenario_file), "--runs", str(runs), "--seed", str(seed)]
    return " ".join(words + set_arguments(overrides, sets))


def compare_command(baseline_file: str, exported_file: str, runs: int, seed: int) -> str:
    """`sim compare BASELINE EXPORTED --runs R --seed S`: the paired effect the page shows."""
    words = ["sim", "compare", shlex.quote(baseline_file), shlex.quote(exported_file)]
    return " ".join(words + ["--runs", str(runs), "--seed", str(seed)])


def views_table(views: Any) -> pd.DataFrame:
    """Every number the views show, one per row: view, series, key, statistic, value."""
    rows: list[tuple[str, str, str, str, float]] = []
    for outcome, fans in views.fans.items():
        for run, frame in fans.items():
            for stat in ("p5", "p25", "p50", "p75", "p95"):
                for month, value in zip(frame["month"], frame[stat], strict=True):
                    rows.append((f"fan:{outcome}", run, month, stat, float(value)))
    for stat, value in views.effect_stats.items():
        rows.append(("effect:capability_lag_months", "scenario - baseline", views.year, stat, value))
    for _, row in views.at_most.iterrows():
        for run in ("scenario", "baseline"):
            rows.append(
                (
                    f"p_lag_at_most_{views.at_most_months:g}_months",
                    run,
                    row["year_end"],
                    "share of runs",
                    float(row[run]),
                )
            )
    for _, row in views.chips.iterrows():
        for source in [c for c in views.chips.columns if c not in ("year_end", "run")]:
            rows.append(
                (f"china_chips:{source}", row["run"], row["year_end"], "mean", float(row[source]))
            )
    rows.append(("median_lag", "scenario", views.year, "p50", views.median_lag))
    rows.append(("median_lag", "baseline", views.year, "p50", views.baseline_median_lag))
    return pd.DataFrame(rows, columns=["view", "series", "key", "statistic", "value"])


def views_csv(views: Any) -> str:
    """`views_table` as CSV text, with the scenario, runs and seed in a comment line first."""
    buffer = io.StringIO()
    buffer.write(f"# {views.name} against {views.baseline}, {views.runs} runs, seed {views.seed}\n")
    views_table(views).to_csv(buffer, index=False)
    return buffer.getvalue()
