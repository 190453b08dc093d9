"""Property-based tests of hostile input (issue 11): random --set values, scenario trees, options.

Whatever is given, a command ends with exit 0 or 2, prints no traceback, writes nothing outside
its results folder and changes no existing file. A value the schema accepts must run: exit 1 (a
model error) means a field lacks the range the model needs.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import SCENARIOS

from sim.cli import main
from sim.scenario.paths import walk_path
from sim.scenario.policy import PolicyState
from sim.scenario.reference import parameters
from sim.scenario.world import World

pytestmark = pytest.mark.slow

BASELINE = SCENARIOS / "baseline.yaml"
SHORT = ["--runs", "3", "--set", "run.end=2025-12", "--no-plots"]
PATHS = sorted(parameters())
PROPS = settings(
    max_examples=int(os.environ.get("SIM_PROPERTY_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def tree_digest(root: Path) -> dict[str, str]:
    """{relative path: sha256} of every file under root."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


SHIPPED_BEFORE = tree_digest(SCENARIOS)


def run_in(folder: Path, *args: str):
    """The command line in `folder` (so a stray relative write would land there)."""
    old = Path.cwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=True)
    finally:
        os.chdir(old)


def check_outcome(result, folder: Path, inputs: dict[str, str], out: str = "res") -> None:
    """Exit 0 or 2, no traceback, results only in `out`, inputs unchanged, shipped files too."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        lines = [
            line
            for line in result.stderr.splitlines()
            if line.strip() and not line.startswith("warning:")
        ]
        assert len(lines) == 1 and lines[0].startswith("error: "), lines
    made = {p.name for p in folder.iterdir()} - set(inputs)
    assert made <= ({out, "results"} if result.exit_code == 0 else set()), made
    for name, digest in inputs.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    assert tree_digest(SCENARIOS) == SHIPPED_BEFORE
    if result.exit_code == 0 and (folder / out / "summary.json").exists():
        summary = json.loads((folder / out / "summary.json").read_text())
        for by_year in summary["outcomes"].values():
            for stats in by_year.values():
                assert all(v is None or math.isfinite(v) for v in stats.values()), stats


def bounds(path: str):
    parts = path.split(".")
    model = World if parts[0] == "world" else PolicyState
    try:
        return walk_path(model, parts[1:], path)[1]
    except ValueError:
        return None


def edge_values(path: str) -> st.SearchStrategy:
    """Values at and near a field's bounds, huge ones where it has none, and junk."""
    b = bounds(path)
    numbers: list[float] = [0.0, 1.0, -1.0, 1e-12, 1e12, 1e300]
    if b is not None:
        numbers += [x for x in (b.low, b.high) if math.isfinite(x)]
        numbers += [
            b.low + 1e-9 if math.isfinite(b.low) else -1e9,
            b.high - 1e-9 if math.isfinite(b.high) else 1e9,
        ]
    return st.one_of(
        st.sampled_from(numbers),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(min_value=-(10**15), max_value=10**15),
        st.sampled_from(
            [".nan", ".inf", "-.inf", "true", "null", "[/x]", "[1, 2]", "{a: 1}", "1,000", "''"]
        ),
        st.text(max_size=12),
    )


@st.composite
def set_assignment(draw) -> str:
    path = draw(st.sampled_from(PATHS))
    value = draw(edge_values(path))
    text = value if isinstance(value, str) else repr(value)
    return f"{path}={text}"


@PROPS
@given(assignment=set_assignment())
def test_random_set_values_exit_0_or_2(assignment):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        result = run_in(folder, "run", str(BASELINE), *SHORT, "--set", assignment, "--out", "res")
        check_outcome(result, folder, {})


KEYS = [
    "name",
    "extends",
    "run",
    "world",
    "policy",
    "uncertainties",
    "timeline",
    "history",
    "science",
    "us",
    "china",
    "export",
    "h200",
    "cap_units",
    "dist",
    "low",
    "high",
    "end",
    "runs",
    "effective",
    "[/x]",
    "<<",
    "",
    "é",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10),
    st.sampled_from(["2025-12", "2030-02-30", "baseline.yaml", "/dev/zero", "uniform", "normal"]),
)
TREES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.sampled_from(KEYS), children, max_size=4)
    ),
    max_leaves=12,
)


