"""Benchmark: ensemble throughput and peak memory on every backend, side by side.

Runs the baseline scenario (2025-01 to 2030-12) as ensembles of 1,000 / 10,000 / 100,000 runs on

- ``local``: one process, chunks of 5,000 runs stepped by one vectorised model;
- ``processes``: a pool of ``--workers`` processes;
- ``dask``: a local Dask cluster of ``--workers`` single-threaded worker processes on 127.0.0.1;

and, for scale, the same model one run at a time (chunk size 1, a subset of runs, ``--single``).

Each measurement runs in a fresh Python process, so its peak memory is its own: the main process's
peak RSS (``getrusage``), and the peak of the summed RSS of the main process and all its
descendants (workers, Dask nannies, the forkserver), sampled every 50 ms (an upper bound: pages
shared between processes are counted once per process).

Times: ``start`` is starting the pool or cluster; ``run`` is `run_ensemble` on the started backend
(chunks, transfer, aggregation); ``total`` adds start and stop. Rates are runs / run time, and
runs / total time (what a user waits for).

Usage::

    python benchmarks/bench_ensemble.py                        # the full benchmark (~5 min idle)
    python benchmarks/bench_ensemble.py --runs 1000,10000 --single 10   # quicker
    python benchmarks/bench_ensemble.py --quick                 # smoke test (~1 min)

Writes ``benchmarks/bench_ensemble.json`` and ``.md`` (``--out`` to change). This is a
benchmark, not a test: it never fails on a slow machine; it reports the targets (processes x2 at
least 1.6x local at 10,000 runs; Dask under 25% slower than processes at 10,000 runs) as met or not.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "baseline.yaml"
OUT = ROOT / "benchmarks"


# ---------------------------------------------------------------------- one measurement (child)
class TreeMemory:
    """Samples the summed RSS of this process and its descendants in a background thread."""

    def __init__(self, interval_s: float = 0.05):
        import psutil

        self._me = psutil.Process()
        self._psutil = psutil
        self.interval_s = interval_s
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def sample(self) -> None:
        total = 0
        for proc in [self._me, *self._me.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except (self._psutil.NoSuchProcess, self._psutil.AccessDenied):
                pass
        self.peak_bytes = max(self.peak_bytes, total)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def __enter__(self) -> TreeMemory:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def measure(arm: dict[str, Any]) -> dict[str, Any]:
    """Run one arm in this process and return its timings and memory."""
    import resource

    from sim import load_scenario, run_ensemble
    from sim.run.backends import make_backend
    from sim.run.results import summary_dict

    scenario = load_scenario(SCENARIO)
    runs = int(arm["runs"])
    with TreeMemory() as tree:
        began = time.perf_counter()
        backend = make_backend(arm["backend"], arm.get("workers"))
        backend.start()
        started = time.perf_counter()
        try:
            result = run_ensemble(scenario, runs=runs, chunk_size=arm.get("chunk_size"), backend=backend)
            finished = time.perf_counter()
            summary = summary_dict(result)
            result.monthly_quantiles()
        finally:
            before_stop = time.perf_counter()
            backend.close()
            stopped = time.perf_counter()
    start_s, run_s = started - began, finished - started
    total_s = start_s + run_s + (stopped - before_stop)
    lag = summary["outcomes"]["capability_lag_months"]
    return {
        **arm,
        "chunk_size": result.chunk_size,
        "workers": result.extra["backend"]["workers"],
        "start_s": round(start_s, 3),
        "run_s": round(run_s, 3),
        "total_s": round(total_s, 3),
        "runs_per_s": round(runs / run_s, 2),
        "runs_per_s_total": round(runs / total_s, 2),
        "peak_rss_main_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_rss_tree_mb": round(tree.peak_bytes / 2**20, 1),
        # a fingerprint of the numbers: equal on every backend for the same runs
        "lag_p50_last_year": lag[max(lag)]["p50"],
    }


# ---------------------------------------------------------------------- the benchmark (parent)
def run_arm(arm: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """Measure one arm in a fresh Python process."""
    label = f"{arm['backend']:>9} runs={arm['runs']:>7,}"
    if arm.get("chunk_size"):
        label += f" chunk={arm['chunk_size']}"
    print(f"  {label} ...", end="", flush=True)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--arm", json.dumps(arm)],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env=env,
        )
    except subprocess.TimeoutExpired:
        print(" timed out")
        return {**arm, "error": f"timed out after {timeout_s:.0f} s"}
    if proc.returncode != 0:
        print(" failed")
        return {**arm, "error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "?"}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f" {out['runs_per_s']:>8,.0f} runs/s  (total {out['total_s']:.1f} s, "
        f"peak {out['peak_rss_tree_mb']:,.0f} MB)"
    )
    return out


def rate(results: list[dict[str, Any]], backend: str, runs: int, key: str) -> float | None:
    for r in results:
        if r["backend"] == backend and r["runs"] == runs and not r.get("single") and key in r:
            return r[key]
    return None


def targets(results: list[dict[str, Any]], runs: int = 10_000) -> list[dict[str, Any]]:
    """The issue's targets at `runs`, on run rates and on end-to-end rates."""
    out = []
    for key, what in (("runs_per_s", "run"), ("runs_per_s_total", "end to end")):
        local = rate(results, "local", runs, key)
        procs = rate(results, "processes", runs, key)
        dask = rate(results, "dask", runs, key)
        if local and procs:
            speedup = procs / local
            out.append(
                {
                    "target": f"processes x2 >= 1.6x local at {runs:,} runs ({what})",
                    "value": round(speedup, 2),
                    "met": speedup >= 1.6,
                }
            )
        if procs and dask:
            overhead = procs / dask - 1.0
            out.append(
                {
                    "target": f"dask overhead over processes < 25% at {runs:,} runs ({what})",
                    "value": f"{overhead:.0%}",
                    "met": overhead < 0.25,
                }
            )
    return out


