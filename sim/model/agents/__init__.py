"""The agents: one class per actor.

- `Nation` (`nation.py`) -> `US` (`us.py`), `China` (`china.py`): policy in force, grid, talent;
- `Lab` (`lab.py`): an AI firm;
- `ChipMaker` (`maker.py`) -> `Nvidia` (`nvidia.py`), `Huawei` (`huawei.py`): supply and sales.

Every agent holds its state as numpy arrays over the R runs of its model, so one agent stands for
its real counterpart in every run of the ensemble at once. Each month an agent decides from its
own state, the prices and aggregates the previous phase left, and the policy in force; it writes
only its own state. The formulas are in `sim.model.rules`; these modules wire them to state.
Parameters come from the model's typed views (`sim.model.views`): `model.world` (the scenario's
world with this block's draws), `model.chips` (chip-type arrays of shape (K, R), in catalogue
order) and each nation's `policy` (the month's policy, reactive rules applied).
"""

from sim.model.agents.china import China
from sim.model.agents.huawei import Huawei
from sim.model.agents.lab import Lab
from sim.model.agents.maker import ChipMaker
from sim.model.agents.nation import GRID_SHOCK_SD, VISA_MONTHS, Nation, NationTotals
from sim.model.agents.nvidia import Nvidia
from sim.model.agents.us import REACTIVE_ENFORCEMENT, US

__all__ = [
    "GRID_SHOCK_SD",
    "REACTIVE_ENFORCEMENT",
    "US",
    "VISA_MONTHS",
    "ChipMaker",
    "China",
    "Huawei",
    "Lab",
    "Nation",
    "NationTotals",
    "Nvidia",
]
