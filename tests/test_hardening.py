"""Hostile and careless input (issue 11): every class ends in one line and exit 2, nothing lost.

One test (or parametrized case) per class of the issue. The command line runs in this process
(click's runner) unless the case needs a real process: a signal, a umask, a second writer.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from support import SCENARIOS

from sim.atomic import atomic_folder, out_lock
from sim.cli import main
from sim.errors import ModelError, OutputError

BASELINE = SCENARIOS / "baseline.yaml"
SMALL = ["--runs", "4", "--set", "run.end=2025-12"]


def invoke(*args, cwd: Path | None = None):
    """Run the command line in this process; returns click's Result (exit code, stdout, stderr)."""
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
    finally:
        os.chdir(old)


def one_line_error(result, *expected: str) -> str:
    """Assert exit 2 and exactly one 'error:' line on stderr holding `expected`; return it."""
    lines = [
        line for line in result.stderr.splitlines() if line.strip() and not line.startswith("warning:")
    ]
    assert result.exit_code == 2, result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def child(tmp_path: Path, body: str) -> Path:
    """A scenario extending the shipped baseline with `body` appended."""
    return write(tmp_path / "s.yaml", f"name: s\nextends: {BASELINE}\n{body}")


# ------------------------------------------------------------------------- data loss


def test_out_dot_is_refused_and_nothing_is_touched(tmp_path):
    keep = write(tmp_path / "keep.txt", "mine")
    result = invoke("run", BASELINE, *SMALL, "--out", ".", cwd=tmp_path)
    one_line_error(result, "--out .", "sim did not write")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
    assert keep.read_text() == "mine"


def test_report_never_writes_onto_its_inputs(tmp_path):
    out = tmp_path / "r"
    assert invoke("run", BASELINE, *SMALL, "--no-plots", "--out", out).exit_code == 0
    summary = (out / "summary.json").read_bytes()
    one_line_error(invoke("report", out, "--out", out / "summary.json"), "inside the input folder")
    assert (out / "summary.json").read_bytes() == summary
    mine = write(tmp_path / "notes.html", "<p>mine</p>")
    one_line_error(invoke("report", out, "--out", mine), "sim did not write")
    assert mine.read_text() == "<p>mine</p>"
    report = tmp_path / "report.html"
    assert invoke("report", out, "--out", report).exit_code == 0
    assert invoke("report", out, "--out", report).exit_code == 0  # its own report: replaced


def test_calibrate_never_writes_onto_its_inputs(tmp_path):
    targets = write(tmp_path / "fit_report.md", "targets: []\n")
    result = invoke("calibrate", "--targets", targets, "--out", tmp_path)
    one_line_error(result, "over the input")
    assert targets.read_text() == "targets: []\n"


def test_a_second_writer_to_one_out_is_refused_not_interleaved(tmp_path):
    out = tmp_path / "shared"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from sim.atomic import out_lock\n"
            f"with out_lock({str(out)!r}):\n    print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = invoke("run", BASELINE, *SMALL, "--no-plots", "--out", out)
        one_line_error(result, "another sim command is writing there")
        assert not out.exists()
    finally:
        holder.kill()
        holder.communicate()
    # the lock dies with its holder: the next command writes
    assert invoke("run", BASELINE, *SMALL, "--no-plots", "--out", out).exit_code == 0
    assert not (tmp_path / ".shared.lock").exists()


def test_out_lock_is_reentrant_within_one_process(tmp_path):
    with out_lock(tmp_path / "x"), out_lock(tmp_path / "x"):
        atomic_folder(tmp_path / "x", lambda d: (d / "manifest.json").write_text("{}"))
    assert (tmp_path / "x" / "manifest.json").exists()


def _sim(*args: str, cwd: Path, umask: int | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )


@pytest.mark.slow
def test_sigterm_while_writing_leaves_no_temporary_folder(tmp_path):
    """SIGTERM once the hidden temporary folder exists: it is removed, and no results appear."""
    proc = _sim("run", str(BASELINE), "--runs", "300", "--out", "res", cwd=tmp_path)
    deadline = time.monotonic() + 120
    while not any(p.name.startswith(".res.") and p.is_dir() for p in tmp_path.iterdir()):
        assert proc.poll() is None, "the command ended before it started writing"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "Traceback" not in err and "terminated" in err
    assert [p.name for p in tmp_path.iterdir()] == []


def test_sigterm_while_running_leaves_nothing(tmp_path):
    proc = _sim("run", str(BASELINE), "--runs", "20000", "--out", "res", cwd=tmp_path)
    time.sleep(3)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] == []


def test_outputs_follow_the_umask(tmp_path):
    proc = _sim("run", str(BASELINE), *SMALL, "--no-plots", "--out", "res", cwd=tmp_path, umask=0o027)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert (tmp_path / "res").stat().st_mode & 0o777 == 0o750
    assert {p.stat().st_mode & 0o777 for p in (tmp_path / "res").iterdir()} == {0o640}


