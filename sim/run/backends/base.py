"""The backend interface, its options and errors, and the local backend (this process).

See `sim.run.backends` for what a backend is and how to use one.
"""

from __future__ import annotations

import abc
import math
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sim.errors import SimError

#: backend names accepted by `make_backend` and the command line's ``--backend``.
BACKENDS = ("local", "processes", "dask")

#: runs per chunk when the caller does not choose: large enough that one model steps many runs
#: at once (throughput levels off around here), small enough to bound memory.
DEFAULT_CHUNK = 5_000

#: environment variables read by the command line.
SCHEDULER_ENV = "SIM_SCHEDULER"
BACKEND_ENV = "SIM_BACKEND"

Task = tuple[Any, ...]


class BackendError(SimError):
    """A backend cannot be used as asked (missing extra, bad option, unreachable cluster)."""

    exit_code = 2


def available_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Backend(abc.ABC):
    """Runs calls of one function over many argument tuples, yielding results as they finish.

    Subclasses implement `map_unordered`, and `_start`/`_close` when they hold resources.
    """

    name = "backend"

    def __init__(self) -> None:
        self._started = False

    # ------------------------------------------------------------------ lifetime
    def __enter__(self) -> Backend:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the pool or cluster (idempotent)."""
        if not self._started:
            self._start()
            self._started = True

    def close(self) -> None:
        """Stop whatever `start` started (idempotent)."""
        if self._started:
            self._started = False
            self._close()

    def _start(self) -> None:  # noqa: B027 - a hook: most backends hold nothing to start
        """Start resources; nothing by default."""

    def _close(self) -> None:  # noqa: B027 - a hook: most backends hold nothing to release
        """Release resources; nothing by default."""

    # ------------------------------------------------------------------ work
    @property
    def workers(self) -> int:
        """How many chunks can run at the same time."""
        return 1

    def default_chunk_size(self, runs: int) -> int:
        """Choose the runs per chunk when the caller does not.

        `DEFAULT_CHUNK`, or fewer so that every worker gets a chunk.
        """
        return max(1, min(DEFAULT_CHUNK, math.ceil(runs / max(1, self.workers))))

    @abc.abstractmethod
    def map_unordered(self, fn: Callable[..., Any], tasks: Iterable[Task]) -> Iterator[tuple[int, Any]]:
        """Call ``fn(*task)`` for every task; yield ``(task position, result)`` as each finishes.

        Tasks are read from the iterable lazily, a few at a time. If a call raises, the
        exception propagates and the remaining tasks are cancelled.
        """

    def describe(self) -> dict[str, Any]:
        """Describe the backend for the manifest: name and workers."""
        return {"name": self.name, "workers": self.workers}


class LocalBackend(Backend):
    """One chunk after another in this process (the default)."""

    name = "local"

    def map_unordered(self, fn: Callable[..., Any], tasks: Iterable[Task]) -> Iterator[tuple[int, Any]]:
        """Call ``fn(*task)`` for each task in order, in this process."""
        for position, task in enumerate(tasks):
            yield position, fn(*task)


def _preload() -> None:
    """Import the model in a fresh worker before its first chunk (pool initializer)."""
    import sim.run.ensemble  # noqa: F401
