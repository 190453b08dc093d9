"""`ProcessBackend`: chunks on a pool of worker processes on this machine."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from sim.run.backends.base import Backend, BackendError, Task, _preload, available_cpus

#: how many times the chunks in flight may lose their worker before the ensemble gives up.
MAX_WORKER_LOSSES = 3

log = logging.getLogger(__name__)


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
