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

import abc
import logging
import math
import multiprocessing
import os
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from importlib import metadata
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

#: how many times the chunks in flight may lose their worker before the ensemble gives up.
MAX_WORKER_LOSSES = 3

#: libraries whose versions must agree between this machine and a cluster's workers for the
#: numbers to be the same.
_NUMERIC_PACKAGES = ("sim", "numpy", "scipy", "mesa", "pydantic")

log = logging.getLogger(__name__)

_TRIM = "MALLOC_TRIM_THRESHOLD_"

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


class ProcessBackend(Backend):
    """Chunks on a pool of worker processes on this machine.

    Workers are started with ``forkserver`` on Linux (``spawn`` elsewhere), never a bare
    ``fork``: a forked copy of a process with threads (a progress bar, a Dask client) can
    deadlock. If a worker dies, the pool is rebuilt and every chunk that had not finished is run
    again; a chunk that was in flight during `MAX_WORKER_LOSSES` worker deaths stops the
    ensemble with an error (it is probably what kills them, e.g. by running out of memory).

    Args:
        workers: worker processes [default: the CPUs this process may use].
    """

    name = "processes"

    def __init__(self, workers: int | None = None):
        super().__init__()
        if workers is not None and workers < 1:
            raise BackendError("--workers must be at least 1")
        self._workers = int(workers) if workers else available_cpus()
        self._pool: ProcessPoolExecutor | None = None
        self.restarts = 0

    @property
    def workers(self) -> int:
        """Worker processes in the pool."""
        return self._workers

    def _context(self) -> multiprocessing.context.BaseContext:
        if sys.platform.startswith("linux"):
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["sim.run.ensemble"])
            return ctx
        return multiprocessing.get_context("spawn")

    def _start(self) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=self._workers, mp_context=self._context(), initializer=_preload
        )
        # start every worker now (the pool would start them on first use), so that a broken
        # environment fails here and the first chunks do not wait for imports
        wait([self._pool.submit(os.getpid) for _ in range(self._workers)])

    def _close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _rebuild(self) -> None:
        """Replace a broken pool (one of its workers died) by a fresh one."""
        self._close()
        self._start()
        self.restarts += 1

    def worker_pids(self) -> list[int]:
        """Process ids of the pool's live workers (for monitoring, and for fault tests)."""
        if self._pool is None:
            return []
        processes = getattr(self._pool, "_processes", None) or {}
        return [p.pid for p in list(processes.values()) if p.is_alive()]

    def map_unordered(self, fn: Callable[..., Any], tasks: Iterable[Task]) -> Iterator[tuple[int, Any]]:
        """Run the tasks on the pool, at most two per worker in flight; see the class docstring."""
        self.start()
        todo = enumerate(tasks)
        retry: list[tuple[int, Task]] = []
        losses: dict[int, int] = {}
        pending: dict[Future[Any], tuple[int, Task]] = {}
        limit = 2 * self._workers
        try:
            while True:
                while len(pending) < limit:
                    nxt = retry.pop(0) if retry else next(todo, None)
                    if nxt is None:
                        break
                    assert self._pool is not None
                    pending[self._pool.submit(fn, *nxt[1])] = nxt
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    position, task = pending.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken = True
                        retry.append((position, task))
                        continue
                    yield position, result
                if broken:
                    # a dead worker breaks the whole pool: every unfinished future fails with it
                    wait(pending)
                    for future, (position, task) in list(pending.items()):
                        if future.exception() is None:
                            yield position, future.result()
                        else:
                            retry.append((position, task))
                    pending.clear()
                    retry.sort(key=lambda item: item[0])
                    for position, _task in retry:
                        losses[position] = losses.get(position, 0) + 1
                        if losses[position] >= MAX_WORKER_LOSSES:
                            raise BackendError(
                                f"worker processes died {losses[position]} times while chunk "
                                f"{position} was running (out of memory? try a smaller "
                                "--chunk-size or fewer --workers)"
                            )
                    log.warning(
                        "a worker process died; re-running %d chunk(s) on a new pool", len(retry)
                    )
                    self._rebuild()
        finally:
            for future in pending:
                future.cancel()


def _environment() -> dict[str, str]:
    """Versions of the libraries the numbers depend on (run on every Dask worker)."""
    out = {}
    for name in _NUMERIC_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise BackendError(
            f"the dask backend needs Dask's distributed scheduler, which is not installed ({exc}); "
            "install it with: pip install 'sim[dask]'  (from a clone: pip install '.[dask]')"
        ) from None
    return distributed


