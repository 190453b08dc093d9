"""Scenario discovery: which combinations of assumptions lead to an outcome of interest.

The ensemble samples every declared uncertainty per run; a condition such as
``capability_lag_months@2028-12 <= 0`` marks each run as a case of interest or not. PRIM
(Friedman & Fisher 1999, as used for scenario discovery by Bryant & Lempert 2010; the `prim`
package, the standalone version of EMA Workbench's implementation) then peels the parameter
space down to boxes, ranges of a few parameters, in which the cases of interest are concentrated.

A box is judged by its *coverage* (the share of all cases of interest that fall inside it) and
its *density* (the share of the runs inside it that are cases of interest). Peeling trades one
for the other; each step is a point of the peeling trajectory. For each box this module selects
the densest step whose coverage (of the cases not yet explained by earlier boxes) is at least
``min_coverage``, drops the restrictions that are not significant (quasi-p above 0.05), then
looks for the next box among the runs outside it. It stops when a box would be no denser than
the ensemble as a whole.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.boxes import Box, prim_boxes
from sim.analysis.refs import OutcomeRef, check_in_horizon, parameter_label, parse_outcome_ref
from sim.errors import ScenarioError
from sim.run.ensemble import EnsembleResult, run_ensemble
from sim.scenario import Scenario

#: Default number of runs: PRIM needs enough cases of interest to draw boxes around.
DEFAULT_RUNS = 5000

__all__ = [
    "DEFAULT_RUNS",
    "Box",
    "Condition",
    "Discovery",
    "discover",
    "parse_condition",
    "prim_boxes",
    "write_discovery",
]

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_CONDITION = re.compile(r"^\s*(\S+?)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$")


@dataclass(frozen=True)
class Condition:
    """A condition on one outcome at one year-end: 'OUTCOME@YYYY-12 OP NUMBER'."""

    ref: OutcomeRef
    op: str
    threshold: float

    @property
    def text(self) -> str:
        """The condition written back canonically."""
        return f"{self.ref.key} {self.op} {self.threshold:g}"

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Whether each run satisfies the condition, shape (runs,)."""
        return _OPS[self.op](np.asarray(values, dtype=float), self.threshold)


def parse_condition(text: str) -> Condition:
    """Parse 'OUTCOME@YYYY-12 OP NUMBER' (OP one of <, <=, >, >=, ==, !=) without eval.

    Raises:
        ScenarioError: the expression cannot be read, or names an unknown outcome.
    """
    match = _CONDITION.match(text or "")
    if not match:
        raise ScenarioError(
            None,
            "--where",
            f"cannot read {text!r} as OUTCOME@YYYY-12 OP NUMBER",
            'write e.g. "capability_lag_months@2028-12 <= 0" (OP: <, <=, >, >=, ==, !=)',
        )
    ref = parse_outcome_ref(match.group(1), "--where")
    try:
        threshold = float(match.group(3))
    except ValueError:
        raise ScenarioError(
            None,
            "--where",
            f"{match.group(3)!r} is not a number",
            'compare with a number, e.g. "... <= 3"',
        ) from None
    if not math.isfinite(threshold):
        raise ScenarioError(
            None, "--where", f"{match.group(3)!r} is not a finite number", "compare with a finite number"
        )
    return Condition(ref, match.group(2), threshold)


# --------------------------------------------------------------------------- the model


@dataclass
class Discovery:
    """Scenario discovery on one ensemble."""

    condition: Condition
    result: EnsembleResult
    parameters: list[str]
    interest: np.ndarray
    boxes: list[Box]
    trajectory: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def n_interest(self) -> int:
        """Runs that satisfy the condition."""
        return int(self.interest.sum())

    @property
    def base_rate(self) -> float:
        """Share of all runs that satisfy the condition [0-1]."""
        return float(self.interest.mean())

    def limits_table(self) -> pd.DataFrame:
        """Every box's limits: box, parameter, unit label, min, max, full range, restricted, qp."""
        frames = []
        for b in self.boxes:
            df = b.limits.copy()
            df.insert(0, "box", b.number)
            df.insert(2, "label", [parameter_label(p) for p in df["parameter"]])
            frames.append(df)
        if not frames:
            return pd.DataFrame(
                columns=[
                    "box",
                    "parameter",
                    "label",
                    "min",
                    "max",
                    "full_min",
                    "full_max",
                    "restricted",
                    "qp",
                ]
            )
        return pd.concat(frames, ignore_index=True)

    def boxes_table(self) -> pd.DataFrame:
        """One row per box: coverage, density, mass, runs and cases inside, lift over the base rate."""
        return pd.DataFrame(
            [
                {
                    "box": b.number,
                    "step": b.step,
                    "coverage": b.coverage,
                    "density": b.density,
                    "mass": b.mass,
                    "n_runs": b.n_runs,
                    "n_interest": b.n_interest,
                    "lift": b.density / self.base_rate if self.base_rate else np.nan,
                    "restricted": ", ".join(b.restricted()["parameter"]),
                }
                for b in self.boxes
            ],
            columns=[
                "box",
                "step",
                "coverage",
                "density",
                "mass",
                "n_runs",
                "n_interest",
                "lift",
                "restricted",
            ],
        )

    def runs_table(self) -> pd.DataFrame:
        """Per run: the sampled parameters, the outcome and whether it is a case of interest."""
        df = pd.DataFrame({p: self.result.params[p] for p in self.parameters})
        df.insert(0, "run", np.arange(self.result.runs))
        df[self.condition.ref.key] = self.condition.ref.values(self.result)
        df["interest"] = self.interest
        return df

    def summary_dict(self) -> dict[str, Any]:
        """The content of discovery.json."""
        from sim.run.results import sim_version
        from sim.scenario import scenario_sha256

        values = self.condition.ref.values(self.result)
        limits = self.limits_table()
        return {
            "scenario": self.result.scenario.name,
            "scenario_sha256": scenario_sha256(self.result.scenario),
            "sim_version": sim_version(),
            "runs": self.result.runs,
            "seed": self.result.seed,
            "where": {
                "text": self.condition.text,
                "outcome": self.condition.ref.outcome,
                "year_end": self.condition.ref.year_end,
                "unit": self.condition.ref.unit,
                "op": self.condition.op,
                "threshold": self.condition.threshold,
            },
            "outcome_range": {
                "min": float(values.min()),
                "p5": float(np.quantile(values, 0.05)),
                "p50": float(np.quantile(values, 0.5)),
                "p95": float(np.quantile(values, 0.95)),
                "max": float(values.max()),
            },
            "n_interest": self.n_interest,
            "base_rate": self.base_rate,
            "parameters": self.parameters,
            "settings": self.settings,
            "method": "PRIM (prim package: EMA Workbench's implementation), lenient1 objective; "
            "per box the densest trajectory step with coverage of the remaining cases "
            ">= min_coverage",
            "boxes": [
                {
                    **row,
                    "limits": limits[limits["box"] == row["box"]]
                    .drop(columns="box")
                    .to_dict(orient="records"),
                }
                for row in self.boxes_table().to_dict(orient="records")
            ],
        }


