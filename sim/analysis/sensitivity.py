"""Global sensitivity: Sobol indices (SALib) of one outcome over the declared uncertainties.

The first-order index S1 of a factor is the share of the outcome's variance its variation alone
explains (the expected reduction of the variance if it were known exactly); the total index ST
adds every interaction it takes part in, so a factor with ST near 0 can be fixed anywhere in its
range without changing the outcome. Both are estimated with SALib: Saltelli's design drawn by
`SALib.sample.sobol` on the unit cube and `SALib.analyze.sobol` (Jansen/Saltelli estimators,
bootstrap confidence intervals).

The code is split so the evaluator is pluggable: `sobol_indices` takes any function of the SALib
design. `ModelEvaluator` is the one for the model: it maps each column through the inverse CDF of
the scenario's declared distribution (`sim.model.sampling.ppf`; independent factors, so the indices are
those of the parameters themselves) and runs the ensemble with the values fixed by ``draws=``.

The model also has monthly random shocks (grid, algorithms, ...). They enter as one more factor,
"chance", rather than as noise: rows A_i and AB_i^j of the design share run i's shocks under the
seed, and rows B_i and AB_i^chance read run i's shocks under an independent derived seed, exactly
as a parameter column of A and B. The indices of the parameters are then unbiased, and the
chance factor's indices say how much of the spread no parameter could remove.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.refs import OutcomeRef, parameter_label
from sim.errors import SimError
from sim.limits import MAX_RUNS, MAX_SAMPLES
from sim.model.sampling import ppf
from sim.run.ensemble import run_ensemble
from sim.scenario import Scenario

#: Name of the pseudo-factor standing for the model's monthly random shocks.
CHANCE = "chance (monthly shocks)"

#: Default base sample size N; the model runs N x (factors + 2) times.
DEFAULT_SAMPLES = 1024


class SensitivityError(SimError):
    """A sensitivity analysis that cannot be done as asked (exit status 2)."""


def derived_seed(seed: int, purpose: int) -> int:
    """A seed for a sub-task, derived from the one seed (never 0: SALib treats 0 as 'none')."""
    value = int(np.random.SeedSequence([int(seed), purpose]).generate_state(1, np.uint32)[0])
    return value or 1


def check_samples(n: int) -> None:
    """Raise SensitivityError unless n is a power of two, 4 <= n <= MAX_SAMPLES (Sobol' needs it)."""
    if n > MAX_SAMPLES:
        raise SensitivityError(
            f"--samples {n}: more than {MAX_SAMPLES:,} (fix: use {MAX_SAMPLES:,} or fewer; the "
            "indices' confidence intervals say whether more are needed)"
        )
    if n < 4 or n & (n - 1):
        lower = 2 ** max(2, int(math.floor(math.log2(max(n, 1)))))
        raise SensitivityError(
            f"--samples {n}: Sobol' designs need a power of two (at least 4) "
            f"(fix: use e.g. {lower} or {lower * 2})"
        )


def check_design(n: int, k: int) -> None:
    """Raise SensitivityError if a Sobol design of N = n with k uncertainties exceeds MAX_RUNS."""
    if n * (k + 2) > MAX_RUNS:
        raise SensitivityError(
            f"--samples {n}: {n:,} x ({k} uncertainties + 2) runs is more than {MAX_RUNS:,} "
            f"(fix: use --samples {2 ** int(math.log2(MAX_RUNS // (k + 2)))} or fewer)"
        )


@dataclass
class SobolResult:
    """Sobol indices of one output with their confidence intervals."""

    names: list[str]
    S1: np.ndarray
    S1_conf: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray
    samples: int
    evaluations: int
    conf_level: float
    design: np.ndarray
    output: np.ndarray

    def table(self) -> pd.DataFrame:
        """One row per factor, ranked by total index: factor, S1, S1_conf, ST, ST_conf, rank."""
        df = pd.DataFrame(
            {
                "factor": self.names,
                "S1": self.S1,
                "S1_conf": self.S1_conf,
                "ST": self.ST,
                "ST_conf": self.ST_conf,
            }
        )
        df = df.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)
        df.insert(0, "rank", np.arange(1, len(df) + 1))
        return df


