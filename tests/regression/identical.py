"""Checksums of every shipped scenario's results: the proof that a refactor changed no number.

For each `scenarios/*.yaml` (seed 20250101, 1,000 runs, as shipped) this writes the results
folder without figures and records, per file:

- ``bytes``: sha256 of the file as written (summary.json, runs.parquet, monthly.parquet);
- ``numbers``: sha256 of the numbers alone: summary.json without ``scenario_sha256``,
  ``sim_version`` and ``probabilities.china_lag_at_most`` (a share read off the year-end lags in
  runs.parquet, so checked through them), and every Parquet column's name, dtype and values.
  Parquet files also embed the pyarrow version that wrote them, so ``numbers`` is what the test
  compares across machines;
- ``scenario_sha256``: the checksum of the resolved scenario, kept apart because it changes when
  the scenario's *form* changes (a renamed or regrouped field) while no number does.

Usage::

    python tests/regression/identical.py            # compare with tests/regression/checksums.json
    python tests/regression/identical.py --write    # record them (after a deliberate change)
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKSUMS = Path(__file__).with_name("checksums.json")
FILES = ("summary.json", "runs.parquet", "monthly.parquet")
RUNS, SEED = 1000, 20250101


def _numbers_sha(path: Path) -> str:
    h = hashlib.sha256()
    if path.suffix == ".json":
        data = json.loads(path.read_text())
        data.pop("scenario_sha256", None)
        data.pop("sim_version", None)
        # derived from the year-end lags of runs.parquet, which are checked; added after the pin
        data.get("probabilities", {}).pop("china_lag_at_most", None)
        h.update(json.dumps(data, sort_keys=True).encode())
        return h.hexdigest()
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    for name in table.column_names:
        column = table.column(name).to_numpy(zero_copy_only=False)
        h.update(name.encode())
        h.update(str(column.dtype).encode())
        h.update(column.tobytes() if column.dtype != object else repr(list(column)).encode())
    return h.hexdigest()


def scenario_checksums(name: str) -> dict[str, object]:
    """Run one shipped scenario and checksum its result files."""
    from sim import load_scenario, run_ensemble, write_run_results

    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml", {"run.runs": RUNS, "run.seed": SEED})
    result = run_ensemble(scenario)
    with tempfile.TemporaryDirectory() as tmp:
        out = write_run_results(result, Path(tmp) / name)
        summary = json.loads((out / "summary.json").read_text())
        return {
            "scenario_sha256": summary["scenario_sha256"],
            "bytes": {f: hashlib.sha256((out / f).read_bytes()).hexdigest() for f in FILES},
            "numbers": {f: _numbers_sha(out / f) for f in FILES},
        }


def shipped() -> list[str]:
    """Names of the shipped scenarios."""
    return sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))


def main(argv: list[str]) -> int:
    fresh = {name: scenario_checksums(name) for name in shipped()}
    if "--write" in argv:
        CHECKSUMS.write_text(json.dumps(fresh, indent=2, sort_keys=True) + "\n")
        print(f"wrote {CHECKSUMS}")
        return 0
    pinned = json.loads(CHECKSUMS.read_text())
    bad = 0
    for name in sorted(set(pinned) | set(fresh)):
        old, new = pinned.get(name), fresh.get(name)
        if old is None or new is None:
            print(f"{name}: {'new' if old is None else 'missing'} scenario")
            bad += 1
            continue
        for kind in ("bytes", "numbers"):
            for f in FILES:
                same = old[kind][f] == new[kind][f]
                bad += kind == "numbers" and not same
                print(f"{name:22s} {kind:8s} {f:16s} {'same' if same else 'CHANGED'}")
        same = old["scenario_sha256"] == new["scenario_sha256"]
        print(f"{name:22s} scenario_sha256          {'same' if same else 'changed (form only?)'}")
    print("numbers identical" if not bad else f"{bad} checksums of numbers CHANGED")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
