"""Paired comparison of two scenarios on common random numbers.

Run i of A and run i of B read the same random numbers (same seed, same run index, same stream
names), so the difference B - A of an outcome in run i is the policy's effect in that draw of the
world, not noise between two independent samples.
"""

from __future__ import annotations

from pathlib import Path
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


def write_comparison(a: EnsembleResult, b: EnsembleResult, out: Path, command: str) -> dict[str, Any]:
    """Write a comparison folder of B against A and return their paired differences.

    The folder holds comparison.json (both summaries, the runs and seed they share, and the
    `paired_differences` B - A), manifest.json (B's provenance) and paired.parquet (one row per
    run: A's columns prefixed "a:", B's "b:"). It appears only when complete.

    Args:
        a: the reference ensemble.
        b: the ensemble compared with it, run with the same runs and seed.
        out: the folder to write.
        command: the command line, for the manifest.

    Returns:
        `paired_differences(a, b)`.
    """
    from sim.run.results import atomic_folder, manifest, summary_dict, write_json

    diff = paired_differences(a, b)
    body = {
        "a": summary_dict(a),
        "b": summary_dict(b),
        "runs": a.runs,
        "seed": a.seed,
        "difference": "b - a",
        **diff,
    }

    def fill(tmp: Path) -> None:
        write_json(tmp / "comparison.json", body)
        write_json(tmp / "manifest.json", manifest(b, command))
        paired = a.per_run().add_prefix("a:").join(b.per_run().add_prefix("b:"))
        paired.to_parquet(tmp / "paired.parquet", index=False)

    atomic_folder(out, fill)
    return diff
