"""Backends: the same numbers on every backend, chunk size and worker count; faults; memory.

Dask clusters here are real: worker processes listening on 127.0.0.1 only, started and stopped
by the tests.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sim import load_scenario, run_ensemble, write_run_results
from sim.cli import main
from sim.errors import ModelError
from sim.run.backends import BackendError, DaskBackend, ProcessBackend, make_backend
from sim.run.backends.cluster import LOCAL_CLUSTER_OPTIONS
from sim.run.ensemble import Aggregator, MonthlyStore, chunks, run_chunk

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
RUNS = 60

distributed = pytest.importorskip("distributed")

# Dask's client and cluster talk over sockets that they close on their own schedule; under
# `filterwarnings = error` their ResourceWarnings about it would fail unrelated tests.
dask_warnings = pytest.mark.filterwarnings(
    "ignore:unclosed <socket:ResourceWarning",
    "ignore:unclosed event loop:ResourceWarning",
    "ignore:unclosed transport:ResourceWarning",
)


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(BASELINE)


@pytest.fixture(scope="module")
def reference(scenario):
    """The local backend, one chunk."""
    return run_ensemble(scenario, runs=RUNS, chunk_size=RUNS)


@pytest.fixture(scope="module")
def cluster():
    """A two-worker Dask cluster on the loopback address, for the tests that need an address."""
    import dask

    # as DaskBackend does: keep the nanny from setting MALLOC_TRIM_THRESHOLD_ (in this process too)
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ"))
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    with (
        dask.config.set({"distributed.nanny.pre-spawn-environ": environ}),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            **LOCAL_CLUSTER_OPTIONS,
        ) as c,
    ):
        yield c


def summary_bytes(result, tmp_path: Path, name: str) -> dict[str, bytes]:
    out = write_run_results(result, tmp_path / name)
    return {f: (out / f).read_bytes() for f in ("summary.json",)} | {
        "runs": result.per_run().to_json().encode(),
        "monthly": result.monthly_quantiles().to_json().encode(),
    }


def assert_same(a, b, tmp_path: Path) -> None:
    left = summary_bytes(a, tmp_path, "a")
    right = summary_bytes(b, tmp_path, "b")
    for key in left:
        assert left[key] == right[key], f"{key} differs"


# ---------------------------------------------------------------------- identity
@pytest.mark.parametrize("chunk_size", [1, 7, 45])
def test_local_chunk_size_never_changes_a_number(scenario, tmp_path, chunk_size):
    runs = 9 if chunk_size == 1 else RUNS
    whole = run_ensemble(scenario, runs=runs, chunk_size=runs)
    split = run_ensemble(scenario, runs=runs, chunk_size=chunk_size)
    assert split.chunk_size == chunk_size
    assert_same(whole, split, tmp_path)


@pytest.mark.parametrize(("workers", "chunk_size"), [(1, 40), (2, 13), (3, None)])
def test_processes_backend_matches_local(scenario, reference, tmp_path, workers, chunk_size):
    calls = []
    result = run_ensemble(
        scenario,
        runs=RUNS,
        chunk_size=chunk_size,
        backend="processes",
        workers=workers,
        progress=lambda done, total: calls.append(done),
    )
    assert result.backend == "processes"
    assert result.extra["backend"]["workers"] == workers
    n_chunks = len(chunks(RUNS, result.chunk_size))
    assert len(calls) == n_chunks and calls == sorted(calls) and calls[-1] == RUNS
    assert_same(reference, result, tmp_path)


@dask_warnings
def test_dask_local_cluster_started_and_stopped_by_the_backend(scenario, reference, tmp_path):
    calls = []
    with make_backend("dask", workers=2) as backend:
        assert isinstance(backend, DaskBackend)
        address = backend.client.scheduler.address
        assert address.startswith("tcp://127.0.0.1:")
        result = run_ensemble(
            scenario,
            runs=RUNS,
            chunk_size=15,
            backend=backend,
            progress=lambda done, total: calls.append(done),
        )
    assert backend.client is None
    assert calls == [15, 30, 45, 60]
    assert result.backend == "dask" and result.extra["backend"]["workers"] == 2
    assert_same(reference, result, tmp_path)
    # stopped: nothing listens on its address any more
    with pytest.raises(BackendError, match="cannot reach"):
        DaskBackend(address, connect_timeout_s=1).start()


@dask_warnings
def test_two_local_clusters_with_port_8787_taken_start_without_a_port_warning():
    # distributed's scheduler binds its HTTP server to 8787 unless told otherwise, even with the
    # dashboard off; the "Port 8787 is already in use" warning is an error here
    import socket

    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        holder.bind(("127.0.0.1", 8787))
        holder.listen()
    except OSError:
        pass  # another process holds it already: the same situation
    with holder, make_backend("dask", workers=1) as one, make_backend("dask", workers=1) as two:
        ports = {b._cluster.scheduler.http_server.port for b in (one, two)}
        hosts = {b._cluster.scheduler.http_server.address for b in (one, two)}
        assert 8787 not in ports and len(ports) == 2
        assert hosts == {"127.0.0.1"}
        assert one.client.submit(sum, [1, 2]).result() == 3


@dask_warnings
def test_dask_existing_cluster_by_address(scenario, reference, cluster, tmp_path):
    result = run_ensemble(
        scenario, runs=RUNS, chunk_size=17, backend="dask", scheduler=cluster.scheduler_address
    )
    assert result.extra["backend"]["scheduler"] == cluster.scheduler_address
    assert_same(reference, result, tmp_path)


def test_chunks_arriving_in_any_order_and_spilled_to_disk_give_the_same_result(
    scenario, reference, tmp_path
):
    parts = [run_chunk(scenario, reference.seed, s, n) for s, n in chunks(RUNS, 23)]
    aggregator = Aggregator(scenario, reference.seed, RUNS, memory_limit=0)
    for part in reversed(parts):
        aggregator.add(part)
    result = aggregator.result()
    assert result.monthly.is_spilled and not reference.monthly.is_spilled
    assert_same(reference, result, tmp_path)


def test_each_run_is_added_exactly_once(scenario):
    part = run_chunk(scenario, 1, 0, 3)
    aggregator = Aggregator(scenario, 1, 4)
    aggregator.add(part)
    with pytest.raises(ValueError, match="added twice"):
        aggregator.add(part)
    with pytest.raises(ValueError, match="1 runs missing"):
        aggregator.result()


def test_monthly_store_reads_series_in_run_order_from_memory_or_disk():
    rng = np.random.default_rng(5)
    names = ("a", "b", "c")
    blocks = [(s, {k: rng.random((4, n), dtype=np.float32) for k in names}) for s, n in chunks(50, 7)]
    in_memory = MonthlyStore(names, 4, 50)
    spilled = MonthlyStore(names, 4, 50, memory_limit=300)
    for start, block in blocks[::-1]:
        in_memory.add(start, block)
        spilled.add(start, block)
    assert spilled.is_spilled and not in_memory.is_spilled
    for k in names:
        expected = np.concatenate([block[k] for _, block in blocks], axis=1)
        assert np.array_equal(in_memory[k], expected)
        assert np.array_equal(spilled[k], expected)
    import pickle

    restored = pickle.loads(pickle.dumps(spilled))
    assert np.array_equal(restored["b"], spilled["b"])
    spilled.close()


# ---------------------------------------------------------------------- faults
def test_killed_worker_process_has_its_chunks_rerun(scenario, reference, tmp_path):
    killed = []

    with ProcessBackend(workers=2) as backend:

        def kill_one(done, total):
            if not killed:
                pid = backend.worker_pids()[0]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

        result = run_ensemble(scenario, runs=RUNS, chunk_size=10, backend=backend, progress=kill_one)
        assert backend.restarts >= 1
        assert killed[0] not in backend.worker_pids()
    assert_same(reference, result, tmp_path)


@dask_warnings
def test_killed_dask_worker_has_its_chunks_rerun(scenario, reference, cluster, tmp_path):
    killed = []
    with DaskBackend(cluster.scheduler_address) as backend:

        def kill_one(done, total):
            if not killed:
                address, pid = sorted(backend.worker_pids().items())[0]
                os.kill(pid, signal.SIGKILL)
                killed.append(address)

        result = run_ensemble(scenario, runs=RUNS, chunk_size=10, backend=backend, progress=kill_one)
    assert killed
    assert_same(reference, result, tmp_path)


def poisoned_draws(scenario, runs: int, bad_run: int) -> dict[str, np.ndarray]:
    """Draws that make one run's frontier capability non-finite (an absurd elasticity)."""
    values = run_ensemble(scenario, runs=runs, chunk_size=runs).params
    talent = values["world.science.talent_elasticity"].copy()
    talent[bad_run] = 1e6
    return {"world.science.talent_elasticity": talent}


