"""sim: a scenario simulator of the US-China AI race.

Public API::

    from sim import load_scenario, run_ensemble, load_results

The names are resolved on first use (PEP 562), so `import sim` (or `import sim.model.rules`)
loads no Mesa, pandas or matplotlib.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.model import RaceModel
    from sim.run.ensemble import EnsembleResult, run_ensemble
    from sim.run.results import load_results, write_run_results
    from sim.scenario import Scenario, load_scenario, scenario_from_dict

_WHERE = {
    "EnsembleResult": "sim.run.ensemble",
    "run_ensemble": "sim.run.ensemble",
    "RaceModel": "sim.model",
    "load_results": "sim.run.results",
    "write_run_results": "sim.run.results",
    "Scenario": "sim.scenario",
    "load_scenario": "sim.scenario",
    "scenario_from_dict": "sim.scenario",
}

__all__ = [
    "EnsembleResult",
    "RaceModel",
    "Scenario",
    "load_results",
    "load_scenario",
    "run_ensemble",
    "scenario_from_dict",
    "write_run_results",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