@PROPS
@given(tree=st.dictionaries(st.sampled_from(KEYS), TREES, max_size=5), parent=st.booleans())
def test_random_scenario_trees_exit_0_or_2(tree, parent):
    if parent:
        tree = {**tree, "extends": str(BASELINE)}
    tree.setdefault("name", "random")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        try:
            text = yaml.safe_dump(tree, allow_unicode=True)
        except yaml.YAMLError:
            return
        (folder / "s.yaml").write_text(text, encoding="utf-8")
        inputs = {"s.yaml": hashlib.sha256(text.encode()).hexdigest()}
        check_outcome(run_in(folder, "validate", "s.yaml"), folder, inputs)
        result = run_in(folder, "run", "s.yaml", "--runs", "2", "--no-plots", "--out", "res")
        check_outcome(result, folder, inputs)


OPTION_VALUES = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.sampled_from(["0", "1", "2", "-1", "1e9", "x", "", "[/x]", "3,6", "nan"]),
)


@PROPS
@given(
    option=st.sampled_from(
        ["--runs", "--seed", "--chunk-size", "--workers", "--within", "--trajectories", "--backend"]
    ),
    value=OPTION_VALUES,
)
def test_random_option_values_exit_0_or_2(option, value):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        args = ["run", str(BASELINE), "--set", "run.end=2025-12", "--no-plots", "--out", "res"]
        if option not in ("--runs", "--chunk-size", "--trajectories"):
            args += ["--runs", "3"]
        try:
            size_ok = int(value) <= 20_000
        except ValueError:
            size_ok = True
        if option == "--runs" and not size_ok:
            return  # a valid huge --runs would run for a long time; its bound is tested elsewhere
        if option == "--backend" and value not in ("local",):
            value = value or "x"
        result = run_in(folder, *args, option, value)
        check_outcome(result, folder, {})


def edge_rows() -> list[tuple[str, float]]:
    """(path, value) for every real-number field at its lowest and highest valid value."""
    rows = []
    for path in PATHS:
        parts = path.split(".")
        model = World if parts[0] == "world" else PolicyState
        try:
            _, b = walk_path(model, parts[1:], path, numeric=True)
        except ValueError:
            continue  # not a real number (text, a switch, a count)
        assert math.isfinite(b.high), f"{path} has no upper bound: give it one (CEILINGS)"
        low = b.low if math.isfinite(b.low) else -b.high
        if b.low_strict:
            low = low + 1e-9 if low == 0 else low * (1 + 1e-9)
        high = b.high * (1 - 1e-9) if b.high_strict else b.high
        rows += [(path, low), (path, high)]
    return rows


def test_every_field_runs_at_both_ends_of_its_range():
    """One ensemble, one run per (field, end): run 2i sets field i to its lowest valid value,
    run 2i+1 to its highest, every other field as in the baseline. Every outcome stays finite
    (a non-finite value raises ModelError naming the run, hence the field)."""
    from sim.dotted import get_path
    from sim.errors import ModelError
    from sim.run.ensemble import run_ensemble
    from sim.scenario import load_scenario

    base = load_scenario(BASELINE)
    rows = edge_rows()
    dumped = base.model_dump()
    uncertain = {}
    for path in dict.fromkeys(p for p, _ in rows):
        try:
            default = get_path(dumped, path)
        except KeyError:
            default = None
        if default is None:  # an unset cap: the other runs take the largest cap instead
            default = max(v for p, v in rows if p == path)
        values = [float(default)] * len(rows)
        for i, (p, v) in enumerate(rows):
            if p == path:
                values[i] = v
        uncertain[path] = {"dist": "empirical", "values": values, "group": "edges"}
    sc = load_scenario(
        BASELINE,
        {"run.runs": len(rows), "uncertainties": {**dumped["uncertainties"], **uncertain}},
    )
    try:
        result = run_ensemble(sc)
    except ModelError as exc:
        run = int(str(exc).split(" of run ")[1].split(",")[0].split(" ")[0])
        pytest.fail(f"{rows[run][0]} = {rows[run][1]:g}: {exc}")
    for name, by_year in result.summary_outcomes().items():
        for year, stats in by_year.items():
            assert all(v is None or math.isfinite(v) for v in stats.values()), (name, year)