@dask_warnings
@pytest.mark.filterwarnings("ignore:(overflow|invalid value) encountered:RuntimeWarning")
@pytest.mark.parametrize("backend", ["local", "processes", "dask"])
def test_model_error_stops_the_ensemble_and_names_the_run(scenario, cluster, backend):
    runs = 40
    draws = poisoned_draws(scenario, runs, bad_run=27)
    options = {"scheduler": cluster.scheduler_address} if backend == "dask" else {}
    with pytest.raises(ModelError, match=r"of run 27\b"):
        run_ensemble(scenario, runs=runs, chunk_size=10, draws=draws, backend=backend, **options)


def _out_of_range(scenario):
    """The scenario with a talent elasticity far outside its schema range [0, 2], set without
    validation (the schema refuses it): the model's arithmetic overflows, as it would for any
    value the schema let through that the model cannot take."""
    from sim.scenario.uncertainty import Fixed

    science = scenario.world.science.model_copy(update={"talent_elasticity": 1.0e5})
    uncertain = {
        **scenario.uncertainties,
        "world.science.talent_elasticity": Fixed.model_construct(dist="fixed", value=1.0e5),
    }
    world = scenario.world.model_copy(update={"science": science})
    return scenario.model_copy(update={"world": world, "uncertainties": uncertain})


