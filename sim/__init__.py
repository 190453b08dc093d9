"""sim: a scenario simulator of the US-China AI race.

Public API::

    from sim import load_scenario, run_ensemble, load_results
"""

from sim.ensemble import EnsembleResult, run_ensemble
from sim.model import RaceModel
from sim.results import load_results, write_run_results
from sim.scenario import Scenario, load_scenario, scenario_from_dict

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