def markdown(report: dict[str, Any]) -> str:
    """The report as a markdown table."""
    m = report["machine"]
    lines = [
        "# Ensemble benchmark",
        "",
        f"{report['created_utc']}; sim {report['versions']['sim']}, commit {report['commit']}; "
        f"{m['cpus']} CPUs, load average {m['load_before']} before and {m['load_after']} after; "
        f"baseline 2025-01..2030-12.",
        "",
        "| runs | backend | workers | chunk | start [s] | run [s] | runs/s | runs/s end to end "
        "| peak RSS main [MB] | peak RSS all processes [MB] |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        if "error" in r:
            lines.append(f"| {r['runs']:,} | {r['backend']} | | | | | {r['error']} | | | |")
            continue
        name = r["backend"] + (" (one run at a time)" if r.get("single") else "")
        lines.append(
            f"| {r['runs']:,} | {name} | {r['workers']} | {r['chunk_size']:,} | {r['start_s']:.1f} "
            f"| {r['run_s']:.1f} | {r['runs_per_s']:,.0f} | {r['runs_per_s_total']:,.0f} "
            f"| {r['peak_rss_main_mb']:,.0f} | {r['peak_rss_tree_mb']:,.0f} |"
        )
    lines += ["", "| target | value | met |", "|---|---:|---|"]
    for t in report["targets"]:
        lines.append(f"| {t['target']} | {t['value']} | {'yes' if t['met'] else 'no'} |")
    if report.get("note"):
        lines += ["", report["note"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arm", help=argparse.SUPPRESS)
    parser.add_argument(
        "--runs",
        default="1000,10000,100000",
        help="comma-separated ensemble sizes [default: %(default)s]",
    )
    parser.add_argument(
        "--backends",
        default="local,processes,dask",
        help="comma-separated backends [default: %(default)s]",
    )
    parser.add_argument("--workers", type=int, default=2, help="workers [default: %(default)s]")
    parser.add_argument(
        "--chunk-size", type=int, default=None, help="runs per chunk [default: each backend's own]"
    )
    parser.add_argument(
        "--single",
        type=int,
        default=20,
        help="runs of the one-run-at-a-time arm (chunk size 1) [default: %(default)s]; 0 to skip",
    )
    parser.add_argument("--quick", action="store_true", help="smoke test: --runs 200,1000 --single 3")
    parser.add_argument(
        "--timeout",
        type=float,
        default=3600.0,
        help="seconds allowed per measurement [default: %(default)s]",
    )
    parser.add_argument("--note", default="", help="a line to add to the report")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the report")
    args = parser.parse_args(argv)

    if args.arm:
        print(json.dumps(measure(json.loads(args.arm))))
        return 0
    if args.quick:
        args.runs, args.single = "200,1000", 3

    from sim.run.results import versions

    sizes = [int(x) for x in args.runs.split(",") if x]
    backends = [b for b in args.backends.split(",") if b]
    load_before = [round(x, 2) for x in os.getloadavg()]
    results = []
    print(
        f"benchmark: {SCENARIO.name}, sizes {sizes}, backends {backends}, "
        f"{args.workers} workers; load average {load_before}"
    )
    for runs in sizes:
        for backend in backends:
            arm = {"backend": backend, "runs": runs, "chunk_size": args.chunk_size}
            if backend != "local":
                arm["workers"] = args.workers
            results.append(run_arm(arm, args.timeout))
    if args.single:
        arm = {"backend": "local", "runs": args.single, "chunk_size": 1, "single": True}
        results.append(run_arm(arm, args.timeout))

    commit = (
        subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        or "unknown"
    )
    report = {
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "versions": versions(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_before": load_before,
            "load_after": [round(x, 2) for x in os.getloadavg()],
        },
        "command": " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
        "results": results,
        "targets": targets(results),
        "note": args.note,
    }
    fingerprints = {
        r["lag_p50_last_year"]
        for r in results
        if r.get("runs") == sizes[-1] and "lag_p50_last_year" in r
    }
    if len(fingerprints) > 1:
        report["note"] += " WARNING: backends disagree on the numbers!"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_ensemble.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "bench_ensemble.md").write_text(markdown(report))
    print()
    print(markdown(report))
    print(f"wrote {args.out / 'bench_ensemble.json'} and {args.out / 'bench_ensemble.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