def test_a_model_error_in_a_worker_stops_the_ensemble_and_names_the_run():
    sc = _out_of_range(load_scenario(BASELINE, {"run.runs": 6}))
    with ProcessBackend(2) as backend, pytest.raises(ModelError, match="non-finite .* of run "):
        run_ensemble(sc, chunk_size=3, backend=backend)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_cli_model_error_exits_with_it_and_writes_no_results(tmp_path, monkeypatch):
    import sim.cli.run

    real_load = sim.cli.run.load
    monkeypatch.setattr(sim.cli.run, "load", lambda *a, **k: _out_of_range(real_load(*a, **k)))
    out = tmp_path / "results" / "broken"
    result = CliRunner().invoke(
        main, ["run", str(BASELINE), "--runs", "6", "--no-plots", "--out", str(out)]
    )
    assert result.exit_code == 1, result.output
    assert "became non-finite" in result.output and "of run " in result.output
    assert "world.science.distill_uplift_log10=" in result.output  # the run's drawn values
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


# ---------------------------------------------------------------------- options
def test_dask_missing_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(BackendError, match=r"pip install '\.\[dask\]'"):
        make_backend("dask")
    result = CliRunner().invoke(main, ["run", str(BASELINE), "--backend", "dask"])
    assert result.exit_code == 2
    assert "pip install" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--backend", "local", "--workers", "2"], "--workers is for"),
        (["--backend", "processes", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler is for"),
        (["--scheduler", "tcp://127.0.0.1:1", "--workers", "2"], "has its own workers"),
    ],
)
def test_backend_options_that_do_not_fit_exit_2(tmp_path, args, message):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["run", str(BASELINE), "--runs", "5", "--no-plots", "--out", str(out), *args]
    )
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not out.exists()


