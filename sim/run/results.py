"""The results folder: write it atomically, read it back into pandas.

A folder holds (DESIGN.md):

- ``summary.json``: scenario, runs, seed, sim_version, scenario_sha256, outcomes (per year-end
  mean/p5/p25/p50/p75/p95) and probabilities: ``china_parity_by`` (share of runs at parity at
  some month up to each year-end) and ``china_lag_at_most`` ({"N": share of runs whose lag is at
  most N months in each December}, N from ``within``);
- ``summary.csv``: the outcomes of summary.json as a tidy table (outcome, unit, year_end, mean,
  p5, p25, p50, p75, p95), for spreadsheets;
- ``runs.parquet``: one row per run: sampled parameters and every outcome at every year-end;
- ``monthly.parquet``: the key monthly series summarised across runs (mean and quantiles);
- ``trajectories.csv`` (only when asked for, ``trajectories=K``): the monthly paths of runs
  0..K-1, one row per (run, month), one column per monthly series;
- ``scenario.yaml``: the fully resolved scenario; ``manifest.json``: versions, seed, wall time;
- PNG plots, when the caller passes a figure writer (`sim.viz.run.draw_run_figures`).

Everything is written to a hidden temporary folder next to the target and renamed into place
only when complete, so a results folder never exists half-written.
"""

from __future__ import annotations

import json
import platform
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.atomic import atomic_folder
from sim.outcomes import LAG_WITHIN
from sim.scenario import scenario_sha256

#: `atomic_folder` is re-exported: sim.analysis and sim.cli import it from here.
__all__ = [
    "SUMMARY_KEYS",
    "Results",
    "atomic_folder",
    "default_out",
    "load_results",
    "summary_frame",
    "manifest",
    "sim_version",
    "summary_dict",
    "versions",
    "write_json",
    "write_run_results",
]

SUMMARY_KEYS = (
    "scenario",
    "runs",
    "seed",
    "sim_version",
    "scenario_sha256",
    "outcomes",
    "probabilities",
)


def sim_version() -> str:
    """The installed version of sim."""
    try:
        return metadata.version("sim")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "0+unknown"


