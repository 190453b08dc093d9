"""`Nation`: what the US and China share: grid power, the talent pool, the policy in force.

The subclasses (`sim.model.agents.us.US`, `sim.model.agents.china.China`) add what differs: the
reactive rule each may run, the lever that scales its grid, what its labs may buy, what draws
researchers to it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from sim.model import rules

if TYPE_CHECKING:
    from sim.model import RaceModel
    from sim.model.agents.lab import Lab
    from sim.model.views import PolicyView
    from sim.scenario import NationWorld

#: Month-to-month spread of a grid's connections [-] (assumption).
GRID_SHOCK_SD = 0.15
#: Months over which a lab spreads a visa fee when sizing its head count [months] (assumption:
#: a three-year H-1B term).
VISA_MONTHS = 36


@dataclass(frozen=True)
class NationTotals:
    """A nation's labs summed at the end of a month (written once, phase 8; read the next month).

    Attributes:
        frontier: best capability of its labs [log10 effective FLOP], (R,).
        installed_h100e: chips installed [H100e], (R,).
        deployed_h100e: chips with power, plus pooled compute [H100e], (R,).
        power_gw: power contracted and energised [GW], (R,).
    """

    frontier: np.ndarray
    installed_h100e: np.ndarray
    deployed_h100e: np.ndarray
    power_gw: np.ndarray


class Nation(mesa.Agent, ABC):
    """A nation: policy in force, grid power, talent pool.

    Decides each month: which policy applies (dated events, reactive rules); how its grid's new
    AI power is shared among its labs' requests; how many researchers leave.

    Attributes:
        key: "us" or "china" (names its random streams).
        totals: its labs summed at the end of last month (`NationTotals`).
        world: the nation's parameters (`world.us` or `world.china`, draws overlaid).
        other: the other nation (set by the model).
        labs: the nation's labs, in scenario order (set by the model).
        policy: the policy in force this month, reactive rules applied.
    """

    key: str = ""

    def __init__(self, model: RaceModel, world: NationWorld):
        super().__init__(model)
        r = model.n_runs
        self.world = world
        self.other: Nation = self
        self.labs: list[Lab] = []
        #: the policy in force (the scheduled one until phase 1 of the first month applies it)
        self.policy: PolicyView = model.policy
        self.queue: dict[str, np.ndarray] = {}
        self.delivered: dict[str, np.ndarray] = {}
        self.delivery_ratio = np.ones(r)
        self.researchers = np.broadcast_to(world.researchers, (r,)).astype(float).copy()
        self.hire_fill = np.ones(r)
        self.retention = np.ones(r)  # share of employed researchers the pool still holds
        self.tripped = np.zeros(r, bool)  # a reactive rule has fired in this run
        self.totals: NationTotals | None = None  # set by the model at the end of each month
        self.outflow = np.zeros(r)
        self.build_gw = np.zeros(r)
        #: chip types the nation's labs may buy [bool], (K,)
        self.buys = np.ones(model.chips.n_types, bool)
        self._buys_rows: np.ndarray | None = None

    @property
    def buys_rows(self) -> np.ndarray:
        """Rows of the chip table the nation's labs may buy (the only ones they receive)."""
        if self._buys_rows is None:
            self._buys_rows = np.flatnonzero(self.buys)
        return self._buys_rows

    # what differs between nations --------------------------------------------------------
    def react(self, policy: PolicyView) -> PolicyView:
        """The scheduled policy with this nation's reactive rule applied (none by default)."""
        return policy

    @abstractmethod
    def grid_multiplier(self) -> np.ndarray:
        """The policy lever that scales the grid's connection rate [-], (R,)."""

    @property
    def algo_offset_log10(self) -> Any:
        """Algorithmic efficiency of the nation's labs relative to their table value [log10]."""
        return 0.0

    def chip_subsidy(self) -> np.ndarray:
        """Share of each chip type's power cost the state pays [fraction], (K, 1) or (K, R)."""
        return np.zeros((self.model.chips.n_types, 1))

    def distillation_access(self) -> Any:
        """Access the nation's labs have to the other nation's models for distillation [0-1].

        Assumption: Chinese frontier models are released as open weights (S30), so US labs can
        always distil them (which pays only when they are ahead, see `sim.model.rules.imitated`).
        """
        return 1.0

    def chip_orders(
        self,
        lab: Lab,
        own: np.ndarray,
        price: np.ndarray,
        shares: np.ndarray,
        cost: np.ndarray,
    ) -> tuple[np.ndarray | None, np.ndarray]:
        """A lab's chip money by type this month [billion USD], (K, R), and the state's part (R,).

        By default (money None) the lab splits its own chip money `own` by its choice shares,
        with no state money.
        """
        return None, np.zeros(self.model.n_runs)

    def visa_cost_musd(self) -> Any:
        """Visa cost of a hire spread per month [million USD/head/month]."""
        return 0.0

    def pull(self) -> tuple[Any, Any]:
        """Pay premium [log units] and visa cost [thousand USD] a mobile researcher weighs."""
        return 0.0, 0.0

    def pooled_compute(self, lab: Lab) -> Any:
        """Compute a national network lends a lab this month [H100e] (none by default)."""
        return 0.0

    # phase 1 -------------------------------------------------------------------------------
    def apply_policy(self) -> None:
        """Set the policy in force this month: the schedule's, then this nation's reactive rule."""
        self.policy = self.react(self.model.policy)

    # phase 2 -------------------------------------------------------------------------------
    def build(self) -> None:
        """Connect new AI power and share it among the labs' queued projects, pro rata."""
        m = self.model
        w = self.world
        multiplier = self.grid_multiplier()
        # assumption: connections vary 15% month to month (log-normal, mean one)
        shock = np.exp(GRID_SHOCK_SD * m.shock(f"grid.{self.key}") - 0.5 * GRID_SHOCK_SD**2)
        self.build_gw = (
            w.ai_power_build_gw * rules.growth_factor(w.ai_power_build_growth, m.t) * multiplier * shock
        )
        for lab in self.labs:
            self.queue[lab.key] = self.queue.get(lab.key, 0.0) + lab.power_request
        # a project takes `construction_months` to build (P18; S21: xAI needed 122 days at best),
        # so a month finishes at most that share of a queue; the policy multiplier speeds both the
        # permits and the grid (S27, S10); the grid then connects what it can
        build_share = np.minimum(multiplier / w.construction_months, 1.0)
        ready = {key: queued * build_share for key, queued in self.queue.items()}
        fill = rules.ration(sum(ready.values()), self.build_gw)
        self.delivery_ratio = fill * build_share
        for key, queued in self.queue.items():
            self.delivered[key] = ready[key] * fill
            self.queue[key] = queued - self.delivered[key]

    # phase 7 -------------------------------------------------------------------------------
    def attractiveness(self) -> np.ndarray:
        """Attractiveness of the nation to a mobile researcher [log units], (R,)."""
        m = self.model
        per_head = self.totals.deployed_h100e / np.maximum(self.researchers, 1.0)
        pay, visa = self.pull()
        return rules.attractiveness(per_head, pay, visa, m.world.migration.visa_cost_scale_kusd)

    def migrate(self) -> None:
        """Decide how many researchers leave for the other nation this month."""
        migration = self.model.world.migration
        mine = self.attractiveness()
        theirs = self.other.attractiveness()
        self.outflow = rules.migration_flow(
            self.researchers, theirs - mine, migration.rate, migration.home_bias
        )

    def settle(self) -> None:
        """Apply this month's moves and set how easily labs can hire next month."""
        grown = self.researchers * (rules.growth_factor(self.world.researcher_growth, 1) - 1.0)
        self.researchers = np.maximum(self.researchers + grown - self.outflow + self.other.outflow, 0.0)
        employed = sum(lab.researchers for lab in self.labs)
        wanted = sum(lab.hire_request for lab in self.labs)
        free = np.maximum(self.researchers - employed, 0.0)
        self.hire_fill = rules.ration(wanted, free)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.retention = np.where(employed > 0, np.minimum(1.0, self.researchers / employed), 1.0)
