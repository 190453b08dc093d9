"""`DaskBackend`: chunks as tasks on a Dask cluster, an existing one or a local one it starts."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from importlib import metadata
from typing import Any

from sim.run.backends.base import SCHEDULER_ENV, Backend, BackendError, Task, _preload, available_cpus

#: libraries whose versions must agree between this machine and a cluster's workers for the
#: numbers to be the same.
_NUMERIC_PACKAGES = ("sim", "numpy", "scipy", "mesa", "pydantic")

log = logging.getLogger(__name__)

_TRIM = "MALLOC_TRIM_THRESHOLD_"

#: Options of every local cluster (the backend's, and the tests'): loopback only, no dashboard.
#: ``dashboard_address=None`` alone is not enough: distributed's scheduler starts its HTTP server
#: (health and metrics routes) anyway and, given no address, binds it to port 8787, so a second
#: cluster, or anything else on 8787, gets "Port 8787 is already in use" (an error under
#: ``filterwarnings = error``). The scheduler's own ``dashboard_address`` puts that server on a free
#: loopback port; ``":0"`` would free the port too but listen on every interface.
LOCAL_CLUSTER_OPTIONS: dict[str, Any] = {
    "host": "127.0.0.1",
    "dashboard_address": None,
    "scheduler_kwargs": {"dashboard_address": "127.0.0.1:0"},
}


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
                    silence_logs=logging.ERROR,
                    **LOCAL_CLUSTER_OPTIONS,
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
                "about 2.5x slower; see docs/scale.md, 'Clusters', for the "
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
