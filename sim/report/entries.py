"""The report's input: `sim run` results folders, checked and labelled, and the reference one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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
    except (OSError, ValueError) as exc:
        raise ReportError(
            f"{path}: cannot read the results folder: {exc} (fix: re-run `sim run` to write it again)"
        ) from None
    missing = [k for k in SUMMARY_KEYS if k not in results.summary]
    if missing:
        raise ReportError(
            f"{path}: summary.json lacks {', '.join(missing)} (fix: re-run "
            "`sim run` with this version of sim)"
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
