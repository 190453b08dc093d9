"""The outcome registry: one declaration per outcome, and the docs generated from it."""

from __future__ import annotations

from pathlib import Path

from sim import outcomes

ROOT = Path(__file__).resolve().parents[1]


def test_docs_outcome_tables_are_generated_from_the_registry():
    for name in outcomes.DOCS:
        text = (ROOT / name).read_text(encoding="utf-8")
        assert outcomes.START in text and outcomes.END in text, name
        assert text == outcomes.render_docs(text), f"{name} is stale: run python -m sim.outcomes"


def test_every_outcome_is_documented_with_units():
    for o in outcomes.REGISTRY:
        assert o.meaning and o.unit and o.series_unit and o.label, o.name
        assert o.kind in ("stock", "flow")
        assert (o.record is None) == (o.name == "capability_lag_months"), o.name


def test_views_of_the_registry_keep_its_order():
    names = [o.name for o in outcomes.REGISTRY]
    for view in (list(outcomes.OUTCOMES), list(outcomes.MONTHLY), list(outcomes.HEADLINE)):
        assert view == sorted(view, key=names.index)
    assert outcomes.HEADLINE[0] == outcomes.MONTHLY[0] == "capability_lag_months"
