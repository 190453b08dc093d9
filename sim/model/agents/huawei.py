"""`Huawei`: Huawei/SMIC, making Ascend chips from SMIC wafers and HBM, sold only in China.

Single-type assumption: Huawei makes one chip type, the catalogue's one type with maker
"huawei" (the Ascend 910C today). Wafers, yield and HBM describe that one part; a second Huawei
type would need a rule for splitting wafers and HBM between types, so the model refuses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.errors import ModelError
from sim.model import rules
from sim.model.agents.maker import ChipMaker
from sim.scenario import month_index

if TYPE_CHECKING:
    from sim.model import RaceModel
    from sim.model.agents.nation import Nation


class Huawei(ChipMaker):
    """Huawei/SMIC: output limited by good dies and by HBM; sold to Chinese labs from inventory.

    Attributes:
        chip: row of Huawei's chip type in the chip table.
        home: the nation it sells to (China; Huawei is on the US entity list).
        capacity: chips good dies and HBM allow this month [chips/month], (R,).
        expected: orders Huawei expects a month, learned from past orders [chips/month], (R,).
        made: chips made this month [chips/month], (R,).
        inventory: chips made and not yet sold [chips], (R,).
        hbm: HBM packages available [chips], (R,).
        sold_units: chips sold this month [chips/month], (R,).
        fill_domestic: share of an order buyers expect to receive [0-1], (R,).
    """

    key = "huawei"

    def __init__(self, model: RaceModel):
        super().__init__(model)
        r = model.n_runs
        if len(model.chips.huawei) != 1:
            raise ModelError(
                f"the model needs exactly one Huawei chip type in world.chips, found "
                f"{len(model.chips.huawei)}"
            )
        self.chip = int(model.chips.huawei[0])
        self.home = model.china
        self.world = model.world.huawei
        self.hbm_domestic_month = month_index(self.world.hbm_domestic_start)
        self.fill_domestic = np.ones(r)
        self.inventory = np.zeros(r)
        self.made = np.zeros(r)
        self.capacity = np.zeros(r)
        self.expected = np.full(r, np.nan)  # set to the first month's capacity
        self.hbm = np.zeros(r)
        self.sold_units = np.zeros(r)

    @property
    def sold_h100e(self) -> np.ndarray:
        """Chips sold this month in H100e [H100e/month], (R,)."""
        m = self.model
        return self.sold_units * m.chips.h100e[self.chip] * m.perf[self.chip]

    # phase 2 -------------------------------------------------------------------------------
    def produce(self) -> None:
        """Make this month's chips: what orders call for, within good dies and the HBM on hand."""
        m = self.model
        h = self.world
        if m.t == 0:
            self.hbm = np.broadcast_to(h.hbm_stock_packages, (m.n_runs,)).astype(float)
        if m.month >= self.hbm_domestic_month:
            self.hbm = self.hbm + h.hbm_domestic_per_month
        wafers = h.wafers_2025 * rules.growth_factor(h.wafer_growth, m.t_since_2025)
        die_yield = rules.yield_at(m.t_since_2025, h.yield_start, h.yield_max, h.yield_halflife_months)
        self.capacity = rules.domestic_output(
            wafers, h.dies_per_wafer, die_yield, m.chips.die_units[self.chip], self.hbm
        )
        if m.t == 0:
            self.expected = self.capacity.copy()
        # output follows orders: make what is expected to sell, plus the stock Huawei aims to
        # hold, less what is in stock; never more than dies and HBM allow
        wanted = self.expected * (1.0 + h.inventory_months) - self.inventory
        made = np.clip(wanted, 0.0, self.capacity)
        self.hbm = self.hbm - made
        self.made = made
        self.inventory = self.inventory + made

    def supply_for(self, buyer: Nation) -> np.ndarray:
        """Chinese labs can get this month's possible output and the stock [chips/month]."""
        supply = super().supply_for(buyer)
        if buyer is self.home:
            supply[self.chip] = self.capacity + self.inventory
        return supply

    def price(self) -> np.ndarray:
        """What a Chinese lab pays, net of the state's subsidy [thousand USD/chip], (R,)."""
        subsidy = self.home.policy.china.domestic_subsidy
        return self.model.chips.price_kusd[self.chip] * self.price_multiplier * (1.0 - subsidy)

    def quote(self, buyer: Nation) -> tuple[np.ndarray, np.ndarray]:
        """The subsidised price and the learned fill, for Chinese labs only."""
        price, fill = self.no_offer()
        if buyer is self.home:
            price[self.chip] = self.price()
            fill[self.chip] = self.fill_domestic
        return price, fill

    # phase 4 -------------------------------------------------------------------------------
    def sell(self) -> None:
        """Ration the inventory pro rata among Chinese labs' orders; adjust the price."""
        m = self.model
        k = self.chip
        labs = self.home.labs
        demand = sum(lab.orders[k] for lab in labs)
        fill = rules.ration(demand, self.inventory)
        price = self.price()
        self.received, self.paid = {}, {}
        for lab in labs:
            got = np.zeros((m.chips.n_types, m.n_runs))
            got[k] = lab.orders[k] * fill
            self.received[lab.key] = got
            self.paid[lab.key] = got[k] * price * 1e-6
        sold = demand * fill
        self.sold_units = sold
        self.inventory = self.inventory - sold
        self.fill_domestic = np.where(demand > 0, m.learn(self.fill_domestic, fill), self.fill_domestic)
        self.expected = m.learn(self.expected, demand)
        self.price_multiplier = rules.tatonnement(
            self.price_multiplier, demand, self.made + 1e-9, m.world.nvidia.price_response
        )
