"""Shared helpers: paths and small cached ensembles of the shipped scenarios."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sim import load_scenario, run_ensemble

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@cache
def ensemble(name: str, runs: int = 200, seed: int = 7):
    """A cached ensemble of a shipped scenario (same seed -> paired with the others)."""
    sc = load_scenario(SCENARIOS / f"{name}.yaml", {"run.runs": runs, "run.seed": seed})
    return run_ensemble(sc)
