"""The model: `RaceModel` (the ordered monthly phases), its agents and its pure rules.

`import sim.model.rules` loads no Mesa: `RaceModel` and `SERIES` are attributes resolved on
first use (PEP 562).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.model.model import SERIES, RaceModel

__all__ = ["SERIES", "RaceModel"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from sim.model import model

        return getattr(model, name)
    raise AttributeError(f"module 'sim.model' has no attribute {name!r}")
