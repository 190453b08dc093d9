"""`Lab`: an AI firm (or the aggregate of the rest of a nation's labs).

A lab's nation-specific behaviour (what it may buy, subsidies, visa fees, pooled compute) is read
from its nation agent (`Lab.home`), not from the nation's name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model import rules
from sim.model.agents.nation import VISA_MONTHS

if TYPE_CHECKING:
    from sim.model import RaceModel


class Lab(mesa.Agent):
    """An AI firm.

    Decides each month how to split its budget between chips, power and researchers, which chip
    types to buy, and how much of its compute goes to its frontier training run.

    Attributes:
        key: the lab's id in `world.labs`.
        nation: "us" or "china"; `home` is that nation's agent.
        spec: the lab's parameters (`world.labs.<key>`, draws overlaid).
    """

    def __init__(self, model: RaceModel, key: str, nation: str, open_weights: bool):
        super().__init__(model)
        self.key = key
        self.nation = nation
        self.home = model.nations[nation]
        self.open_weights = open_weights
        r = model.n_runs
        spec = self.spec = model.world.labs[key]
        science = model.world.science
        chips = model.chips
        self.units = np.zeros((chips.n_types, r))
        for i, chip in enumerate(chips.types):
            h100e = spec.installed_h100e.get(chip, 0.0)
            self.units[i] = np.asarray(h100e) / chips.h100e[i]
        realisation = np.broadcast_to(spec.pledge_realisation, (r,))
        self.capital = (
            np.broadcast_to(spec.capital_busd, (r,)) + spec.pledge_upfront_busd * realisation
        ).astype(float)
        self.realisation = realisation
        self.funding = np.broadcast_to(spec.funding_busd_per_year, (r,)).astype(float)
        self.revenue = np.broadcast_to(spec.revenue_busd_per_year, (r,)).astype(float)
        self.power_gw = np.broadcast_to(spec.power_gw, (r,)).astype(float)
        self.researchers = np.broadcast_to(spec.researchers, (r,)).astype(float)
        offset = self.home.algo_offset_log10
        self.algo = np.broadcast_to(spec.algo_log10 + offset, (r,)).astype(float)
        self.fill = np.ones(r)
        self.power_request = np.zeros(r)
        self.hire_request = np.zeros(r)
        self.orders = np.zeros((chips.n_types, r))
        self.order_money = np.zeros(r)
        self.chip_spend = np.zeros(r)
        self.deployed = self.deployable()
        flop = rules.monthly_flop(
            self.deployed, science.frontier_share, science.flop_per_h100e_s, science.utilisation
        )
        self.run_flop = flop * science.run_months
        self.capability = rules.capability(self.run_flop, self.algo)

    # helpers ------------------------------------------------------------------------------
    def power_need_kw(self) -> np.ndarray:
        """Power the installed chips draw [kW], shape (R,)."""
        return rules.total(self.units * self.model.chips.kw_all_in)

    def deployable(self) -> np.ndarray:
        """Training compute that has power [H100e]: chips beyond the power sit idle."""
        need = self.power_need_kw()
        with np.errstate(divide="ignore", invalid="ignore"):
            powered = np.where(need > 0, np.minimum(1.0, self.power_gw * 1e6 / need), 1.0)
        return powered * rules.total(self.units * self.model.chips.h100e)

    def serving_h100e(self) -> np.ndarray:
        """Serving capacity that has power [inference H100e]."""
        need = self.power_need_kw()
        with np.errstate(divide="ignore", invalid="ignore"):
            powered = np.where(need > 0, np.minimum(1.0, self.power_gw * 1e6 / need), 1.0)
        return powered * rules.total(self.units * self.model.chips.inference_h100e)

    # phase 3 -------------------------------------------------------------------------------
    def choose_chips(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Shares of chip money by type, from cost per useful H100e and expected fill.

        Returns:
            price [thousand USD/chip] (K, R); shares [-] (K, R); kW bought per billion USD (R,).
        """
        m = self.model
        behaviour = m.world.behaviour
        chips = m.chips
        nation = self.home
        price, avail = m.offer(nation)  # [thousand USD/chip], [0-1], shape (K, R)
        capex_kusd_per_kw = nation.world.power_capex_busd_per_gw  # B$/GW = k$/kW
        w_inf = behaviour.inference_weight
        value = (1.0 - w_inf) * chips.h100e + w_inf * chips.inference_h100e
        subsidy = nation.chip_subsidy()
        cost = (price + chips.kw_all_in * capex_kusd_per_kw * (1.0 - subsidy)) / value
        avail = avail * nation.buys[:, None]
        shares = rules.choice_shares(cost, avail, behaviour.choice_temperature)
        with np.errstate(divide="ignore", invalid="ignore"):
            kw_per_busd = rules.total(np.where(shares > 0, shares * 1e6 / price * chips.kw_all_in, 0.0))
        return price, shares, kw_per_busd

    def plan(self) -> None:
        """Split this month's budget between chips, power and researchers, and place orders."""
        m = self.model
        b = m.world.behaviour
        nation = self.home
        # state carried in from last month: power connected, chips retired, researchers kept;
        self.power_gw = self.power_gw + nation.delivered.get(self.key, 0.0)
        self.units = self.units * (1.0 - 1.0 / m.world.science.chip_life_months)
        self.researchers = self.researchers * nation.retention

        # power energised this month is paid on delivery (P19 facility capex)
        capex_kusd_per_kw = nation.world.power_capex_busd_per_gw  # B$/GW = k$/kW
        self.capital = self.capital - nation.delivered.get(self.key, 0.0) * capex_kusd_per_kw

        budget = np.maximum(self.capital, 0.0) * b.capital_draw
        # S12/S23: when chips are rationed, money moves to talent and efficiency
        shift = b.rationing_shift * (1.0 - self.fill)
        chip_money = budget * b.share_chips * (1.0 - shift)
        talent_money = budget * (1.0 - b.share_chips * (1.0 - shift))

        # every lab of a nation faces the same prices and fills, so the choice is computed once
        price, shares, kw_per_busd = m.memo(("chip choice", self.nation), self.choose_chips)

        queued = nation.queue.get(self.key, 0.0)
        soon = b.chip_lead_months
        coming = queued * np.minimum(1.0, soon * nation.delivery_ratio)
        need_kw = self.power_need_kw()
        free_kw = np.maximum((self.power_gw + coming) * 1e6 - need_kw, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            max_money = np.where(kw_per_busd > 0, free_kw / kw_per_busd, 0.0)
        spend = np.minimum(chip_money, max_money)
        self.orders = np.where(shares > 0, spend * shares * 1e6 / price, 0.0)  # [chips]
        self.order_money = spend

        # power projects: keep enough under development for the powered chips the budget can buy
        # over the construction horizon (the chips' own cost per GW plus the facility's)
        with np.errstate(divide="ignore", invalid="ignore"):
            chip_busd_per_gw = np.where(kw_per_busd > 0, 1e6 / kw_per_busd, 20.0)
        horizon = b.power_lookahead_months
        target = need_kw * 1e-6 + budget * b.share_chips * horizon / (
            chip_busd_per_gw + capex_kusd_per_kw
        )
        self.power_request = np.maximum(target - self.power_gw - queued, 0.0)

        # researchers: head count the talent money can keep, less the visa fee on foreign hires
        cost_musd = nation.world.researcher_cost_musd
        visa_musd = nation.visa_cost_musd()
        target = talent_money * 1e3 / (cost_musd / 12 + visa_musd)
        self.hire_request = np.maximum(target - self.researchers, 0.0) * b.hiring_speed
        hires = self.hire_request * nation.hire_fill
        self.researchers = self.researchers + hires
        self.capital = (
            self.capital
            - self.researchers * cost_musd / 12 * 1e-3
            - hires * visa_musd * VISA_MONTHS * 1e-3
        )

    # phase 5 -------------------------------------------------------------------------------
    def train(self) -> None:
        """Install what arrived, run the frontier training and improve algorithmic efficiency."""
        m = self.model
        s = m.world.science
        got, paid = m.deliveries(self)
        self.units = self.units + got
        self.capital = self.capital - paid
        # the fill the lab plans with is a running average, like the makers' signals: a
        # one-month memory would swing the money between chips and talent every other month
        with np.errstate(divide="ignore", invalid="ignore"):
            got = np.where(self.order_money > 1e-12, paid / self.order_money, self.fill)
        self.fill = m.learn(self.fill, np.clip(got, 0.0, 1.0))
        self.chip_spend = paid

        self.deployed = self.deployable() + self.home.pooled_compute(self)
        gap_leader = m.leader_capability - self.capability
        share = rules.frontier_share(s.frontier_share, s.catch_up_push, gap_leader)
        flop = rules.monthly_flop(self.deployed, share, s.flop_per_h100e_s, s.utilisation)
        self.run_flop = rules.run_flop_update(self.run_flop, flop, s.run_months)
        own = rules.algo_progress(
            s.algo_rate,
            self.researchers,
            s.reference_researchers,
            self.deployed * (1.0 - share),
            s.reference_h100e,
            s.talent_elasticity,
            s.compute_elasticity,
            s.algo_shock_sd * m.shock(f"algo.{self.key}"),
        )
        distilled = rules.catch_up(gap_leader, s.distill_rate)
        spill = rules.catch_up(m.open_algo - self.algo, s.open_spill_rate)
        self.algo = self.algo + own + distilled + spill
        self.capability = np.maximum(self.capability, rules.capability(self.run_flop, self.algo))

    # phase 6 -------------------------------------------------------------------------------
    def finance(self) -> None:
        """Revenue grows as far as serving compute allows; funding and pledges come in."""
        m = self.model
        spec = self.spec
        grown = self.revenue * rules.growth_factor(spec.revenue_growth, 1)
        ceiling = self.serving_h100e() * m.world.science.revenue_per_h100e_kusd * 1e-6
        self.revenue = np.maximum(np.minimum(grown, ceiling), np.minimum(self.revenue, grown))
        self.funding = self.funding * rules.growth_factor(spec.funding_growth, 1)
        pledge = 0.0
        if m.t < spec.pledge_months:
            pledge = spec.pledge_busd / spec.pledge_months * self.realisation
        self.capital = (
            self.capital
            + self.funding / 12
            + pledge
            + self.revenue / 12 * m.world.behaviour.revenue_reinvested
        )
