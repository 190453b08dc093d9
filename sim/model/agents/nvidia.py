"""`Nvidia`: TSMC-made accelerators, sold at list at home and to China under the export rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model import rules
from sim.model.agents.maker import ChipMaker

if TYPE_CHECKING:
    from sim.model import RaceModel
    from sim.model.agents.nation import Nation


class Nvidia(ChipMaker):
    """Nvidia: die capacity shared by US labs, licensed Chinese orders and the rest of the world.

    Chinese buyers meet the export terms (`sim.model.rules.export_terms`): a type whose legal
    channel is open (allowed, cap not used up) comes at list x (1 + fee), net of customs; any other
    type only by smuggling, at list x (1 + premium), out of what leaks from the world's output.

    Attributes:
        home: the nation whose labs buy at list (the US).
        abroad: the nation whose labs buy under the export rules (China).
        capacity: die units this month [die units/month], (R,).
        licensed: units licensed to China this calendar year, by type [chips], (K, R).
        fill_us, fill_legal, fill_smuggled: share of an order buyers expect to receive, learned
            from last month [0-1], (R,) and (K, R).
        imports_units: chips reaching China this month, legal and smuggled, by type [chips], (K, R).
        imports_legal, imports_smuggled: chips reaching China this month [H100e/month], (R,).
    """

    key = "nvidia"

    def __init__(self, model: RaceModel):
        super().__init__(model)
        r = model.n_runs
        k = model.chips.n_types
        self.home = model.us
        self.abroad = model.china
        self.world = model.world.nvidia
        self.capacity = np.zeros(r)
        self.fill_us = np.ones(r)
        self.fill_legal = np.ones((k, r))
        self.fill_smuggled = np.full((k, r), 0.1)  # assumption: a first guess buyers revise
        self.licensed = np.zeros((k, r))
        self.imports_legal = np.zeros(r)
        self.imports_smuggled = np.zeros(r)
        self.imports_units = np.zeros((k, r))
        self.leak = np.zeros((k, r))

    # phase 2 -------------------------------------------------------------------------------
    def produce(self) -> None:
        """Grow die capacity; a new calendar year starts a new licence count."""
        m = self.model
        self.capacity = self.world.capacity_2025 * rules.growth_factor(
            self.world.capacity_growth, m.t_since_2025
        )
        if m.calendar_month == 1:
            self.licensed = np.zeros_like(self.licensed)

    def terms(self, listed: np.ndarray) -> rules.ExportTerms:
        """This month's export terms for China, given Nvidia's prices of its types, (n_nvidia, R)."""
        export = self.home.policy.export
        return rules.export_terms(
            listed,
            export.allowed,
            export.cap,
            export.fee,
            self.world.smuggling_premium,
            self.abroad.policy.customs,
            self.licensed[self.model.chips.nvidia],
            months_left=13 - self.model.calendar_month,
        )

    def supply_for(self, buyer: Nation) -> np.ndarray:
        """What Chinese labs could get: the legal channel within the cap, or smuggling [chips/month].

        The legal channel offers what is left of the year's cap, at most Nvidia's capacity net of
        the rest of the world; a closed channel offers last month's smuggling capacity; both net
        of customs.
        """
        supply = super().supply_for(buyer)
        if buyer is not self.abroad:
            return supply
        m = self.model
        chips = m.chips
        nv = chips.nvidia
        terms = self.terms(chips.price_kusd[nv] * self.price_multiplier)
        dies = np.maximum(self.capacity * (1.0 - self.world.rest_of_world_share), 0.0)
        legal = np.minimum(terms.room, dies / chips.die_units[nv])
        supply[nv] = terms.channel(legal, self.leak[nv]) * terms.arrives
        return supply

    def plentiful_for(self, buyer: Nation) -> np.ndarray:
        """Types Chinese labs can buy legally with no cap this month [bool], (K, R).

        Only these are limited by money: a capped or smuggled type is scarce (S12).
        """
        m = self.model
        out = np.zeros((m.chips.n_types, m.n_runs), bool)
        if buyer is self.abroad:
            nv = m.chips.nvidia
            terms = self.terms(m.chips.price_kusd[nv] * self.price_multiplier)
            out[nv] = terms.legal_open & np.isinf(self.home.policy.export.cap)
        return out

    def quote(self, buyer: Nation) -> tuple[np.ndarray, np.ndarray]:
        """List price and fill at home; abroad, the legal or smuggling price and fill, net of customs."""
        chips = self.model.chips
        nv = chips.nvidia
        price, fill = self.no_offer()
        listed = chips.price_kusd[nv] * self.price_multiplier
        if buyer is self.home:
            price[nv] = listed
            fill[nv] = self.fill_us
            return price, fill
        if buyer is not self.abroad:
            return price, fill
        terms = self.terms(listed)
        price[nv] = terms.channel(terms.price_legal, terms.price_smuggled)
        fill[nv] = terms.channel(self.fill_legal[nv], self.fill_smuggled[nv]) * terms.arrives
        return price, fill

    # phase 4 -------------------------------------------------------------------------------
    def sell(self) -> None:
        """Clear the market: export rules, caps, fees, customs, smuggling, then rationing."""
        m = self.model
        w = self.world
        chips = m.chips
        nv = chips.nvidia
        other = ~chips.is_nvidia
        k, r = chips.n_types, m.n_runs
        us_labs, cn_labs = self.home.labs, self.abroad.labs
        us_orders = sum(lab.orders for lab in us_labs)  # (K, R) chips
        cn_orders = sum(lab.orders for lab in cn_labs)
        price = chips.price_kusd * self.price_multiplier
        terms = self.terms(price[nv])
        # the terms by Nvidia type, spread over the chip table (other makers' rows: no trade)
        arrives = np.ones((k, r))
        arrives[nv] = terms.arrives
        enforcement = np.ones((k, r))
        enforcement[nv] = self.home.policy.export.enforcement
        price_legal, price_smuggled = price.copy(), price.copy()
        price_legal[nv] = terms.price_legal
        price_smuggled[nv] = terms.price_smuggled
        # legal channel: allowed types, within what is left of the calendar year's cap
        legal_ask = np.zeros((k, r))
        legal_ask[nv] = np.where(terms.allowed, np.minimum(cn_orders[nv], terms.room), 0.0)
        # capacity: US labs, licensed Chinese orders and the rest of the world share the dies
        die = chips.die_units
        lab_dies = rules.total((us_orders + legal_ask) * die)
        row_dies = w.rest_of_world_share * self.capacity
        available = np.maximum(self.capacity - row_dies, 0.0)
        fill = rules.ration(lab_dies, available)
        legal_shipped = legal_ask * fill
        self.licensed = self.licensed + legal_shipped
        legal_in = legal_shipped * arrives
        # smuggling: what the rules did not let through leaks from the world's output of that type
        # assumption: the rest of the world's dies split evenly between the types sold outside
        # China (H200 and Blackwell)
        row_split = np.where(chips.us_buys, 1.0 / np.count_nonzero(chips.us_buys), 0.0)
        world_out = us_orders * fill + row_dies * row_split[:, None] / die
        leak = rules.smuggling_capacity(w.smuggling_leak, enforcement, world_out)
        unmet = np.maximum(cn_orders - legal_ask, 0.0)
        unmet[other] = 0.0
        smuggled = np.minimum(unmet, leak) * arrives

        self.received, self.paid = {}, {}
        with np.errstate(divide="ignore", invalid="ignore"):
            share_legal = np.where(cn_orders > 0, legal_in / cn_orders, 0.0)
            share_smug = np.where(cn_orders > 0, smuggled / cn_orders, 0.0)
        # what a chip ordered brings and costs, by type, the same for every lab of a nation
        us_in = np.where(other[:, None], 0.0, np.broadcast_to(fill, (k, r)))
        us_cost = us_in * price * 1e-6  # [billion USD per chip ordered]
        cn_in = share_legal + share_smug
        cn_cost = (share_legal * price_legal + share_smug * price_smuggled) * 1e-6
        for lab in us_labs:
            self.received[lab.key] = lab.orders * us_in
            self.paid[lab.key] = rules.total(lab.orders * us_cost)
        for lab in cn_labs:
            self.received[lab.key] = lab.orders * cn_in
            self.paid[lab.key] = rules.total(lab.orders * cn_cost)
        self.leak = leak
        self.imports_legal = rules.total(legal_in * chips.h100e * m.perf)
        self.imports_smuggled = rules.total(smuggled * chips.h100e * m.perf)
        self.imports_units = legal_in + smuggled
        # what buyers learn for next month: how much of an order arrived, by channel
        with np.errstate(divide="ignore", invalid="ignore"):
            got_smug = np.where(unmet > 0, np.minimum(unmet, leak) / unmet, self.fill_smuggled)
        got_legal = np.broadcast_to(fill, (k, r))
        self.fill_us = m.learn(self.fill_us, fill)
        self.fill_legal = m.learn(self.fill_legal, got_legal)
        self.fill_smuggled = m.learn(self.fill_smuggled, got_smug)
        demand_dies = rules.total((us_orders + legal_ask) * die) + row_dies
        self.price_multiplier = rules.tatonnement(
            self.price_multiplier, demand_dies, self.capacity, w.price_response
        )
