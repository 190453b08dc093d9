"""The points of a parameter sweep: reading its axes and building a valid scenario at each point.

A lever is any numeric scenario field, named by its dotted path (the same paths as ``--set``),
e.g. ``policy.us.export.h200.cap_units``. Every point is validated before anything runs.
`sim.analysis.sweep` runs the points and writes the folder.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis.refs import parameter_label
from sim.dotted import get_path
from sim.errors import ScenarioError
from sim.limits import MAX_POINTS, MAX_RUNS
from sim.scenario import Scenario, load_scenario


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
    if n > MAX_POINTS:  # before allocating them
        raise ScenarioError(None, what, f"{n:,} values (more than {MAX_POINTS})", "use fewer values")
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
    n_points = math.prod(len(a.values) for a in axes)
    if n_points * reference.run.runs > MAX_RUNS:
        raise ScenarioError(
            None,
            "--runs",
            f"{n_points} values x {reference.run.runs:,} runs is more than {MAX_RUNS:,} runs",
            "use fewer runs or fewer values",
        )
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
