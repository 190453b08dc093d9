"""Paired comparison of two scenarios on common random numbers.

Run i of A and run i of B read the same random numbers (same seed, same run index, same stream
names), so the difference B - A of an outcome in run i is the policy's effect in that draw of the
world, not noise between two independent samples.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.run.ensemble import EnsembleResult


def paired_differences(a: EnsembleResult, b: EnsembleResult) -> dict[str, Any]:
    """Distribution of B - A per outcome and year-end: mean, p5, p50, p95; and parity change."""
    if a.runs != b.runs or a.seed != b.seed:
        raise ValueError("paired comparison needs the same runs and seed for both scenarios")
    outcomes: dict[str, dict[str, dict[str, float]]] = {}
    for name, by_year in a.year_end.items():
        outcomes[name] = {}
        for label, va in by_year.items():
            if label not in b.year_end[name]:
                continue
            d = b.year_end[name][label] - va
            q = np.quantile(d, [0.05, 0.5, 0.95])
            outcomes[name][label] = {
                "mean": float(d.mean()),
                "p5": float(q[0]),
                "p50": float(q[1]),
                "p95": float(q[2]),
            }
    parity = {
        label: {
            "a": float(np.mean(a.parity[label])),
            "b": float(np.mean(b.parity[label])),
            "difference": float(np.mean(b.parity[label]) - np.mean(a.parity[label])),
        }
        for label in a.parity
        if label in b.parity
    }
    return {"outcomes": outcomes, "probabilities": {"china_parity_by": parity}}