def versions() -> dict[str, str]:
    """Versions of Python and of the libraries the numbers depend on."""
    out = {"python": platform.python_version(), "sim": sim_version()}
    for name in ("mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "matplotlib"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def check_within(within: Any) -> tuple[float, ...]:
    """The thresholds N [months] of ``china_lag_at_most`` as floats; each must be > 0.

    Raises:
        ValueError: when a threshold is not a finite positive number, or none is given.
    """
    values = tuple(float(n) for n in within)
    if not values or any(not (n > 0 and n < float("inf")) for n in values):
        raise ValueError(f"thresholds must be positive numbers of months, got {list(within)}")
    return tuple(dict.fromkeys(values))


def summary_dict(result: Any, within: Any = LAG_WITHIN) -> dict[str, Any]:
    """The summary.json content of an ensemble result (no timings: same seed, same bytes).

    Args:
        result: the ensemble result.
        within: the thresholds N [months] of ``probabilities.china_lag_at_most``.
    """
    return {
        "scenario": result.scenario.name,
        "runs": result.runs,
        "seed": result.seed,
        "sim_version": sim_version(),
        "scenario_sha256": scenario_sha256(result.scenario),
        "outcomes": result.summary_outcomes(),
        "probabilities": {
            "china_parity_by": result.parity_probabilities(),
            "china_lag_at_most": result.lag_at_most_probabilities(check_within(within)),
        },
    }


def summary_frame(summary_outcomes: dict[str, dict[str, dict[str, float]]]) -> pd.DataFrame:
    """summary.json's ``outcomes`` as a tidy table, the content of summary.csv.

    Returns:
        One row per (outcome, year-end): outcome, unit (of the year-end value: a flow is a total
        over the calendar year), year_end ('YYYY-12'), mean, p5, p25, p50, p75, p95.
    """
    from sim.outcomes import ALL, STATS

    rows = [
        {
            "outcome": name,
            "unit": ALL[name].unit if name in ALL else "",
            "year_end": label,
            **{k: stats[k] for k in STATS},
        }
        for name, by_year in summary_outcomes.items()
        for label, stats in by_year.items()
    ]
    return pd.DataFrame(rows, columns=["outcome", "unit", "year_end", *STATS])


def write_csv(path: Path, table: pd.DataFrame, digits: int = 10) -> None:
    """A CSV without index, numbers to `digits` significant digits (no binary-fraction noise)."""
    table.to_csv(path, index=False, float_format=f"%.{digits}g", lineterminator="\n")


def slug(name: str, most: int = 60) -> str:
    """A file-name-safe form of a scenario name: letters, digits, '-', '_' and '.' only.

    Path separators, '..', control characters and anything else become '-', so a name such as
    ``../../x`` or ``/etc`` can never place results outside the results folder.
    """
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-") or "scenario"
    return cleaned[:most]


def default_out(kind: str, name: str, root: Path = Path("results")) -> Path:
    """results/<slug of name>-<kind>-<UTC timestamp> (kind is '' for sim run), always under root."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    label = f"{slug(name)}-{kind}" if kind else slug(name)
    path = root / f"{label}-{stamp}"
    n = 1
    while path.exists():
        n += 1
        path = root / f"{label}-{stamp}-{n}"
    return path


def resolved_yaml(scenario: Any) -> str:
    """The fully resolved scenario as YAML, headed by the policy in force month by month.

    The `policy:` block holds only the policy under study; the header (YAML comments, so the file
    still loads as a scenario) lists every change of the policy in force over the horizon,
    history and timeline included, e.g. China's customs block on the H20 that the history sets.
    """
    from sim.scenario.policy import policy_in_force

    lines = [
        "# The policy in force in these runs (history, the policy under study and the timeline",
        "# applied in date order; values set from the previous month; uncertain fields vary by run):",
    ]
    for month, changes in policy_in_force(scenario):
        shown = ", ".join(f"{k} = {json.dumps(v)}" for k, v in changes.items())
        lines.append(f"#   {month}: {shown}")
    uncertain = [p for p in scenario.uncertainties if p.startswith("policy.")]
    if uncertain:
        lines.append(f"#   drawn per run from {scenario.policy.effective}: {', '.join(uncertain)}")
    body = yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False)
    return "\n".join(lines) + "\n" + body


def write_json(path: Path, data: Any) -> None:
    """JSON with sorted keys and a newline, so equal content is equal bytes."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def manifest(result: Any, command: str) -> dict[str, Any]:
    """Provenance: versions, seed, runs, chunking, backend, wall time."""
    return {
        "command": command,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": versions(),
        "seed": result.seed,
        "runs": result.runs,
        "chunk_size": result.chunk_size,
        "backend": result.backend,
        "backend_detail": getattr(result, "extra", {}).get("backend", {"name": result.backend}),
        "wall_time_s": round(result.wall_time_s, 3),
        "random_streams": "Philox keyed by SeedSequence([seed, crc32(stream name), month + 1]); "
        "run i reads counter block i",
        "platform": platform.platform(),
    }


def write_run_results(
    result: Any,
    out: Path,
    figures: Callable[[Any, Path], object] | None = None,
    command: str = "sim run",
    *,
    within: Any = LAG_WITHIN,
    trajectories: int = 0,
) -> Path:
    """Write a complete results folder for one ensemble.

    Args:
        result: the ensemble result (`sim.run.ensemble.EnsembleResult`).
        out: the folder to create or replace (atomically).
        figures: draws the folder's figures, ``figures(result, folder)``; the caller that wants
            PNGs passes `sim.viz.run.draw_run_figures`. None writes the data files only, so this
            module never imports the plotting layer.
        command: the command line, recorded in manifest.json.
        within: the thresholds N [months] of ``probabilities.china_lag_at_most`` [default: 3].
        trajectories: write the monthly paths of this many runs to trajectories.csv (0: none).

    Returns:
        The folder written.
    """
    within = check_within(within)
    if int(trajectories) < 0:
        raise ValueError(f"trajectories must be 0 or more, got {trajectories}")

    def fill(tmp: Path) -> None:
        write_json(tmp / "summary.json", summary_dict(result, within))
        write_csv(tmp / "summary.csv", summary_frame(result.summary_outcomes()))
        if trajectories:
            # the monthly series are kept as float32: seven digits are all they hold
            write_csv(tmp / "trajectories.csv", result.trajectories(int(trajectories)), digits=7)
        result.per_run().to_parquet(tmp / "runs.parquet", index=False)
        result.monthly_quantiles().to_parquet(tmp / "monthly.parquet", index=False)
        (tmp / "scenario.yaml").write_text(resolved_yaml(result.scenario), encoding="utf-8")
        write_json(tmp / "manifest.json", manifest(result, command))
        if figures is not None:
            figures(result, tmp)

    return atomic_folder(out, fill)


@dataclass
class Results:
    """A results folder loaded back: the JSON as dicts, the tables as DataFrames."""

    path: Path
    summary: dict[str, Any]
    manifest: dict[str, Any]
    scenario: dict[str, Any]
    runs: pd.DataFrame | None
    monthly: pd.DataFrame | None
    tables: dict[str, pd.DataFrame]
    data: dict[str, Any]
    trajectories: pd.DataFrame | None = None

    def outcomes(self) -> pd.DataFrame:
        """summary.json's outcomes as a long table: outcome, year_end, mean, p5 … p95."""
        rows = []
        for name, by_year in self.summary.get("outcomes", {}).items():
            for label, stats in by_year.items():
                rows.append({"outcome": name, "year_end": label, **stats})
        return pd.DataFrame(rows)

    def lag_at_most(self) -> pd.DataFrame:
        """summary.json's ``probabilities.china_lag_at_most`` as a long table.

        Returns:
            Columns within (N [months]), year_end ('YYYY-12'), p (share of runs whose lag is
            at most N months in that December); empty for a folder written before it existed.
        """
        found = self.summary.get("probabilities", {}).get("china_lag_at_most", {})
        rows = [
            {"within": float(n), "year_end": label, "p": p}
            for n, by_year in found.items()
            for label, p in by_year.items()
        ]
        return pd.DataFrame(rows, columns=["within", "year_end", "p"])


def load_results(path: str | Path) -> Results:
    """Load any results folder (run, compare, sweep, …) into pandas."""
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"{path} is not a results folder")

    def read_json(name: str) -> dict[str, Any]:
        f = path / name
        return json.loads(f.read_text(encoding="utf-8")) if f.exists() else {}

    def read_parquet(name: str) -> pd.DataFrame | None:
        f = path / name
        return pd.read_parquet(f) if f.exists() else None

    scenario_file = path / "scenario.yaml"
    scenario = yaml.safe_load(scenario_file.read_text()) if scenario_file.exists() else {}
    tables = {f.stem: pd.read_parquet(f) for f in sorted(path.glob("*.parquet"))}
    data = {f.stem: json.loads(f.read_text()) for f in sorted(path.glob("*.json"))}
    return Results(
        path=path,
        summary=read_json("summary.json"),
        manifest=read_json("manifest.json"),
        scenario=scenario,
        runs=read_parquet("runs.parquet"),
        monthly=read_parquet("monthly.parquet"),
        tables=tables,
        data=data,
        trajectories=pd.read_csv(path / "trajectories.csv")
        if (path / "trajectories.csv").exists()
        else None,
    )