def discover(
    scenario: Scenario,
    condition: Condition,
    runs: int | None = None,
    seed: int | None = None,
    max_boxes: int = 3,
    min_coverage: float = 0.5,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int | None = None,
    backend: Any = "local",
) -> Discovery:
    """Run the ensemble and look for PRIM boxes of the runs where `condition` holds.

    Args:
        scenario: the scenario; its non-fixed `uncertainties:` are the parameters PRIM may restrict.
        condition: which runs are cases of interest.
        runs: runs of the ensemble (default `DEFAULT_RUNS`).
        seed: the seed (default: the scenario's run.seed).
        max_boxes: most boxes to look for.
        min_coverage: least coverage (of the not-yet-explained cases) of a selected box [0-1].
        progress: called as progress(runs_done, runs_total).
        chunk_size: runs stepped together [default: the backend's]; never changes a number.
        backend: where chunks run: a name or an open `sim.run.backends.Backend`; never changes a
            number.
    """
    check_in_horizon(condition.ref, scenario, "--where")
    parameters = [p for p, d in scenario.uncertainties.items() if d.dist != "fixed"]
    if not parameters:
        raise ScenarioError(
            None,
            "uncertainties",
            f"{scenario.name} declares no uncertainties",
            "add an uncertainties: block; PRIM restricts those parameters",
        )
    runs = DEFAULT_RUNS if runs is None else int(runs)
    result = run_ensemble(
        scenario, runs=runs, seed=seed, chunk_size=chunk_size, progress=progress, backend=backend
    )
    interest = condition.holds(condition.ref.values(result))
    x = pd.DataFrame({p: result.params[p] for p in parameters})
    boxes, trajectory = prim_boxes(x, interest, max_boxes=max_boxes, min_coverage=min_coverage)
    settings = {
        "max_boxes": max_boxes,
        "min_coverage": min_coverage,
        "peel_alpha": 0.05,
        "paste_alpha": 0.05,
        "mass_min": 0.05,
        "max_qp": 0.05,
    }
    return Discovery(condition, result, parameters, interest, boxes, trajectory, settings)


def write_discovery(
    found: Discovery,
    out: Path,
    *,
    figures: Callable[[Discovery, Path], object] | None = None,
    command: str = "sim discover",
) -> Path:
    """Write a complete discovery folder atomically.

    Files: discovery.json (condition, base rate, boxes with coverage, density and limits),
    boxes.parquet (one row per box), limits.parquet (box x parameter), trajectory.parquet (every
    peeling step), runs.parquet (parameters, outcome, case of interest per run), scenario.yaml,
    manifest.json and the figures (trajectory.png, the peeling trajectory, when a box was found).

    Args:
        found: the discovery.
        out: the folder to create or replace (atomically).
        figures: draws the folder's figures, ``figures(found, folder)``; the caller that wants
            PNGs passes the viz layer's `draw_discovery_figures`. None writes the data files
            only, so the analysis layer never imports the plotting layer.
        command: the command line, recorded in manifest.json.

    Returns:
        The folder written.
    """
    from sim.run.results import (
        atomic_folder,
        manifest,
        resolved_yaml,
        summary_frame,
        write_csv,
        write_json,
    )

    def fill(tmp: Path) -> None:
        write_json(tmp / "discovery.json", found.summary_dict())
        found.boxes_table().to_parquet(tmp / "boxes.parquet", index=False)
        found.limits_table().to_parquet(tmp / "limits.parquet", index=False)
        found.trajectory.astype({"box": int, "step": int, "res_dim": int, "selected": bool}).to_parquet(
            tmp / "trajectory.parquet", index=False
        )
        found.runs_table().to_parquet(tmp / "runs.parquet", index=False)
        write_csv(tmp / "summary.csv", summary_frame(found.result.summary_outcomes()))
        (tmp / "scenario.yaml").write_text(resolved_yaml(found.result.scenario), encoding="utf-8")
        write_json(tmp / "manifest.json", manifest(found.result, command))
        if figures is not None:
            figures(found, tmp)

    return atomic_folder(Path(out), fill)
