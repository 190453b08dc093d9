"""Commands that describe without running: `sim list` (the shipped scenarios), `sim explain FIELD`.

Both load no model code: they read scenario files and the schema only (pydantic and YAML), so
they answer at once. `sim explain` prints what `docs/parameters.md` lists for one field (from
`sim.scenario.reference`), plus its valid range and its value in a scenario: the shipped
baseline unless ``--scenario`` names another file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from sim.errors import ScenarioError, did_you_mean
from sim.shipped import SHIPPED, shipped_scenarios

#: the scenario `sim explain` shows values in unless --scenario names another
BASELINE = SHIPPED / "baseline.yaml"
#: the end of a description's first sentence: a full stop before a space and a capital or the end
#: an S- or P-id in a source text (S1-S30, P1-P39: docs/sources.md)
_ID = re.compile(r"(?<![\w.])[SP][1-9]\d?(?!\w)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


def first_sentence(text: str) -> str:
    """The first sentence of a description, on one line."""
    flat = " ".join(str(text).split())
    return _SENTENCE_END.split(flat, maxsplit=1)[0] if flat else ""


@click.command("list")
def list_scenarios() -> None:
    """List the shipped scenarios with the first sentence of their description."""
    import yaml

    files = shipped_scenarios()
    if not files:
        raise ScenarioError(
            SHIPPED, None, "no shipped scenarios here", "reinstall sim from its repository"
        )
    width = max(len(f.stem) for f in files)
    folder = _shown(SHIPPED)
    click.echo(f"Shipped scenarios ({folder}):")
    for f in files:
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        about = first_sentence(data.get("description", "")) if isinstance(data, dict) else ""
        click.echo(f"  {f.stem:<{width}}  {about or '(no description)'}")
    click.echo("Run one with: sim run <name>; see a field with: sim explain FIELD")


def _shown(path: Path) -> str:
    """A path as the user can type it: relative to the working folder if inside it."""
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@click.command()
@click.argument("field")
@click.option(
    "--scenario",
    "scenario_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Show the value in this scenario file [default: the shipped baseline].",
)
def explain(field: str, scenario_path: str | None) -> None:
    """Print FIELD's value, unit, valid range, description and source.

    FIELD is a dotted path as in a scenario, `--set` or `uncertainties:`, for example
    world.science.distill_rate or policy.us.export.h200.cap_units. A path that stops at a
    block (world.science) lists the fields under it.
    """
    from sim.scenario import load_scenario
    from sim.scenario.reference import parameters

    path = Path(scenario_path) if scenario_path else BASELINE
    scenario = load_scenario(path)
    defaults = parameters()
    known = {**defaults, **parameters(world=scenario.world)}
    name = _resolve(field, known)
    if name is None:
        below = [p for p in known if p.startswith(field.rstrip(".") + ".")]
        if not below:
            fix = did_you_mean(field, known, n=3) or "see docs/parameters.md"
            raise ScenarioError(None, field, "no such field", fix)
        for p in below:
            row = known[p]
            click.echo(f"{p}  {_show(row.value)} [{row.unit or '-'}]  {row.about}")
        return
    _explain(name, known[name], defaults.get(name), scenario, path)


def _resolve(field: str, known: dict[str, Any]) -> str | None:
    """The full path a field means: as given, or under world./policy. if the prefix is left out."""
    for candidate in (field, f"world.{field}", f"policy.{field}"):
        if candidate in known:
            return candidate
    return None


def _explain(name: str, row: Any, default: Any, scenario: Any, path: Path) -> None:
    """Print one field: description, unit, range, default with its source, value in the scenario."""
    from sim.scenario.reference import policy_changes

    where = f"{scenario.name} ({_shown(path.resolve())})"
    lines = [name, f"  {row.about}.", f"  unit:     {row.unit or '-'}", f"  valid:    {row.valid}"]
    if name.startswith("world."):
        base = default if default is not None else row
        lines.append(f"  default:  {_show(base.value)}  (sim/data/world.yaml)")
        lines.append(f"  source:   {_cite(base.source or 'not given')}")
        same = default is not None and default.value == row.value
        note = "same as the default" if same else "set by the scenario or a file it extends"
        lines.append(f"  in {where}: {_show(row.value)}  ({note})")
    else:
        lines.append(f"  default:  {_show(default.value if default else row.value)}  (before any event)")
        if row.source:
            lines.append(f"  source:   {_cite(row.source)}")
        changes = policy_changes(scenario, name)
        if not changes:
            lines.append(f"  in {where}: {_show(row.value)}  (no event sets it)")
        else:
            lines.append(f"  in {where}:")
            for c in changes:
                label = {"policy": "the policy under study"}.get(c.what, f"{c.what} event")
                cite = f"; sources {', '.join(c.sources)}" if c.sources else ""
                lines.append(f"    from {c.date}: {_show(c.value)}  ({label}{cite})")
                if c.note:
                    lines.append(f"      {c.note}")
    drawn = scenario.uncertainties.get(name)
    if drawn is not None:
        lines.append(f"  uncertain: each run draws it: {_distribution(drawn)} [{row.unit or '-'}]")
    click.echo("\n".join(lines))


def _show(value: Any) -> str:
    """A value as a scenario file would hold it, large numbers with thousands separators."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        big = value.is_integer() and 10_000 <= abs(value) < 1e9
        return f"{value:,.0f}" if big else f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    return str(value)


def _distribution(dist: Any) -> str:
    """An `uncertainties:` entry in words."""
    data = dist.model_dump(exclude_none=True)
    family = data.pop("dist")
    if family == "empirical":
        values = sorted(data["values"])
        group = f", drawn jointly with group {data['group']}" if data.get("group") else ""
        mid = values[len(values) // 2]
        return (
            f"one of {len(values)} values, {_show(values[0])} to {_show(values[-1])} "
            f"(median {_show(mid)}){group}"
        )
    if family in ("uniform", "triangular"):
        mode = f", most likely {_show(data['mode'])}" if "mode" in data else ""
        return f"{family} from {_show(data['low'])} to {_show(data['high'])}{mode}"
    return family + " " + ", ".join(f"{k} {_show(v)}" for k, v in data.items())


def _cite(source: str) -> str:
    """A source, pointing to docs/sources.md when it cites an S- or P-id."""
    return f"{source}  (ids: docs/sources.md)" if _ID.search(source) else source
