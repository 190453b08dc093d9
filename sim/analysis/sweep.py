"""Parameter sweeps: how the outcomes move as one or two levers move.

Every value of the lever is run on the same random draws: run i reads the same uniforms for its
uncertain parameters and its monthly shocks whatever the lever's value (common random numbers,
see `sim.model.sampling`). The difference between two points of the sweep is therefore the lever's
effect in each drawn world, not noise between two samples, and the curve is smooth.

A lever is any numeric scenario field, named by its dotted path (the same paths as ``--set``),
e.g. ``policy.us.export.h200.cap_units``. If the path is also a declared uncertainty, the sweep
fixes it at each value in every run (the other uncertainties keep their draws).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.refs import parameter_label, parameter_unit
from sim.dotted import get_path
from sim.errors import ScenarioError
from sim.outcomes import OUTCOMES, STATS
from sim.run.ensemble import EnsembleResult, run_ensemble
from sim.scenario import Scenario, load_scenario

#: Most points a sweep may have (a guard against a typo such as 0:1e6:1000000).
MAX_POINTS = 400


@dataclass(frozen=True)
class Axis:
    """One lever of a sweep: a dotted scenario path and the values it takes [unit of the field]."""

    path: str
    values: tuple[float, ...]

    @property
    def label(self) -> str:
        """'path [unit]'."""
        return parameter_label(self.path)


# --------------------------------------------------------------------------- parsing


def _number(text: str, what: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ScenarioError(
            None,
            what,
            f"{text.strip()!r} is not a number",
            "write plain numbers such as 890000 or 8.9e5",
        ) from None
    if not math.isfinite(value):
        raise ScenarioError(
            None, what, f"{text.strip()!r} is not a finite number", "write a finite number"
        )
    return value


def parse_values(text: str, what: str = "--values") -> tuple[float, ...]:
    """'v1,v2,...' -> the values, in the order given (at least one, no repeats)."""
    parts = [p for p in text.split(",")]
    if not text.strip() or any(not p.strip() for p in parts):
        raise ScenarioError(
            None,
            what,
            f"cannot read {text!r} as a list of values",
            "write comma-separated numbers, e.g. 0,250000,500000",
        )
    values = tuple(_number(p, what) for p in parts)
    if len(set(values)) != len(values):
        raise ScenarioError(None, what, f"{text!r} repeats a value", "list each value once")
    return values


def parse_range(text: str, what: str = "--range") -> tuple[float, ...]:
    """'lo:hi:n' -> n evenly spaced values from lo to hi inclusive (n >= 2)."""
    parts = text.split(":")
    if len(parts) != 3:
        raise ScenarioError(
            None,
            what,
            f"cannot read {text!r} as lo:hi:n",
            "write e.g. 0:2000000:9 (9 values from 0 to 2,000,000)",
        )
    lo, hi = _number(parts[0], what), _number(parts[1], what)
    try:
        n = int(parts[2].strip())
    except ValueError:
        raise ScenarioError(
            None, what, f"the count {parts[2].strip()!r} is not a whole number", "write e.g. 0:2000000:9"
        ) from None
    if n < 2:
        raise ScenarioError(
            None,
            what,
            f"a range needs at least 2 values, got {n}",
            "raise n, or use --values for a single value",
        )
    if lo == hi:
        raise ScenarioError(None, what, f"lo and hi are both {lo:g}", "give two different ends")
    return tuple(float(v) for v in np.linspace(lo, hi, n))


def parse_axes(
    params: Sequence[str], values: str | None = None, range_: str | None = None
) -> list[Axis]:
    """Turn the command line's --param/--values/--range into one or two sweep axes.

    Each ``--param`` is either ``PATH=SPEC`` (SPEC: ``v1,v2,...`` or ``lo:hi:n``) or a bare
    ``PATH`` whose values come from ``--values`` or ``--range`` (only one bare PATH is allowed).
    """
    if not params:
        raise ScenarioError(
            None,
            "--param",
            "no parameter to sweep",
            "give --param PATH --values v1,v2 (or --range lo:hi:n)",
        )
    if len(params) > 2:
        raise ScenarioError(
            None,
            "--param",
            f"{len(params)} parameters given; a sweep takes 1 or 2",
            "give --param once (a curve) or twice (a heat map)",
        )
    if values is not None and range_ is not None:
        raise ScenarioError(
            None, "--values/--range", "both --values and --range given", "give one of them"
        )
    bare = [p for p in params if "=" not in p]
    if len(bare) > 1:
        raise ScenarioError(
            None,
            "--param",
            "two --param without values",
            "write the values inline: --param PATH=v1,v2 --param PATH=lo:hi:n",
        )
    spare = values if values is not None else range_
    if bare and spare is None:
        raise ScenarioError(
            None,
            "--param",
            f"no values for {bare[0]}",
            f"add --values v1,v2 or --range lo:hi:n, or write {bare[0]}=v1,v2",
        )
    if not bare and spare is not None:
        raise ScenarioError(
            None,
            "--values/--range",
            "every --param already has its values",
            "drop --values/--range or the inline values",
        )
    axes = []
    for item in params:
        path, _, spec = item.partition("=")
        path = path.strip()
        if not path or any(not p for p in path.split(".")):
            raise ScenarioError(
                None,
                "--param",
                f"cannot read {item!r} as a dotted path",
                "write e.g. policy.us.export.h200.cap_units",
            )
        if "=" in item:
            what = f"--param {path}"
            vals = parse_range(spec, what) if ":" in spec else parse_values(spec, what)
        else:
            vals = parse_range(spare) if range_ is not None else parse_values(spare)
        axes.append(Axis(path, vals))
    if len(axes) == 2 and axes[0].path == axes[1].path:
        raise ScenarioError(
            None, "--param", f"{axes[0].path} given twice", "sweep two different parameters"
        )
    n = math.prod(len(a.values) for a in axes)
    if n > MAX_POINTS:
        raise ScenarioError(
            None, "--param", f"{n} sweep points (more than {MAX_POINTS})", "use fewer values"
        )
    return axes


# --------------------------------------------------------------------------- the points


def _field_value(tree: dict[str, Any], path: str, scenario_file: Path) -> Any:
    """The value at a dotted path of a scenario dump; ScenarioError naming the choices if absent."""
    try:
        return get_path(tree, path)
    except KeyError as exc:
        missing = str(exc.args[0])
        here, _, part = missing.rpartition(".")
        node = get_path(tree, here) if here else tree
        choices = ", ".join(node) if isinstance(node, dict) else "none (not a block)"
        here = here or "the top level"
        raise ScenarioError(
            scenario_file,
            "--param",
            f"no field {path!r}: {here} has no {part!r}",
            f"use one of {choices} after {here}",
        ) from None


def _check_path(path: str, scenario: Scenario, scenario_file: Path) -> None:
    """Refuse paths that are not numeric scenario fields (or that the options control)."""
    if path.split(".")[0] == "run":
        raise ScenarioError(
            scenario_file,
            "--param",
            f"{path} is a run setting, not a lever",
            "use --runs and --seed; sweep a world.* or policy.* field",
        )
    if path.split(".")[0] not in ("world", "policy"):
        raise ScenarioError(
            scenario_file,
            "--param",
            f"{path} is not a world.* or policy.* field",
            "sweep a numeric field such as policy.us.export.h200.cap_units",
        )
    value = _field_value(scenario.model_dump(), path, scenario_file)
    if isinstance(value, dict):
        raise ScenarioError(
            scenario_file,
            "--param",
            f"{path} is a block, not a number",
            f"name one of its fields: {', '.join(value)}",
        )


@dataclass
class SweepPoint:
    """One point of the sweep: the lever values, the scenario there and its draws."""

    values: dict[str, float]
    scenario: Scenario
    draws: dict[str, np.ndarray] | None = None


def build_points(
    scenario_file: str | Path,
    axes: Sequence[Axis],
    runs: int | None = None,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> list[SweepPoint]:
    """Validate the scenario at every point of the sweep before anything runs.

    Args:
        scenario_file: the scenario YAML.
        axes: one or two sweep axes.
        runs: runs per point (default: the file's run.runs).
        seed: seed shared by every point (default: the file's run.seed).
        overrides: further --set style overrides applied at every point.

    Raises:
        ScenarioError: the path is not a numeric field, or a value is invalid for it.
    """
    path = Path(scenario_file)
    base = dict(overrides or {})
    if runs is not None:
        base["run.runs"] = int(runs)
    if seed is not None:
        base["run.seed"] = int(seed)
    reference = load_scenario(path, base)
    for axis in axes:
        _check_path(axis.path, reference, path)
    points = []
    for combo in itertools.product(*(a.values for a in axes)):
        values = {a.path: float(v) for a, v in zip(axes, combo, strict=True)}
        sc = load_scenario(path, {**base, **values})
        draws = {}
        for p, v in values.items():
            got = _field_value(sc.model_dump(), p, path)
            if isinstance(got, bool) or not isinstance(got, int | float):
                raise ScenarioError(
                    path,
                    "--param",
                    f"{p} is not a numeric field",
                    "sweep a number such as policy.us.export.h200.cap_units",
                )
            if p in sc.uncertainties:
                # a declared uncertainty would otherwise overwrite the swept value in every run
                draws[p] = np.full(sc.run.runs, v)
        points.append(SweepPoint(values, sc, draws or None))
    return points


# --------------------------------------------------------------------------- running


@dataclass
class SweepResult:
    """Every point's ensemble, in the order of `itertools.product` over the axes."""

    axes: list[Axis]
    points: list[SweepPoint]
    results: list[EnsembleResult]
    wall_time_s: float = 0.0

    @property
    def scenario(self) -> Scenario:
        """The scenario at the first point (name, runs, seed are the same at every point)."""
        return self.points[0].scenario

    @property
    def runs(self) -> int:
        """Runs per point."""
        return self.results[0].runs

    @property
    def seed(self) -> int:
        """The seed every point shares."""
        return self.results[0].seed

    @property
    def paths(self) -> list[str]:
        """The swept dotted paths."""
        return [a.path for a in self.axes]

    def has_effect(self) -> bool:
        """Whether any outcome of any run differs between the points of the sweep."""
        first = self.results[0]
        for res in self.results[1:]:
            for name, by_year in res.year_end.items():
                for label, values in by_year.items():
                    if not np.array_equal(values, first.year_end[name][label]):
                        return True
        return False

    def summary_dict(self) -> dict[str, Any]:
        """The content of sweep.json: for each point, the statistics summary.json holds."""
        from sim.run.results import sim_version
        from sim.scenario import scenario_sha256

        return {
            "scenario": self.scenario.name,
            "runs": self.runs,
            "seed": self.seed,
            "sim_version": sim_version(),
            "parameters": [
                {"path": a.path, "unit": parameter_unit(a.path), "values": list(a.values)}
                for a in self.axes
            ],
            "points": [
                {
                    "values": pt.values,
                    "scenario_sha256": scenario_sha256(pt.scenario),
                    "outcomes": res.summary_outcomes(),
                    "probabilities": {"china_parity_by": res.parity_probabilities()},
                }
                for pt, res in zip(self.points, self.results, strict=True)
            ],
        }

    def stats_table(self) -> pd.DataFrame:
        """Tidy table: one row per point, outcome and year-end with mean, p5 … p95."""
        rows = []
        for i, (pt, res) in enumerate(zip(self.points, self.results, strict=True)):
            for name, by_year in res.summary_outcomes().items():
                for label, stats in by_year.items():
                    rows.append(
                        {
                            "point": i,
                            **pt.values,
                            "outcome": name,
                            "unit": OUTCOMES[name].unit,
                            "year_end": label,
                            **{k: stats[k] for k in STATS},
                        }
                    )
        return pd.DataFrame(rows)

    def parity_table(self) -> pd.DataFrame:
        """Tidy table: one row per point and year-end with P(China at parity by then)."""
        rows = []
        for i, (pt, res) in enumerate(zip(self.points, self.results, strict=True)):
            for label, p in res.parity_probabilities().items():
                rows.append({"point": i, **pt.values, "year_end": label, "p_parity": p})
        return pd.DataFrame(rows)

    def per_run(self) -> pd.DataFrame:
        """Every run of every point (paired: same run index = same draws), with the lever values."""
        frames = []
        for i, (pt, res) in enumerate(zip(self.points, self.results, strict=True)):
            df = res.per_run()
            for p, v in pt.values.items():
                df[p] = v
            df.insert(0, "point", i)
            frames.append(df)
        return pd.concat(frames, ignore_index=True)


def run_sweep(
    points: Sequence[SweepPoint],
    axes: Sequence[Axis],
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int | None = None,
    backend: Any = "local",
) -> SweepResult:
    """Run the ensemble at every point (same seed and runs, so the same draws).

    Args:
        points: from `build_points`.
        axes: the axes the points were built from.
        progress: called as progress(runs_done, runs_total) after each chunk.
        chunk_size: runs stepped together [default: the backend's]; never changes a number.
        backend: where chunks run: a name, or an open `sim.run.backends.Backend` reused for every
            point; never changes a number.
    """
    began = time.perf_counter()
    total = sum(pt.scenario.run.runs for pt in points)
    done = 0
    results = []
    for pt in points:
        offset = done
        tick = None if progress is None else (lambda d, _t, o=offset: progress(o + d, total))
        results.append(
            run_ensemble(
                pt.scenario, chunk_size=chunk_size, progress=tick, draws=pt.draws, backend=backend
            )
        )
        done += pt.scenario.run.runs
    return SweepResult(list(axes), list(points), results, time.perf_counter() - began)


def sweep(
    scenario_file: str | Path,
    axes: Sequence[Axis],
    runs: int | None = None,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> SweepResult:
    """Build and run a sweep in one call (notebooks)."""
    return run_sweep(build_points(scenario_file, axes, runs, seed, overrides), axes)


# --------------------------------------------------------------------------- writing


def write_sweep(
    result: SweepResult, out: Path, year_end: str, plots: bool = True, command: str = "sim sweep"
) -> Path:
    """Write a complete sweep folder atomically.

    Files: sweep.json (per-point statistics), sweep.parquet (the same as a tidy table),
    parity.parquet (P(parity by year-end) per point), runs.parquet (every run of every point),
    scenario.yaml (the scenario at the first point), manifest.json, and PNG plots drawn at
    `year_end`: sweep.png (one lever) or heatmap.png (two levers).
    """
    import yaml

    from sim.run.results import atomic_folder, manifest, write_json

    def fill(tmp: Path) -> None:
        write_json(tmp / "sweep.json", result.summary_dict())
        result.stats_table().to_parquet(tmp / "sweep.parquet", index=False)
        result.parity_table().to_parquet(tmp / "parity.parquet", index=False)
        result.per_run().to_parquet(tmp / "runs.parquet", index=False)
        (tmp / "scenario.yaml").write_text(
            yaml.safe_dump(result.scenario.model_dump(mode="json"), sort_keys=False), encoding="utf-8"
        )
        info = manifest(result.results[0], command)
        info["wall_time_s"] = round(result.wall_time_s, 3)
        info["runs"] = sum(r.runs for r in result.results)
        info["points"] = len(result.points)
        write_json(tmp / "manifest.json", info)
        if plots:
            from sim.viz import analysis as pa

            if len(result.axes) == 1:
                fig = pa.sweep_figure(
                    result.stats_table(),
                    result.parity_table(),
                    result.axes[0].path,
                    year_end,
                    result.scenario.name,
                    result.runs,
                    result.seed,
                )
                fig.savefig(tmp / "sweep.png", dpi=120)
            else:
                fig = pa.sweep_heatmaps(
                    result.stats_table(),
                    result.parity_table(),
                    result.paths,
                    year_end,
                    result.scenario.name,
                    result.runs,
                    result.seed,
                )
                fig.savefig(tmp / "heatmap.png", dpi=120)

    return atomic_folder(Path(out), fill)
