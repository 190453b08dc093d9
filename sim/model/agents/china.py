"""`China`: China as a nation agent: customs, domestic subsidy, power build-out, compute network."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model import rules
from sim.model.agents.nation import Nation

if TYPE_CHECKING:
    from sim.model import RaceModel
    from sim.model.agents.lab import Lab
    from sim.model.views import PolicyView


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

        For each type a lab orders its share (of China's deployed compute) of what the makers
        can supply this month x `china_appetite`, if the type is worth it: a type whose cost per
        useful H100e is at least twice the cheapest one on offer is not bought (weight falling
        linearly from 1 at the cheapest to 0 at twice it). State-funded data centres buy domestic
        chips only (P37): at least `domestic_mandate` of the money goes to Huawei. The lab's own
        chip money pays first; the state adds what is missing, up to `state_finance_busd_per_year`
        shared the same way; beyond that, orders shrink in proportion.
        """
        m = self.model
        total = self.totals.deployed_h100e
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(total > 0, lab.deployed / total, 1.0 / len(self.labs))
        per_share, wanted_per_share = m.memo(("orders", self.key), lambda: self._orders(price, cost))
        wanted = wanted_per_share * share
        cap = self.world.state_finance_busd_per_year / 12.0 * share
        state = np.clip(wanted - own, 0.0, cap)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(wanted > 0, np.minimum(own + state, wanted) / wanted, 0.0)
        return per_share * (share * scale), state

    def _orders(self, price: np.ndarray, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """China's money wanted by type for all that can be had [billion USD], (K, R), and its total.

        Before the share of one lab: the same for every lab, so computed once a month.
        """
        m = self.model
        supply = m.huawei.supply_for(self) + m.nvidia.supply_for(self)
        # worth comparing costs per useful H100e among the types on offer (the supply already
        # says how many can be had, so expected fills do not enter)
        offered = (supply > 0) & np.isfinite(cost)
        best = np.min(np.where(offered, cost, np.inf), axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(offered, cost / np.where(np.isfinite(best), best, 1.0), np.inf)
        worth = np.clip(2.0 - rel, 0.0, 1.0)
        with np.errstate(invalid="ignore"):
            money = np.where(
                supply * worth > 0, m.world.behaviour.china_appetite * supply * worth * price * 1e-6, 0.0
            )
        # the mandate: Huawei's types get at least that share of the money
        domestic = m.chips.is_huawei[:, None] * (supply > 0)
        n_domestic = np.maximum(rules.total(domestic), 1.0)
        floor = self.policy.china.domestic_mandate * rules.total(money) / n_domestic
        money = np.where(domestic > 0, np.maximum(money, floor), money)
        return money, rules.total(money)

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
