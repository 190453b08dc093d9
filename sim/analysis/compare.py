"""Paired comparison of two scenarios on common random numbers.

Run i of A and run i of B read the same random numbers (same seed, same run index, same stream
names), so the difference B - A of an outcome in run i is the policy's effect in that draw of the
world, not noise between two independent samples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.outcomes import LAG_WITHIN, QUANTILES

if TYPE_CHECKING:  # `effect_stats` and `effects` serve the app without loading the model
    from sim.run.ensemble import EnsembleResult

#: a per-run difference this small relative to the run's values is floating-point residue (the
#: same sums taken in another order), not an effect [fraction of max(|a|, |b|)].
RESIDUE = 1e-9

Values = Mapping[str, Mapping[str, np.ndarray]]


def effect_stats(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """The distribution over runs of B - A, and which way it moves the runs.

    Args:
        a: an outcome's value per run in A, shape (R,) [the outcome's unit].
        b: the same in B, run i matched with run i.

    Returns:
        mean, p5, p25, p50, p75, p95 of B - A [the outcome's unit]; share_lower, share_higher
        (runs where B is below / above A beyond floating-point residue [fraction]); direction
        (the sign of the median effect: -1, 0 or +1) and share_same_direction (the share of runs
        that move that way; for direction 0, the share that do not move) [fraction].
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    d = b - a
    q = np.quantile(d, list(QUANTILES.values()))
    out = {"mean": float(d.mean())}
    out.update({k: float(v) for k, v in zip(QUANTILES, q, strict=True)})
    moved = np.where(np.abs(d) <= RESIDUE * np.maximum(np.abs(a), np.abs(b)), 0.0, np.sign(d))
    direction = float(np.sign(np.median(moved)))
    out["share_lower"] = float(np.mean(moved < 0))
    out["share_higher"] = float(np.mean(moved > 0))
    out["direction"] = direction
    out["share_same_direction"] = float(np.mean(moved == direction))
    return out


def effects(a: Values, b: Values) -> dict[str, dict[str, dict[str, float]]]:
    """`effect_stats` of every outcome and year-end that A and B both have.

    Args:
        a: {outcome: {'YYYY-12': values per run}} of A (`EnsembleResult.year_end`, or
            `year_end_values` of a per-run table).
        b: the same of B, with the same runs in the same order.
    """
    return {
        name: {
            label: effect_stats(values, b[name][label])
            for label, values in by_year.items()
            if label in b[name]
        }
        for name, by_year in a.items()
        if name in b
    }


def year_end_values(runs: Any) -> dict[str, dict[str, np.ndarray]]:
    """{outcome: {'YYYY-12': values}} from a per-run table's ``outcome@YYYY-12`` columns."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for column in runs.columns:
        name, at, label = str(column).partition("@")
        if at and not name.startswith("china_parity_by"):
            out.setdefault(name, {})[label] = runs[column].to_numpy(dtype=float)
    return out


def _change(pa: float, pb: float) -> dict[str, float]:
    return {"a": pa, "b": pb, "difference": pb - pa}


def paired_differences(a: EnsembleResult, b: EnsembleResult) -> dict[str, Any]:
    """B - A per outcome and year-end (`effect_stats`), and the change of P(parity), P(lag <= N)."""
    if a.runs != b.runs or a.seed != b.seed:
        raise ValueError("paired comparison needs the same runs and seed for both scenarios")
    pa, pb = a.parity_probabilities(), b.parity_probabilities()
    parity = {label: _change(pa[label], pb[label]) for label in pa if label in pb}
    wa, wb = a.lag_at_most_probabilities(LAG_WITHIN), b.lag_at_most_probabilities(LAG_WITHIN)
    within = {
        n: {label: _change(by[label], wb[n][label]) for label in by if label in wb[n]}
        for n, by in wa.items()
    }
    return {
        "outcomes": effects(a.year_end, b.year_end),
        "probabilities": {"china_parity_by": parity, "china_lag_at_most": within},
    }


def effects_csv(diff: Mapping[str, Any]) -> str:
    """The paired effects as tidy CSV: outcome, year_end, mean, p5 … p95, share_same_direction."""
    import pandas as pd

    columns = ["mean", *QUANTILES, "share_same_direction"]
    rows = [
        {"outcome": name, "year_end": label, **{c: stats[c] for c in columns}}
        for name, by_year in diff["outcomes"].items()
        for label, stats in by_year.items()
    ]
    return pd.DataFrame(rows, columns=["outcome", "year_end", *columns]).to_csv(index=False)


def write_comparison(
    a: EnsembleResult,
    b: EnsembleResult,
    out: Path,
    command: str,
    figures: Callable[[Path, EnsembleResult, EnsembleResult], None] | None = None,
) -> dict[str, Any]:
    """Write a comparison folder of B against A and return their paired differences.

    The folder holds comparison.json (both summaries, the runs and seed they share, the
    `paired_differences` B - A and their `answers` in words per year-end), effects.csv (the
    paired effects, tidy), summary.csv (each scenario's outcomes, tidy, with a scenario column
    "a" or "b"), manifest.json (B's provenance), paired.parquet (one row per run: A's
    columns prefixed "a:", B's "b:") and the figures. It appears only when complete.

    Args:
        a: the reference ensemble.
        b: the ensemble compared with it, run with the same runs and seed.
        out: the folder to write.
        command: the command line, for the manifest.
        figures: draws the PNGs into the folder being written, e.g.
            `sim.viz.compare.draw_compare_figures`; None for none.

    Returns:
        `paired_differences(a, b)` with its "answers" ({'YYYY-12': {outcome: sentence}}).
    """
    import pandas as pd

    from sim.analysis.words import answers_by_year
    from sim.run.results import (
        atomic_folder,
        manifest,
        summary_dict,
        summary_frame,
        write_csv,
        write_json,
    )

    diff = paired_differences(a, b)
    diff["answers"] = answers_by_year(diff, a.scenario.name, b.scenario.name)
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
        (tmp / "effects.csv").write_text(effects_csv(diff), encoding="utf-8")
        both = pd.concat(
            [
                summary_frame(r.summary_outcomes()).assign(scenario=label)
                for label, r in (("a", a), ("b", b))
            ]
        )
        write_csv(tmp / "summary.csv", both[["scenario", *both.columns[:-1]]])
        write_json(tmp / "manifest.json", manifest(b, command))
        paired = a.per_run().add_prefix("a:").join(b.per_run().add_prefix("b:"))
        paired.to_parquet(tmp / "paired.parquet", index=False)
        if figures is not None:
            figures(tmp, a, b)

    atomic_folder(out, fill)
    return diff
