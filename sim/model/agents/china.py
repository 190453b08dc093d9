"""`China`: China as a nation agent: customs, domestic subsidy, power build-out, compute network."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model import rules
from sim.model.agents.nation import Nation

if TYPE_CHECKING:
    from sim.model import RaceModel
    from sim.model.agents.lab import Lab
    from sim.model.views import PolicyView


@dataclass(frozen=True)
class _Wants:
    """China's wants this month per unit of a lab's share [billion USD/month], by type (K, R).

    Attributes:
        strategic: wants of scarce Nvidia types (capped or smuggled), bought in full.
        strategic_total: their sum, (R,).
        domestic: 1 on Huawei's row, else 0.
        domestic_total: the want of Huawei's chips, (R,).
        sorted_wants: the non-strategic wants in merit order (cheapest per useful H100e first).
        sorted_before: the sum of the cheaper ones before each, in merit order.
        sorted_domestic: 1 where Huawei's row sits in merit order.
        after_domestic: 1 for the ranks after Huawei's.
        unsort: row indices that put merit order back in catalogue order.
        unsort_flat: the same as indices into the flattened (K, R) array (a gather computed
            once a month, for every lab: `np.take_along_axis` rebuilt its index each call).
    """

    strategic: np.ndarray
    strategic_total: np.ndarray
    domestic: np.ndarray
    domestic_total: np.ndarray
    sorted_wants: np.ndarray
    sorted_before: np.ndarray
    sorted_domestic: np.ndarray
    after_domestic: np.ndarray
    unsort: np.ndarray
    unsort_flat: np.ndarray


class China(Nation):
    """China: its labs buy Huawei's chips and whatever Nvidia may (or can be smuggled to) sell.

    Reactive rule (`policy.china.block_when_domestic_share`): once domestic chips are at least the
    threshold share of last month's purchases, customs stop every legal Nvidia import in that run.
    """

    key = "china"

    def __init__(self, model: RaceModel):
        super().__init__(model, model.world.china)
        # what reached China's labs last month, written by the model with the totals [H100e/month]
        self.imports_h100e = np.zeros(model.n_runs)
        self.domestic_h100e = np.zeros(model.n_runs)

    def react(self, policy: PolicyView) -> PolicyView:
        """Block every Nvidia type at customs in runs where domestic chips reached the threshold."""
        m = self.model
        threshold = policy.china.block_when_domestic_share
        if np.all(np.isnan(threshold)) or m.t == 0:
            return policy
        domestic = self.domestic_h100e
        total = domestic + self.imports_h100e
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(total > 0, domestic / total, 0.0)
        self.tripped = self.tripped | (share >= threshold)
        return policy.with_customs(np.where(self.tripped, 1.0, policy.customs))

    def distillation_access(self) -> Any:
        """US labs and rules decide how far Chinese labs can distil US models (S14)."""
        return self.policy.us.distillation_access

    def chip_orders(
        self,
        lab: Lab,
        own: np.ndarray,
        price: np.ndarray,
        shares: np.ndarray,
        cost: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """S12: Chinese labs order what can be had, and the state pays what their money does not.

        A lab wants its share (of China's deployed compute last month) of what the makers can
        supply this month x `china_appetite`, of every type.

        - Scarce advanced chips (Nvidia types under a cap, or smuggled) are strategic: all of
          them are ordered, and the state pays whatever the lab's own money does not (S12: money
          was never the problem, chips were). A cap that opens is ordered up to and beyond it.
        - State-funded data centres buy domestic chips only (P37): `domestic_mandate` of the
          lab's budget (its own chip money plus its share of `state_finance_busd_per_year`) goes
          to Huawei's chips first.
        - The budget left buys the rest (Huawei's chips beyond the mandate, Nvidia types sold
          with no cap) in merit order, the cheapest cost per useful H100e first, until it runs
          out: money binds only where chips are plentiful.
        """
        m = self.model
        total = self.totals.deployed_h100e
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(total > 0, lab.deployed / total, 1.0 / len(self.labs))
        n = m.memo(("orders", self.key), lambda: self._wants(price, cost))
        # the lab's budget per unit of its share: everything else is the nation's, per share
        with np.errstate(divide="ignore", invalid="ignore"):
            budget = (
                np.where(share > 0, own / share, 0.0) + self.world.state_finance_busd_per_year / 12.0
            )
        # the mandate first: state-funded data centres buy domestic chips, up to that share of
        # the budget, whatever else is on offer (P37)
        mandate = self.policy.china.domestic_mandate * budget
        reserved = np.minimum(mandate, n.domestic_total)
        # scarce Nvidia chips are bought in full; what the budget has left buys the rest in merit
        # order: each type gets what is left after the cheaper ones (in sorted order; the
        # reserved domestic part is already bought)
        left = np.maximum(budget - reserved - n.strategic_total, 0.0)
        rest = n.sorted_wants - reserved * n.sorted_domestic
        before = n.sorted_before - reserved * n.after_domestic
        bought = np.clip(left - before, 0.0, rest)
        merit = bought.ravel().take(n.unsort_flat)  # = np.take_along_axis(bought, n.unsort, 0)
        money = (n.strategic + n.domestic * reserved + merit) * share
        return money, np.maximum(rules.total(money) - own, 0.0)

    def _wants(self, price: np.ndarray, cost: np.ndarray) -> _Wants:
        """What China would buy of each type if money were no object, per unit of a lab's share.

        Computed once a month: every lab takes its share of it.
        """
        m = self.model
        supply = m.huawei.supply_for(self) + m.nvidia.supply_for(self)
        with np.errstate(invalid="ignore"):
            wants = np.where(supply > 0, m.world.behaviour.china_appetite * supply * price * 1e-6, 0.0)
        scarce = m.chips.is_nvidia[:, None] & ~m.nvidia.plentiful_for(self)
        strategic = np.where(scarce, wants, 0.0)
        domestic_row = m.huawei.chip
        # merit order of the rest: cheapest cost per useful H100e first (stable, so ties keep
        # catalogue order); a strategic type's want is already bought
        order = np.argsort(np.where(supply > 0, cost, np.inf), axis=0, kind="stable")
        sorted_wants = np.take_along_axis(wants - strategic, order, axis=0)
        sorted_domestic = (order == domestic_row).astype(float)
        domestic_rank = np.argmax(sorted_domestic, axis=0)
        ranks = np.arange(order.shape[0])[:, None]
        unsort = np.argsort(order, axis=0, kind="stable")
        domestic = np.zeros_like(wants)
        domestic[domestic_row] = 1.0
        return _Wants(
            strategic=strategic,
            strategic_total=rules.total(strategic),
            domestic=domestic,
            domestic_total=wants[domestic_row],
            sorted_wants=sorted_wants,
            sorted_before=np.cumsum(sorted_wants, axis=0) - sorted_wants,
            sorted_domestic=sorted_domestic,
            after_domestic=(ranks > domestic_rank).astype(float),
            unsort=unsort,
            unsort_flat=unsort * order.shape[1] + np.arange(order.shape[1]),
        )

    def grid_multiplier(self) -> np.ndarray:
        """The state's power build-out scales China's connection rate (S10, S11)."""
        return self.policy.china.power_build

    @property
    def algo_offset_log10(self) -> Any:
        """Chinese labs' algorithmic efficiency relative to the table [log10] (calibrated)."""
        return self.model.world.science.china_algo_offset_log10

    def chip_subsidy(self) -> np.ndarray:
        """The state pays a share of a domestic chip's power cost (P7), (K, R)."""
        return self.model.chips.is_huawei[:, None] * self.policy.china.domestic_subsidy

    def pooled_compute(self, lab: Lab) -> Any:
        """Compute China's national network lends a lab this month [H100e] (S26).

        Idle regional capacity x the usable share x a ramp, lent pro rata to deployed compute.
        """
        m = self.model
        when = self.policy.china.compute_network_date
        if np.all(np.isnan(when)):
            return 0.0
        ramp = np.nan_to_num(
            np.clip((m.month - when + 1) / 12.0, 0.0, 1.0)
        )  # assumption: a one-year ramp
        pool = self.world.idle_regional_h100e * self.policy.china.compute_network_share * ramp
        total = self.totals.deployed_h100e
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total > 0, pool * lab.deployed / total, 0.0)
