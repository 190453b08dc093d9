"""Execution backends: where the chunks of an ensemble run.

An ensemble is split into chunks of consecutive runs (`sim.run.ensemble.chunks`); a chunk is one call
of a plain, picklable function (`sim.run.ensemble.run_chunk`). A backend runs those calls and hands
back each result as soon as it is ready, in whatever order the chunks finish:

- `LocalBackend` (``local``, the default): one chunk after another in this process;
- `ProcessBackend` (``processes``): a pool of worker processes on this machine;
- `DaskBackend` (``dask``): tasks on a Dask cluster, either an existing one (a scheduler address)
  or a local cluster on the loopback address that the backend starts and stops.

Every random number depends only on (seed, stream, month, run index) (`sim.model.sampling`), so which
backend ran a chunk, and in what order chunks finished, never changes a number.

Faults. A worker that dies mid-chunk (a killed process, a lost Dask worker) has its chunks run
again on another worker: the process pool is rebuilt and the unfinished chunks resubmitted; Dask's
scheduler reschedules the tasks of a lost worker by itself. An exception raised by the function
itself (e.g. `sim.errors.ModelError`) is not retried: it stops the ensemble and reaches the caller
unchanged.

Only a bounded number of chunks are in flight at a time (two per worker thread), so memory is
bounded by the chunk size, not by the number of chunks.

Use a backend as a context manager, and hand the open backend to `sim.run.ensemble.run_ensemble` to
reuse one pool or cluster for many ensembles (a sweep, a calibration)::

    with make_backend("processes", workers=2) as backend:
        for scenario in scenarios:
            run_ensemble(scenario, backend=backend)
"""

from __future__ import annotations

import re

from sim.run.backends.base import (
    BACKEND_ENV,
    BACKENDS,
    DEFAULT_CHUNK,
    SCHEDULER_ENV,
    Backend,
    BackendError,
    LocalBackend,
    Task,
    available_cpus,
)
from sim.run.backends.cluster import DaskBackend
from sim.run.backends.processes import MAX_WORKER_LOSSES, ProcessBackend

__all__ = [
    "BACKENDS",
    "BACKEND_ENV",
    "DEFAULT_CHUNK",
    "MAX_WORKER_LOSSES",
    "SCHEDULER_ENV",
    "Backend",
    "BackendError",
    "DaskBackend",
    "LocalBackend",
    "ProcessBackend",
    "Task",
    "available_cpus",
    "make_backend",
]


#: a Dask scheduler address: PROTOCOL://HOST:PORT (HOST a name, an IPv4 or a bracketed IPv6)
_ADDRESS = re.compile(r"^(tcp|tls|ws|wss|ucx)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$")


def check_scheduler(address: str) -> None:
    """Refuse, before any connection attempt, a scheduler address that cannot be one.

    Raises:
        BackendError: one line naming --scheduler and SIM_SCHEDULER and the form to use.
    """
    found = _ADDRESS.match(address.strip())
    if not found or not 0 < int(found.group(3)) < 65536:
        shown = address.encode("utf-8", "backslashreplace").decode()[:80]
        raise BackendError(
            f"--scheduler (or {SCHEDULER_ENV}) {shown!r} is not a scheduler address "
            "(fix: write tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786)"
        )


def make_backend(
    name: str = "local", workers: int | None = None, scheduler: str | None = None
) -> Backend:
    """Create a backend by name (not yet started).

    Args:
        name: ``local``, ``processes`` or ``dask``.
        workers: worker processes (``processes``; ``dask`` without a scheduler).
        scheduler: a Dask scheduler address (``dask`` only).

    Raises:
        BackendError: an unknown name, options that do not fit it, or Dask not installed.
    """
    if name not in BACKENDS:
        raise BackendError(f"unknown backend {name!r} (fix: use one of {', '.join(BACKENDS)})")
    if scheduler and name != "dask":
        raise BackendError(
            f"--scheduler is for the dask backend, not {name!r} "
            "(fix: add --backend dask, or drop --scheduler)"
        )
    if scheduler:
        check_scheduler(scheduler)
    if name == "local":
        if workers not in (None, 1):
            raise BackendError(
                "the local backend runs in this process; --workers is for --backend processes or dask"
            )
        return LocalBackend()
    if name == "processes":
        return ProcessBackend(workers)
    return DaskBackend(scheduler, workers)
