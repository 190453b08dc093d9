"""Errors that reach the user as one clear message (exit status 2), never a traceback."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def did_you_mean(word: str, choices: Iterable[str], n: int = 1) -> str | None:
    """'did you mean X?' (or 'X or Y') for a misspelt name, from `choices`; None if none is close.

    The one suggestion every "unknown name" message uses (scenario keys, --set paths, sim explain).
    """
    import difflib

    close = difflib.get_close_matches(str(word), list(choices), n=n, cutoff=0.6)
    return f"did you mean {' or '.join(close)}?" if close else None


class SimError(Exception):
    """Base class of errors the command line reports without a traceback."""

    exit_code = 2


class ScenarioError(SimError):
    """A scenario (file or command-line override) that cannot be used.

    Args:
        file: the scenario file, or None for a command-line problem.
        field: the dotted field path or YAML position, if known.
        problem: what is wrong.
        fix: what would fix it.
    """

    def __init__(self, file: Path | str | None, field: str | None, problem: str, fix: str):
        self.file = str(file) if file is not None else None
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """One line: file: field: problem (fix: ...)."""
        where = self.file or "command line"
        # "--set PATH=VALUE" already names the field when it is PATH itself
        if self.field and not where.startswith(f"--set {self.field}="):
            where += f": {self.field}"
        return f"{where}: {self.problem} (fix: {self.fix})"


class ModelError(SimError):
    """The model failed inside a run (e.g. a non-finite state); names the run index."""

    exit_code = 1


class OutputError(SimError):
    """An output location that cannot be used (it would overwrite something sim did not write)."""