def sobol_indices(
    names: Sequence[str],
    evaluate: Callable[[np.ndarray], np.ndarray],
    samples: int,
    seed: int,
    conf_level: float = 0.95,
    resamples: int = 200,
) -> SobolResult:
    """First-order and total Sobol indices of `evaluate` over independent factors.

    Args:
        names: the factors, one per column of the design.
        evaluate: maps SALib's design on the unit cube, shape (samples x (D + 2), D) in SALib's
            row order (A_i, AB_i^1 … AB_i^D, B_i for each i), to the output, shape (rows,).
            Each column is a factor's quantile [0-1].
        samples: base sample size N (a power of two).
        seed: seeds the scrambled Sobol' design and the bootstrap.
        conf_level: level of the confidence intervals [0-1].
        resamples: bootstrap resamples for the intervals [count].
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    check_samples(samples)
    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    design = sobol_sample.sample(problem, samples, calc_second_order=False, seed=derived_seed(seed, 1))
    # keep quantiles off 0 and 1, where unbounded inverse CDFs are infinite
    design = np.clip(design, 1e-12, 1.0 - 1e-12)
    output = np.asarray(evaluate(design), dtype=float)
    if output.shape != (design.shape[0],):
        raise ValueError(f"evaluate returned shape {output.shape}, expected ({design.shape[0]},)")
    if not np.all(np.isfinite(output)):
        raise SensitivityError(
            "the outcome is not finite in some runs; Sobol indices need "
            "finite values (fix: pick another outcome or year)"
        )
    if np.ptp(output) == 0.0:
        raise SensitivityError(
            f"the outcome takes the same value ({output[0]:g}) in every run, so it has no "
            "variance to apportion (fix: pick an outcome or year that varies)"
        )
    si = sobol_analyze.analyze(
        problem,
        output,
        calc_second_order=False,
        num_resamples=resamples,
        conf_level=conf_level,
        seed=derived_seed(seed, 2),
    )
    return SobolResult(
        list(names),
        np.asarray(si["S1"]),
        np.asarray(si["S1_conf"]),
        np.asarray(si["ST"]),
        np.asarray(si["ST_conf"]),
        samples,
        design.shape[0],
        conf_level,
        design,
        output,
    )


# --------------------------------------------------------------------------- the model


class ModelEvaluator:
    """Evaluates a SALib design on the model: one outcome at one year-end per design row.

    Args:
        scenario: the scenario whose declared uncertainties are the factors.
        ref: the outcome at a year-end.
        seed: the seed of run i's shocks in rows A_i and AB_i^j.
        progress: called as progress(runs_done, runs_total).
        chunk_size: runs stepped together [default: the backend's]; never changes a number.
        backend: where chunks run: a name, or an open `sim.run.backends.Backend` reused for every
            block of the design; never changes a number.
    """

    def __init__(
        self,
        scenario: Scenario,
        ref: OutcomeRef,
        seed: int,
        progress: Callable[[int, int], None] | None = None,
        chunk_size: int | None = None,
        backend: Any = "local",
    ):
        self.scenario = scenario
        self.ref = ref
        self.seed = int(seed)
        self.seed_b = derived_seed(seed, 3)
        self.progress = progress
        self.chunk_size = chunk_size
        self.backend = backend
        self.paths = [p for p, d in scenario.uncertainties.items() if d.dist != "fixed"]
        if not self.paths:
            raise SensitivityError(
                f"{scenario.name} declares no uncertainties to apportion the "
                "variance to (fix: add an uncertainties: block)"
            )

    @property
    def names(self) -> list[str]:
        """The factors: the uncertain parameters, then the chance factor."""
        return [*self.paths, CHANCE]

    def distribution(self, name: str) -> dict[str, Any]:
        """How a factor is distributed (for the report)."""
        if name == CHANCE:
            return {"dist": "the model's monthly random shocks (independent streams per run)"}
        return self.scenario.uncertainties[name].model_dump()

    def __call__(self, design: np.ndarray) -> np.ndarray:
        """Outcome per design row, shape (rows,)."""
        d = design.shape[1]
        n = design.shape[0] // (d + 2)
        blocks = design.reshape(n, d + 2, d)
        chance_col = d - 1
        out = np.empty((n, d + 2))
        total, done = n * (d + 2), 0
        for pos in range(d + 2):
            # pos 0: A; 1..d: AB^j (column j-1 from B); d + 1: B
            shocks_from_b = pos == d + 1 or pos - 1 == chance_col
            draws = {
                path: ppf(self.scenario.uncertainties[path], blocks[:, pos, j])
                for j, path in enumerate(self.paths)
            }
            tick = (
                None
                if self.progress is None
                else (lambda k, _t, base=done: self.progress(base + k, total))
            )
            result = run_ensemble(
                self.scenario,
                runs=n,
                seed=self.seed_b if shocks_from_b else self.seed,
                chunk_size=self.chunk_size,
                progress=tick,
                draws=draws,
                backend=self.backend,
            )
            out[:, pos] = self.ref.values(result)
            done += n
        return out.reshape(-1)


def model_sensitivity(
    scenario: Scenario,
    ref: OutcomeRef,
    samples: int = DEFAULT_SAMPLES,
    seed: int | None = None,
    conf_level: float = 0.95,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[SobolResult, ModelEvaluator]:
    """Sobol indices of an outcome over a scenario's declared uncertainties (and chance).

    Args:
        scenario: the scenario (its `uncertainties:` are the factors).
        ref: the outcome at a year-end.
        samples: base sample size N (power of two); the model runs N x (factors + 2) times.
        seed: the seed (default: the scenario's run.seed).
        conf_level: level of the confidence intervals [0-1].
        progress: called as progress(runs_done, runs_total).
    """
    seed = scenario.run.seed if seed is None else int(seed)
    check_samples(samples)
    evaluator = ModelEvaluator(scenario, ref, seed, progress)
    return sobol_indices(evaluator.names, evaluator, samples, seed, conf_level), evaluator


def sensitivity_dict(result: SobolResult, evaluator: ModelEvaluator) -> dict[str, Any]:
    """The content of sensitivity.json."""
    from sim.run.results import sim_version
    from sim.scenario import scenario_sha256

    sc = evaluator.scenario
    factors = []
    for row in result.table().itertuples(index=False):
        factors.append(
            {
                "rank": int(row.rank),
                "factor": row.factor,
                "label": CHANCE if row.factor == CHANCE else parameter_label(row.factor),
                "distribution": evaluator.distribution(row.factor),
                "S1": float(row.S1),
                "S1_conf": float(row.S1_conf),
                "ST": float(row.ST),
                "ST_conf": float(row.ST_conf),
            }
        )
    y = result.output
    return {
        "scenario": sc.name,
        "scenario_sha256": scenario_sha256(sc),
        "sim_version": sim_version(),
        "seed": evaluator.seed,
        "outcome": evaluator.ref.outcome,
        "year_end": evaluator.ref.year_end,
        "unit": evaluator.ref.unit,
        "samples": result.samples,
        "evaluations": result.evaluations,
        "conf_level": result.conf_level,
        "method": "SALib sobol: Saltelli design (scrambled Sobol' sequence, no second order), "
        "Jansen/Saltelli estimators, bootstrap confidence intervals",
        "output": {
            "mean": float(y.mean()),
            "sd": float(y.std()),
            "p5": float(np.quantile(y, 0.05)),
            "p50": float(np.quantile(y, 0.5)),
            "p95": float(np.quantile(y, 0.95)),
        },
        "sum_S1": float(np.sum(result.S1)),
        "factors": factors,
    }


def write_sensitivity(
    result: SobolResult,
    evaluator: ModelEvaluator,
    out: Any,
    *,
    figures: Callable[[SobolResult, ModelEvaluator, Path], object] | None = None,
    command: str = "sim sensitivity",
    wall_time_s: float = 0.0,
) -> Any:
    """Write a complete sensitivity folder atomically.

    Files: sensitivity.json, sensitivity.parquet (indices, ranked), design.parquet (every design
    row: the parameter values, whether its shocks came from the B seed, the outcome),
    scenario.yaml, manifest.json and the figures (sensitivity.png, a bar chart).

    Args:
        result: the indices.
        evaluator: the evaluator that produced them (scenario, outcome, seeds).
        out: the folder to create or replace (atomically).
        figures: draws the folder's figures, ``figures(result, evaluator, folder)``; the caller
            that wants PNGs passes the viz layer's `draw_sensitivity_figures`. None writes the
            data files only, so the analysis layer never imports the plotting layer.
        command: the command line, recorded in manifest.json.
        wall_time_s: time the design took [s], recorded in manifest.json.

    Returns:
        The folder written.
    """
    from sim.run.results import atomic_folder, resolved_yaml, versions, write_csv, write_json

    body = sensitivity_dict(result, evaluator)
    sc = evaluator.scenario

    def fill(tmp: Path) -> None:
        write_json(tmp / "sensitivity.json", body)
        table = result.table()
        table.insert(
            2, "label", [CHANCE if f == CHANCE else parameter_label(f) for f in table["factor"]]
        )
        table.to_parquet(tmp / "sensitivity.parquet", index=False)
        write_csv(tmp / "sensitivity.csv", table)
        d = len(evaluator.names)
        n = result.design.shape[0] // (d + 2)
        pos = np.tile(np.arange(d + 2), n)
        design = {
            "sample": np.repeat(np.arange(n), d + 2),
            "matrix": np.where(pos == 0, "A", np.where(pos == d + 1, "B", "AB")),
            "column_from_B": [evaluator.names[p - 1] if 0 < p <= d else "" for p in pos],
        }
        for j, path in enumerate(evaluator.paths):
            design[path] = ppf(sc.uncertainties[path], result.design[:, j])
        design[evaluator.ref.key] = result.output
        pd.DataFrame(design).to_parquet(tmp / "design.parquet", index=False)
        (tmp / "scenario.yaml").write_text(resolved_yaml(sc), encoding="utf-8")
        write_json(
            tmp / "manifest.json",
            {
                "command": command,
                "versions": versions(),
                "seed": evaluator.seed,
                "shock_seed_b": evaluator.seed_b,
                "design_seed": derived_seed(evaluator.seed, 1),
                "bootstrap_seed": derived_seed(evaluator.seed, 2),
                "runs": result.evaluations,
                "wall_time_s": round(wall_time_s, 3),
            },
        )
        if figures is not None:
            figures(result, evaluator, tmp)

    return atomic_folder(Path(out), fill)
