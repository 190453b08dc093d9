"""What the levers do: every shipped scenario's paired effect against the baseline, as one table.

For each scenario file other than the baseline, run *i* of the scenario is compared with run *i*
of the baseline (same seed, same run index, so the same random draws: `sim.analysis.compare`),
and the table gives the median and the 90% interval (5th to 95th percentile) of the per-run
difference, scenario minus baseline, for a few outcomes at a few year-ends, with the scenario's
one-sentence `mechanism:`. The baseline runs once; every scenario is paired with that one run.

Layout: one Markdown table per outcome, one row per scenario, one column per year-end, each cell
"median [p5, p95]"; then the mechanisms as a list. Three narrow tables read on GitHub and in a
terminal without scrolling, which one wide table (nine numeric columns) or one row per scenario
and year (thirty rows, each name three times) does not; and a sentence of mechanism fits a list
item, not a table cell.

`sim levers --write` (or ``python -m sim.analysis.levers --write``) replaces the text between
``<!-- levers:start -->`` and ``<!-- levers:end -->`` in README.md and docs/model.md and writes
the numbers to docs/levers.json. Nothing in the output depends on the time, the machine or the
backend, so running it twice writes the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError, SimError
from sim.fmt import signed as fmt_signed

#: The outcomes of the table, in order: the headline lag, the compute ratio, China's compute.
OUTCOMES: tuple[str, ...] = ("capability_lag_months", "us_china_compute_ratio", "china_compute_h100e")
#: The year-ends of the table's columns.
YEARS: tuple[str, ...] = ("2026-12", "2028-12", "2030-12")
#: How to read the sign of a difference, per outcome (scenario minus baseline).
SIGNS: dict[str, str] = {
    "capability_lag_months": "< 0: China gets closer to the US frontier",
    "us_china_compute_ratio": "< 0: the US's lead in installed compute shrinks",
    "china_compute_share": "> 0: China's share of the two nations' compute grows",
    "china_compute_h100e": "> 0: China has more compute installed",
}
START, END = "<!-- levers:start -->", "<!-- levers:end -->"
#: Where `--write` puts the table and its numbers (relative to the repository root).
DOCS: tuple[str, ...] = ("README.md", "docs/model.md")
JSON = "docs/levers.json"
SCENARIOS, BASELINE = "scenarios", "scenarios/baseline.yaml"
NO_MECHANISM = "*no `mechanism:` in the scenario file*"

Progress = Callable[[int, int], None]


def shipped(baseline: Path, folder: Path | None = None) -> list[Path]:
    """Every scenario file of `folder` (default: the baseline's) except the baseline, by name."""
    folder = baseline.parent if folder is None else folder
    return sorted(p for p in folder.glob("*.yaml") if p.resolve() != baseline.resolve())


def check_outcomes(outcomes: Sequence[str], where: str = "--outcome") -> None:
    """Raise ScenarioError unless every name is an outcome summarised at year-ends.

    Args:
        outcomes: the outcome names.
        where: where they came from, named in the error (an option, or this module's constant).
    """
    from sim.outcomes import OUTCOMES as SUMMARISED

    for name in outcomes:
        if name not in SUMMARISED:
            fix = f"use one of {', '.join(SUMMARISED)}"
            if where != "--outcome":  # the module's own list names an outcome not (yet) recorded
                fix = f"add {name} to sim/outcomes.py, or name the outcomes: sim levers --outcome NAME"
            raise ScenarioError(None, where, f"unknown outcome {name!r}", fix)


def lever_effects(
    baseline: Path,
    scenarios: Sequence[Path],
    runs: int | None = None,
    seed: int | None = None,
    outcomes: Sequence[str] = OUTCOMES,
    years: Sequence[str] = YEARS,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run the baseline once and each scenario on its draws; return their paired differences.

    Args:
        baseline: the reference scenario file.
        scenarios: the scenario files compared with it.
        runs: runs of every ensemble [runs] (default: the baseline's `run.runs`).
        seed: the seed they all share (default: the baseline's `run.seed`).
        outcomes: the outcomes kept, names of `sim.outcomes.OUTCOMES`.
        years: the year-ends kept, "YYYY-12"; one outside a scenario's horizon is kept as None.
        progress: called as progress(runs done, runs in total) as chunks finish.

    Returns:
        {"baseline", "runs", "seed", "difference", "outcomes", "years", "scenarios": {name:
        {"file", "mechanism", "effects": {outcome: {year: {mean, p5, p50, p95} or None}}}}},
        numbers in each outcome's unit (`sim.outcomes.ALL[name].unit`).
    """
    from sim.analysis.compare import paired_differences
    from sim.run.ensemble import run_ensemble
    from sim.scenario import load_scenario

    default = tuple(outcomes) == OUTCOMES
    check_outcomes(outcomes, "sim.analysis.levers.OUTCOMES" if default else "--outcome")
    base = load_scenario(baseline)
    runs = base.run.runs if runs is None else int(runs)
    seed = base.run.seed if seed is None else int(seed)
    settings = {"run.runs": runs, "run.seed": seed}
    total, done = runs * (1 + len(scenarios)), 0

    def run(path: Path) -> Any:
        nonlocal done
        offset = done
        report = None if progress is None else (lambda n, _t: progress(offset + n, total))
        result = run_ensemble(load_scenario(path, settings), progress=report)
        done += runs
        return result

    reference = run(baseline)
    table: dict[str, Any] = {}
    for path in scenarios:
        result = run(path)
        diff = paired_differences(reference, result)["outcomes"]
        table[result.scenario.name] = {
            "file": path.name,
            "mechanism": result.scenario.mechanism,
            "effects": {name: {y: diff[name].get(y) for y in years} for name in outcomes},
        }
        del result
    return {
        "baseline": reference.scenario.name,
        "runs": runs,
        "seed": seed,
        "difference": "scenario - baseline, run by run",
        "outcomes": list(outcomes),
        "years": list(years),
        "scenarios": table,
    }


def signed(value: float, outcome: str) -> str:
    """A difference as `sim.fmt.signed` writes it: "+0.9", "−0.9", and never "-0.0"."""
    return fmt_signed(value, outcome)


def cell(stats: dict[str, float] | None, outcome: str) -> str:
    """'median [p5, p95]' of one difference; '–' when the year-end is outside the horizon."""
    if stats is None:
        return "–"
    low, high = signed(stats["p5"], outcome), signed(stats["p95"], outcome)
    return f"{signed(stats['p50'], outcome)} [{low}, {high}]"


def markdown(body: dict[str, Any]) -> str:
    """The lever tables of `lever_effects`'s result, as Markdown (ends with a newline)."""
    from sim.outcomes import ALL

    years, rows = body["years"], body["scenarios"]
    lines = [
        "<!-- written by `sim levers --write`: edit the scenario files or sim/analysis/levers.py, "
        "not this block -->",
        f"Paired effect of each shipped scenario against `{body['baseline']}`: the difference "
        f"scenario − {body['baseline']} in the same run (same seed, same random draws), "
        f"{body['runs']:,} runs, seed {body['seed']}. Each cell is the median difference and, in "
        "brackets, its 90% interval (5th to 95th percentile across runs). "
        "**A lag difference < 0 means China gets closer.**",
        "",
    ]
    for name in body["outcomes"]:
        outcome = ALL[name]
        sign = f" ({SIGNS[name]})" if name in SIGNS else ""
        lines += [
            f"**{outcome.label} [{outcome.unit}]**, `{name}`{sign}",
            "",
            "| scenario | " + " | ".join(years) + " |",
            "|---|" + "---:|" * len(years),
        ]
        for scenario, row in rows.items():
            cells = [cell(row["effects"][name][y], name) for y in years]
            lines.append(f"| `{scenario}` | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["**Mechanisms** (each file's `mechanism:`)", ""]
    for scenario, row in rows.items():
        lines.append(f"- `{scenario}`: {' '.join((row['mechanism'] or NO_MECHANISM).split())}")
    return "\n".join(lines) + "\n"


def replace_block(text: str, block: str, where: str = "the file") -> str:
    """`text` with the part between the lever markers replaced by `block`.

    Raises:
        SimError: the markers are missing or out of order; names `where`.
    """
    head, found, rest = text.partition(START)
    old, closed, tail = rest.partition(END)
    if not (found and closed):
        raise SimError(
            f"{where}: no {START} ... {END} block (fix: add the two marker lines where the lever "
            "table belongs)"
        )
    return f"{head}{START}\n{block}{END}{tail}"


def read_block(text: str) -> str:
    """The text between the lever markers ("" when there are none)."""
    _, _, rest = text.partition(START)
    return rest.partition(END)[0].removeprefix("\n")


def write_docs(body: dict[str, Any], docs: Sequence[Path], json_path: Path | None = None) -> None:
    """Replace the lever block of each Markdown file in `docs`; write `body` to `json_path`.

    Every file is checked for its markers before any is written, so a missing marker changes
    nothing.
    """
    block = markdown(body)
    texts = {p: replace_block(p.read_text(encoding="utf-8"), block, str(p)) for p in docs}
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")
    if json_path is not None:
        json_path.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m sim.analysis.levers [--runs N] [--seed S] [--write]`` from the repository root."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m sim.analysis.levers", description=__doc__)
    parser.add_argument("--runs", type=int, help="runs of every ensemble [default: the baseline's]")
    parser.add_argument("--seed", type=int, help="the seed they share [default: the baseline's]")
    parser.add_argument("--write", action="store_true", help=f"write {', '.join(DOCS)} and {JSON}")
    args = parser.parse_args(argv)
    baseline = Path(BASELINE)
    body = lever_effects(baseline, shipped(baseline), args.runs, args.seed)
    print(markdown(body), end="")
    if args.write:
        write_docs(body, [Path(p) for p in DOCS], Path(JSON))
        print(f"wrote {', '.join(DOCS)}, {JSON}")


if __name__ == "__main__":
    import sys

    try:
        main()
    except SimError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
