"""`China`: China as a nation agent: customs, domestic subsidy, power build-out, compute network."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

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