def test_a_full_disk_is_one_error_and_keeps_the_old_folder(tmp_path):
    out = tmp_path / "res"
    atomic_folder(out, lambda d: write(d / "manifest.json", '{"command": "sim run", "versions": {}}'))

    def fill(folder: Path) -> None:
        write(folder / "summary.json", "{}")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError, match="No space left on device"):
        atomic_folder(out, fill)
    assert [p.name for p in tmp_path.iterdir()] == ["res"]
    assert [p.name for p in out.iterdir()] == ["manifest.json"]


def test_an_output_that_cannot_be_written_is_found_before_the_run(tmp_path):
    one_line_error(invoke("run", BASELINE, *SMALL, "--out", "/proc/sim-results"), "cannot write")


def test_a_non_utf8_output_name_is_refused(tmp_path):
    name = os.fsdecode(b"res\xff")
    one_line_error(invoke("run", BASELINE, *SMALL, "--out", tmp_path / name), "not UTF-8", "\\xff")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------ bad scenario files


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("run: {runs: 3, end: 2030-02-30}\n", "not a real date"),
        ("x: " + "[" * 200 + "]" * 200 + "\n", "nested more than 64"),
        (
            "uncertainties:\n  world.labs.openai.pledge_months: {dist: uniform, low: 10, high: 20}\n",
            "whole number",
        ),
        (
            "uncertainties:\n  policy.us.export.h200.enforcement: {dist: uniform, low: -3, high: 7}\n",
            "outside the field's range [0, 1]",
        ),
        (
            "uncertainties:\n  world.science.distill_rate: {dist: normal, mean: 0.5, sd: 1}\n",
            "give low: and high:",
        ),
        ("run: {end: 2025-06}\n", "holds no December"),
        ("policy:\n  us:\n    export:\n      h200: {cap_unit: 5}\n", "did you mean cap_units?"),
        ("policy:\n  us:\n    export:\n      h200: {cap_units: '200,000'}\n", "without them: 200000"),
        ('description: "[/x] markup"\n', "ok"),
    ],
)
def test_bad_scenarios_are_one_line(tmp_path, text, expected):
    path = child(tmp_path, text)
    result = invoke("validate", path)
    if expected == "ok":
        assert result.exit_code == 0, result.stderr
        return
    one_line_error(result, str(path.name), expected)
    run = invoke("run", path, "--runs", "2", "--no-plots", "--out", tmp_path / "res")
    one_line_error(run, expected)  # validate and run share one check
    assert not (tmp_path / "res").exists()


def test_not_utf8(tmp_path):
    path = write(tmp_path / "s.yaml", b"name: caf\xe9\n")
    one_line_error(invoke("validate", path), "not UTF-8", "save the file as UTF-8")


def test_extends_chain_too_long(tmp_path):
    write(tmp_path / "f0.yaml", "name: f0\n")
    for i in range(1, 40):
        write(tmp_path / f"f{i}.yaml", f"name: f{i}\nextends: f{i - 1}.yaml\n")
    one_line_error(invoke("validate", tmp_path / "f39.yaml"), "longer than 32")


def test_symlink_loop(tmp_path):
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    one_line_error(invoke("validate", tmp_path / "a.yaml"), "symlink loop")


def test_extends_a_device_is_refused_without_reading_it(tmp_path):
    path = write(tmp_path / "s.yaml", "name: s\nextends: /dev/zero\n")
    one_line_error(invoke("validate", path), "/dev/zero", "not a regular file")


def test_stdin_is_not_reported_as_missing(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "validate", "/dev/stdin"],
        input="name: x\n",
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "not found" not in proc.stderr
    assert "not a regular file" in proc.stderr and "Traceback" not in proc.stderr


def test_yaml_merge_keys_work(tmp_path):
    path = child(tmp_path, "base: &b {cap_units: 5}\n")
    path.write_text(
        f"name: s\nextends: {BASELINE}\npolicy:\n  us:\n    export:\n"
        "      h20: &rule {allowed: true, cap_units: 1000}\n      h200:\n        <<: *rule\n",
        encoding="utf-8",
    )
    assert invoke("validate", path).exit_code == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--set", "policy.[/x]=1"], "[/x]"),
        (["--set", "world.science.distill_rate=50"], "--set world.science.distill_rate=50"),
        (["--set", "wrld.x=1"], "did you mean world?"),
        (["--runs", "0"], "--runs"),
        (["--workers", "1000"], "--workers"),
        (["--chunk-size", "10000000"], "--chunk-size"),
        (["--trajectories", "100000"], "--trajectories"),
        (["--within", "x"], "--within"),
    ],
)
def test_bad_options_are_one_line(tmp_path, args, expected):
    result = invoke("run", BASELINE, "--no-plots", "--out", tmp_path / "res", *args)
    one_line_error(result, expected)
    assert not (tmp_path / "res").exists()