class DaskBackend(Backend):
    """Chunks as tasks on a Dask cluster.

    With a scheduler address, the backend connects to that cluster (its workers must have the
    same versions of sim, numpy and scipy installed: this is checked). Without one, it starts a
    local cluster of worker processes listening on 127.0.0.1 only, with no dashboard, and stops it
    on close.

    A lost worker's tasks are rescheduled by Dask (up to ``distributed.scheduler.allowed-failures``
    times, then the ensemble stops with an error).

    Args:
        scheduler: address of an existing scheduler, e.g. ``tcp://10.0.0.5:8786``.
        workers: worker processes of the local cluster [default: the CPUs this process may use];
            not allowed with `scheduler` (an existing cluster has its own workers).
        connect_timeout_s: how long to try to reach an existing scheduler [s].
        wait_for_workers_s: how long to wait for an existing cluster to have a worker [s].
    """

    name = "dask"

    def __init__(
        self,
        scheduler: str | None = None,
        workers: int | None = None,
        connect_timeout_s: float = 20.0,
        wait_for_workers_s: float = 60.0,
    ):
        super().__init__()
        if scheduler and workers is not None:
            raise BackendError(
                "--workers sets the size of a local Dask cluster; the cluster at "
                f"{scheduler} has its own workers (fix: drop --workers, or drop --scheduler)"
            )
        if workers is not None and workers < 1:
            raise BackendError("--workers must be at least 1")
        _import_distributed()
        self.scheduler = scheduler or None
        self._n_local = int(workers) if workers else available_cpus()
        self._connect_s = connect_timeout_s
        self._wait_s = wait_for_workers_s
        self._cluster: Any = None
        self.client: Any = None

    def _start(self) -> None:
        distributed = _import_distributed()
        if self.scheduler:
            try:
                self.client = distributed.Client(
                    self.scheduler, timeout=self._connect_s, set_as_default=False
                )
            except (OSError, TimeoutError) as exc:
                raise BackendError(
                    f"cannot reach the Dask scheduler at {self.scheduler}: {exc} (fix: start it "
                    "with `dask scheduler` and workers with `dask worker ADDRESS`, or leave out "
                    f"--scheduler and {SCHEDULER_ENV} to start a local cluster)"
                ) from None
            try:
                self.client.wait_for_workers(1, timeout=self._wait_s)
            except TimeoutError:
                self.client.close()
                raise BackendError(
                    f"the Dask cluster at {self.scheduler} has no workers after "
                    f"{self._wait_s:.0f} s (fix: start some with `dask worker ADDRESS`)"
                ) from None
            self._check_versions()
            self._check_malloc()
        else:
            import dask

            # Dask's nannies start workers with MALLOC_TRIM_THRESHOLD_=65536, which hands freed
            # memory back to the system at once: this model allocates and frees arrays over runs
            # all the time and runs 2.5x slower so. Our workers keep glibc's defaults, as the
            # other backends do.
            environ = {
                k: v
                for k, v in dask.config.get("distributed.nanny.pre-spawn-environ", {}).items()
                if k != _TRIM
            }
            with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
                self._cluster = distributed.LocalCluster(
                    n_workers=self._n_local,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            self.client = distributed.Client(self._cluster, set_as_default=False)
        # import the model on every worker now, not during the first chunks
        self.client.run(_preload)

    def _check_versions(self) -> None:
        here = _environment()
        for address, there in self.client.run(_environment).items():
            diff = {k: (here[k], there.get(k)) for k in here if there.get(k) != here[k]}
            if diff:
                what = ", ".join(f"{k} {a} here but {b} there" for k, (a, b) in diff.items())
                self.client.close()
                raise BackendError(
                    f"Dask worker {address} has different versions ({what}); results would not "
                    "be reproducible (fix: install the same versions on the cluster's workers)"
                )

    def _check_malloc(self) -> None:
        trimming = {
            address: value
            for address, value in self.client.run(os.environ.get, _TRIM).items()
            if value and value.isdigit() and int(value) < 2**20
        }
        if trimming:
            log.warning(
                "Dask workers %s run with %s=%s (the nanny's default), which makes this model "
                "about 2.5x slower; see the README, 'Scale: backends and clusters', for the "
                "worker settings",
                ", ".join(sorted(trimming)),
                _TRIM,
                next(iter(trimming.values())),
            )

    def _close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    @property
    def workers(self) -> int:
        """Worker threads of the cluster (of the local cluster before it starts)."""
        if self.client is None:
            return self._n_local
        info = self.client.scheduler_info(n_workers=-1)["workers"]
        return max(1, sum(w.get("nthreads", 1) for w in info.values()))

    def worker_pids(self) -> dict[str, int]:
        """{worker address: process id} of the cluster's workers (monitoring, fault tests)."""
        if self.client is None:
            return {}
        return self.client.run(os.getpid)

    def describe(self) -> dict[str, Any]:
        """Name, worker threads, and the scheduler (``local`` for a cluster we started)."""
        return {**super().describe(), "scheduler": self.scheduler or "local cluster"}

    def map_unordered(self, fn: Callable[..., Any], tasks: Iterable[Task]) -> Iterator[tuple[int, Any]]:
        """Submit the tasks to the cluster, two per worker thread in flight."""
        distributed = _import_distributed()
        self.start()
        client = self.client
        batch = uuid.uuid4().hex[:12]
        todo = enumerate(tasks)
        positions: dict[Any, int] = {}
        running = distributed.as_completed(loop=client.loop)
        limit = 2 * self.workers

        def submit() -> bool:
            nxt = next(todo, None)
            if nxt is None:
                return False
            position, task = nxt
            key = f"{getattr(fn, '__name__', 'task')}-{batch}-{position}"
            future = client.submit(fn, *task, key=key, pure=False)
            positions[future] = position
            running.add(future)
            return True

        try:
            for _ in range(limit):
                if not submit():
                    break
            for future in running:
                position = positions.pop(future)
                try:
                    result = future.result()
                except distributed.KilledWorker as exc:
                    raise BackendError(
                        f"Dask workers died while running chunk {position}: {exc} (out of memory? "
                        "try a smaller --chunk-size)"
                    ) from None
                future.release()
                yield position, result
                submit()
        finally:
            for future in list(positions):
                future.cancel()


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
    if name == "local":
        if workers not in (None, 1):
            raise BackendError(
                "the local backend runs in this process; --workers is for --backend processes or dask"
            )
        return LocalBackend()
    if name == "processes":
        return ProcessBackend(workers)
    return DaskBackend(scheduler, workers)
