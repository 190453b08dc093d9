"""Every shipped scenario's numbers match the checksums in tests/regression/checksums.json.

A pure refactor must leave them untouched; after a deliberate model change, refresh them with
``python tests/regression/identical.py --write`` and say why in the commit.
"""

from __future__ import annotations

import json

import identical
import pytest

PINNED = json.loads(identical.CHECKSUMS.read_text())


def test_every_shipped_scenario_is_pinned():
    assert sorted(PINNED) == identical.shipped()


@pytest.mark.parametrize("name", sorted(PINNED))
def test_numbers_identical(name):
    fresh = identical.scenario_checksums(name)
    changed = [f for f in identical.FILES if fresh["numbers"][f] != PINNED[name]["numbers"][f]]
    assert not changed, f"{name}: the numbers in {', '.join(changed)} changed"