@dask_warnings
def test_cli_runs_on_the_cluster_named_by_the_environment(cluster, tmp_path, monkeypatch):
    common = ["run", str(BASELINE), "--runs", "30", "--no-plots"]
    local = CliRunner().invoke(main, [*common, "--out", str(tmp_path / "local")])
    assert local.exit_code == 0, local.output
    monkeypatch.setenv("SIM_SCHEDULER", cluster.scheduler_address)
    # the variable alone does not move local runs to the cluster...
    still_local = CliRunner().invoke(main, [*common, "--out", str(tmp_path / "still")])
    assert still_local.exit_code == 0, still_local.output
    assert json.loads((tmp_path / "still" / "manifest.json").read_text())["backend"] == "local"
    # ...--backend dask uses it
    remote = CliRunner().invoke(
        main, [*common, "--backend", "dask", "--chunk-size", "7", "--out", str(tmp_path / "dask")]
    )
    assert remote.exit_code == 0, remote.output
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["backend"] == "dask"
    assert manifest["backend_detail"]["scheduler"] == cluster.scheduler_address
    assert (tmp_path / "local" / "summary.json").read_bytes() == (
        tmp_path / "dask" / "summary.json"
    ).read_bytes()


def test_compare_on_a_process_pool_matches_local(tmp_path):
    scenarios = [str(BASELINE), str(ROOT / "scenarios" / "loosen_h200.yaml")]
    common = ["compare", *scenarios, "--runs", "24"]
    local = CliRunner().invoke(main, [*common, "--out", str(tmp_path / "local")])
    pooled = CliRunner().invoke(
        main, [*common, "--out", str(tmp_path / "pool"), "--backend", "processes", "--workers", "2"]
    )
    assert local.exit_code == 0 and pooled.exit_code == 0, local.output + pooled.output
    assert (tmp_path / "local" / "comparison.json").read_bytes() == (
        tmp_path / "pool" / "comparison.json"
    ).read_bytes()


# ---------------------------------------------------------------------- memory
MEMORY_PROBE = """
import json, resource, sys
import sim.run.ensemble
from sim import load_scenario, run_ensemble

runs, chunk, limit = (int(a) for a in sys.argv[1:4])
sim.run.ensemble.MONTHLY_MEMORY_LIMIT = limit
scenario = load_scenario(sys.argv[4])

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def ensemble(n):
    result = run_ensemble(scenario, runs=n, chunk_size=chunk)
    result.summary_outcomes()
    result.monthly_quantiles()

ensemble(chunk)  # warm up: imports, caches, one chunk's working set
warm = peak_mb()
ensemble(runs)
print(json.dumps({"warm_mb": warm, "peak_mb": peak_mb()}))
"""


@pytest.mark.slow
def test_peak_memory_grows_with_the_chunk_not_with_the_runs():
    # 10,000 runs in chunks of 500, monthly series spilled beyond 1 MiB. Peak memory may grow by
    # the per-run year-end table (about 1 KB a run) and one monthly series (0.3 KB a run), not by
    # every monthly series (2.6 KB a run more: measured 43 MB of growth instead of 20 MB) nor by
    # anything a chunk leaves behind (Mesa keeping every model alive: 185 MB).
    runs = 10_000
    probe = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(runs), "500", str(2**20), str(BASELINE)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    measured = json.loads(probe.stdout.strip().splitlines()[-1])
    growth_mb = measured["peak_mb"] - measured["warm_mb"]
    assert growth_mb < 12 + 2 * runs / 1024, measured


def test_sweep_on_a_process_pool_matches_local(tmp_path):
    common = [
        "sweep",
        str(ROOT / "scenarios" / "loosen_h200.yaml"),
        "--param",
        "policy.us.export.h200.cap_units=0,890000",
        "--runs",
        "20",
        "--no-plots",
    ]
    local = CliRunner().invoke(main, [*common, "--out", str(tmp_path / "local")])
    pooled = CliRunner().invoke(
        main, [*common, "--out", str(tmp_path / "pool"), "--backend", "processes", "--workers", "2"]
    )
    assert local.exit_code == 0 and pooled.exit_code == 0, local.output + pooled.output
    assert (tmp_path / "local" / "sweep.json").read_bytes() == (
        tmp_path / "pool" / "sweep.json"
    ).read_bytes()
    manifest = json.loads((tmp_path / "pool" / "manifest.json").read_text())
    assert "processes" in json.dumps(manifest)