def test_markup_in_a_name_is_printed_literally(tmp_path):
    path = write(tmp_path / "s.yaml", f'name: "[/x] [bold]n"\nextends: {BASELINE}\n')
    result = invoke("run", path, *SMALL, "--no-plots", "--out", tmp_path / "res")
    assert result.exit_code == 0, result.stderr
    assert "[/x] [bold]n" in result.stdout


def test_control_characters_in_a_name_are_refused(tmp_path):
    path = write(tmp_path / "s.yaml", f'name: "a\\x1b[31mb"\nextends: {BASELINE}\n')
    one_line_error(invoke("validate", path), "control character")


def test_markup_in_where_is_one_line(tmp_path):
    result = invoke("discover", BASELINE, "--where", "[/x]@2028-12 < 3", "--runs", "10")
    one_line_error(result)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            [
                "sweep",
                BASELINE,
                "--param",
                "policy.us.export.h200.cap_units",
                "--range",
                "0:1:100000000",
            ],
            "more than 400",
        ),
        (
            [
                "sensitivity",
                BASELINE,
                "--outcome",
                "capability_lag_months@2028-12",
                "--samples",
                str(2**40),
            ],
            "more than 65,536",
        ),
        (
            [
                "sweep",
                BASELINE,
                "--param",
                "policy.us.export.h200.cap_units",
                "--values",
                "1,2,3",
                "--runs",
                "1000000",
            ],
            "more than 2,000,000 runs",
        ),
    ],
)
def test_huge_sizes_are_refused_before_allocating(tmp_path, args, expected):
    one_line_error(invoke(*args, "--out", tmp_path / "res"), expected)


def test_garbage_scheduler_is_refused_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_SCHEDULER", "garbage")
    began = time.monotonic()
    result = invoke("run", BASELINE, *SMALL, "--backend", "dask", "--out", tmp_path / "res")
    one_line_error(result, "not a scheduler address", "tcp://HOST:PORT")
    assert time.monotonic() - began < 30  # refused, not a 40 s connection attempt


def test_schema_outside_a_project_writes_here(tmp_path):
    assert invoke("schema", cwd=tmp_path).exit_code == 0
    assert json.loads((tmp_path / "schema.json").read_text())["title"] == "sim scenario"
    mine = write(tmp_path / "other.json", "{}")
    one_line_error(invoke("schema", "--out", mine), "other than the scenario schema")
    assert mine.read_text() == "{}"


@pytest.mark.parametrize(
    "damage",
    [
        lambda f: write(f / "summary.json", '{"x":'),
        lambda f: write(f / "summary.json", "[]"),
        lambda f: write(f / "scenario.yaml", "x: [\n"),
        lambda f: write(f / "runs.parquet", b"PAR1 not really"),
        lambda f: write(
            f / "summary.json",
            json.dumps(
                {
                    **json.loads((f / "summary.json").read_text()),
                    "outcomes": {"capability_lag_months": {"2025-12": "x"}},
                }
            ),
        ),
    ],
)
def test_tampered_results_folder_to_report(tmp_path, damage):
    out = tmp_path / "r"
    assert invoke("run", BASELINE, *SMALL, "--no-plots", "--out", out).exit_code == 0
    damage(out)
    one_line_error(invoke("report", out, "--out", tmp_path / "report.html"), str(out))
    assert not (tmp_path / "report.html").exists()


def test_a_model_error_names_the_run_and_its_parameter_values(monkeypatch):
    import dataclasses

    import sim.model.model as model_module
    from sim.scenario import load_scenario

    sc = load_scenario(BASELINE, {"run.runs": 6, "run.end": "2025-12"})
    share = next(o for o in model_module.RECORDED if o.name == "china_compute_share")

    def poisoned(model):
        values = np.array(share.record(model), dtype=float)
        values[4] = np.nan
        return values

    recorded = tuple(
        dataclasses.replace(o, record=poisoned) if o is share else o for o in model_module.RECORDED
    )
    monkeypatch.setattr(model_module, "RECORDED", recorded)
    with pytest.raises(ModelError) as info:
        model_module.RaceModel(sc).run()
    message = str(info.value)
    assert "run 4" in message and "world.science.distill_uplift_log10=" in message


def test_ctrl_c_while_running_leaves_nothing(tmp_path):
    proc = _sim("run", str(BASELINE), "--runs", "20000", "--out", "res", cwd=tmp_path)
    time.sleep(3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert [p.name for p in tmp_path.iterdir()] == []


def test_a_folder_or_a_huge_file_as_scenario(tmp_path):
    one_line_error(invoke("validate", tmp_path), "is a directory")
    one_line_error(
        invoke("validate", write(tmp_path / "s.yaml", f"name: s\nextends: {tmp_path}\n")), "a folder"
    )
    big = write(tmp_path / "big.yaml", "name: x\n" + "#" * (9 * 2**20) + "\n")
    one_line_error(invoke("validate", big), "more than a scenario can be")
