"""`US`: the United States as a nation agent: export controls, permitting, visa fees."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model.agents.nation import VISA_MONTHS, Nation

if TYPE_CHECKING:
    from sim.model import RaceModel
    from sim.model.views import PolicyView

#: Enforcement a reactive US tightening raises every type to, at least [0-1] (assumption).
REACTIVE_ENFORCEMENT = 0.9


class US(Nation):
    """The United States: its labs buy Nvidia's parts sold outside China; it sets the export rules.

    Reactive rule (`policy.us.tighten_below_lag_months`): once the capability lag falls below the
    threshold, a run stops every legal export and enforcement rises to `REACTIVE_ENFORCEMENT`.
    """

    key = "us"

    def __init__(self, model: RaceModel):
        super().__init__(model, model.world.us)
        self.buys = model.chips.us_buys.copy()

    def react(self, policy: PolicyView) -> PolicyView:
        """Tighten every export rule in runs where the lag fell below the threshold."""
        m = self.model
        threshold = policy.us.tighten_below_lag_months
        if np.all(np.isnan(threshold)) or m.t == 0:
            return policy
        self.tripped = self.tripped | (m.lag_now() < threshold)
        export = policy.export
        return policy.with_export(
            replace(
                export,
                allowed=export.allowed & ~self.tripped,
                enforcement=np.where(
                    self.tripped,
                    np.maximum(REACTIVE_ENFORCEMENT, export.enforcement),
                    export.enforcement,
                ),
            )
        )

    def grid_multiplier(self) -> np.ndarray:
        """Permitting reform scales the US connection rate (S27)."""
        return self.policy.us.power_permitting

    def visa_cost_musd(self) -> Any:
        """The visa fee on the foreign share of hires, spread over a visa term [million USD/month]."""
        return self.policy.us.visa_fee_kusd * 1e-3 * self.world.foreign_share / VISA_MONTHS

    def pull(self) -> tuple[Any, Any]:
        """US pay premium and the expected visa fee of a hire."""
        return (
            self.model.world.migration.pay_gap_log,
            self.policy.us.visa_fee_kusd * self.world.foreign_share,
        )
