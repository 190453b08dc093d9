"""The report's input: `sim run` results folders, checked and labelled, and the reference one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from sim.errors import SimError
from sim.run.results import SUMMARY_KEYS, Results, load_results

#: the scenario the others are compared with, when it is among the folders given.
REFERENCE = "baseline"


class ReportError(SimError):
    """Input that cannot make a report (not a results folder, unreadable tables)."""


@dataclass
class Entry:
    """One results folder in the report."""

    label: str
    results: Results

    @property
    def runs(self) -> int:
        """Number of Monte Carlo runs."""
        return int(self.results.summary["runs"])

    @property
    def seed(self) -> int:
        """The ensemble's seed."""
        return int(self.results.summary["seed"])

    @property
    def description(self) -> str:
        """The scenario's description, from the resolved scenario.yaml."""
        return str(self.results.scenario.get("description") or "").strip()


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def summary_problem(summary: object) -> str | None:
    """What in a summary.json is not of the shape `sim run` writes, or None.

    Checked before the report reads it, so an edited or damaged file is one message, not a
    traceback from deep inside a table.
    """
    if not isinstance(summary, dict):
        return "it is not a JSON object"
    if not isinstance(summary.get("scenario"), str):
        return "scenario is not a name"
    for key in ("runs", "seed"):
        if not isinstance(summary.get(key), int) or summary[key] < (1 if key == "runs" else 0):
            return f"{key} is not a whole number"
    outcomes = summary.get("outcomes")
    if not isinstance(outcomes, dict) or not outcomes:
        return "outcomes is empty or not an object"
    for name, by_year in outcomes.items():
        if not isinstance(by_year, dict):
            return f"outcomes.{name} is not an object"
        for year, stats in by_year.items():
            if not isinstance(stats, dict) or not all(_number(v) or v is None for v in stats.values()):
                return f"outcomes.{name}.{year} is not a table of numbers"
    probabilities = summary.get("probabilities")
    if not isinstance(probabilities, dict):
        return "probabilities is not an object"
    for name, table in probabilities.items():
        if not isinstance(table, dict):
            return f"probabilities.{name} is not an object"
        for key, value in table.items():
            inner = value.values() if isinstance(value, dict) else [value]
            if not all(_number(v) for v in inner):
                return f"probabilities.{name}.{key} is not a number"
    return None


def read_folder(path: Path) -> Results:
    """Load a `sim run` results folder, or raise ReportError saying what is wrong with it."""
    if not path.exists():
        raise ReportError(
            f"{path}: no such folder (fix: pass the folder `sim run` wrote, "
            "e.g. results/baseline-20260101-120000)"
        )
    if not path.is_dir():
        raise ReportError(
            f"{path}: is a file, not a results folder (fix: pass the folder that contains summary.json)"
        )
    if (path / "comparison.json").exists():
        raise ReportError(
            f"{path}: is a `sim compare` folder (fix: pass the two `sim run` "
            "folders instead; the report pairs them itself)"
        )
    if not (path / "summary.json").exists():
        raise ReportError(
            f"{path}: not a results folder, summary.json is missing (fix: pass "
            "a folder written by `sim run`)"
        )
    try:
        results = load_results(path)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ReportError(
            f"{path}: cannot read the results folder: {exc} (fix: re-run `sim run` to write it again)"
        ) from None
    missing = [k for k in SUMMARY_KEYS if k not in results.summary]
    if missing:
        raise ReportError(
            f"{path}: summary.json lacks {', '.join(missing)} (fix: re-run "
            "`sim run` with this version of sim)"
        )
    problem = summary_problem(results.summary)
    if problem:
        raise ReportError(
            f"{path}: summary.json was changed after sim wrote it ({problem}) (fix: re-run "
            "`sim run` to write it again)"
        )
    for name, table in (("runs.parquet", results.runs), ("monthly.parquet", results.monthly)):
        if table is None:
            raise ReportError(
                f"{path}: {name} is missing (fix: re-run `sim run` to write the complete folder)"
            )
    return results


def load_entries(paths: Sequence[Path]) -> list[Entry]:
    """Read every folder; label each by its scenario name, made unique when repeated."""
    loaded = [read_folder(Path(p)) for p in paths]
    names = [r.summary["scenario"] for r in loaded]
    entries = []
    for r, name in zip(loaded, names, strict=True):
        label = name if names.count(name) == 1 else f"{name} [{r.path.name}]"
        entries.append(Entry(label, r))
    return entries


def reference_of(entries: Sequence[Entry]) -> Entry:
    """Pick the entry others are compared with: the first baseline, else the first folder."""
    for e in entries:
        if e.results.summary["scenario"] == REFERENCE:
            return e
    return entries[0]
