"""Regression baselines: the calibrated baseline and three policy scenarios, pinned.

Each tests/regression/baselines/<scenario>.json holds the 5%, 50% and 95% quantiles of the capability lag
and China's compute share at 2026-12, 2028-12 and 2030-12 (200 runs, seed 7). After a deliberate
model change, refresh them with `python tests/regression/refresh.py` (the same function as
`sim calibrate --refresh-baselines`) and commit the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.calibration.report import (
    BASELINE_RUNS,
    BASELINE_SCENARIOS,
    BASELINE_SEED,
    baseline_numbers,
    compare_numbers,
)

ROOT = Path(__file__).resolve().parents[2]
BASELINES = Path(__file__).with_name("baselines")


@pytest.mark.parametrize("name", BASELINE_SCENARIOS)
def test_scenario_matches_its_baseline(name):
    pinned = json.loads((BASELINES / f"{name}.json").read_text())
    assert (pinned["runs"], pinned["seed"]) == (BASELINE_RUNS, BASELINE_SEED)
    fresh = baseline_numbers(ROOT / "scenarios" / f"{name}.yaml")
    changed = compare_numbers(pinned["numbers"], fresh)
    assert not changed, (
        f"{name}: {len(changed)} of {len(fresh)} numbers moved (old -> new (change)):\n  "
        + "\n  ".join(changed)
        + "\nIf the change is deliberate: python tests/regression/refresh.py"
    )


def test_compare_numbers_reports_old_new_and_change():
    lines = compare_numbers({"a": 10.0, "b": 1.0}, {"a": 11.0, "b": 1.0})
    assert lines == ["a: 10 -> 11 (+10.00%)"]
