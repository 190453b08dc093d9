"""The scenarios that ship with sim, and finding a scenario by file name or bare name.

A user's own scenario can live anywhere: `extends: baseline.yaml` is looked up beside the file
that says it, then among the shipped scenarios. On the command line a bare name
(`sim run baseline`) finds the shipped scenario of that name when no such file exists.
"""

from __future__ import annotations

from pathlib import Path

#: the folder of shipped scenarios (the repository's scenarios/, beside the package)
SHIPPED = Path(__file__).resolve().parents[1] / "scenarios"


def shipped_scenarios() -> list[Path]:
    """The shipped scenario files, sorted by name (empty if the folder is not there)."""
    return sorted(SHIPPED.glob("*.yaml")) if SHIPPED.is_dir() else []


def find_shipped(name: str) -> Path | None:
    """The shipped scenario a bare name or file name means ('baseline', 'baseline.yaml'), if any.

    Only a plain name is looked up: a path with a folder in it means that path.
    """
    if not name or Path(name).name != name or name in {".", ".."}:
        return None
    for candidate in (SHIPPED / name, SHIPPED / f"{name}.yaml"):
        if candidate.is_file():
            return candidate
    return None
