"""`Lab`: an AI firm (or the aggregate of the rest of a nation's labs).

A lab's nation-specific behaviour (what it may buy, subsidies, visa fees, pooled compute, state
money, distillation access) is read from its nation agent (`Lab.home`), not from the nation's
name.
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

    Decides each month how to split its budget between chips and researchers (power is leased),
    which chip types to buy, how much power to queue for, how much of its compute goes to its
    frontier training run and how long that run lasts, and whether to spend compute distilling
    a stronger lab's models.

    Attributes:
        key: the lab's id in `world.labs`.
        nation: "us" or "china"; `home` is that nation's agent.
        spec: the lab's parameters (`world.labs.<key>`, draws overlaid).
        units: chips installed by type [chips], (K, R).
        train_h100e, serve_h100e: their training and serving throughput [H100e], (R,); a chip
            keeps the throughput of the year it was made (`ChipSpec.perf_growth`).
        need_kw: the power the installed chips draw [kW], (R,).
        algo: own algorithmic efficiency [log10 multiplier, 0 = the US frontier at the start], (R,).
        uplift: effective-compute multiplier from distilling stronger models [log10], (R,).
        run_flop: physical compute of the current frontier run [FLOP], (R,).
        run_months: planned length of the frontier run [months], (R,).
        capability: best capability reached [log10 effective FLOP], (R,).
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
            self.units[i] = np.asarray(spec.installed_h100e.get(chip, 0.0)) / chips.h100e[i]
        # stocks kept as totals, updated as chips arrive and retire (no sum over types a month)
        self.train_h100e = rules.total(self.units * chips.h100e)
        self.serve_h100e = rules.total(self.units * chips.inference_h100e)
        self.need_kw = rules.total(self.units * chips.kw_all_in)
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
        # a lab starts with the uplift its access allows (S14: distillation already under way)
        self.uplift = np.broadcast_to(
            science.distill_uplift_log10 * self.home.distillation_access(), (r,)
        ).astype(float)
        self.fill = np.ones(r)
        self.power_request = np.zeros(r)
        self.hire_request = np.zeros(r)
        self.orders = np.zeros((chips.n_types, r))
        self.order_money = np.zeros(r)
        self.chip_spend = np.zeros(r)
        self.state_share = np.zeros(r)
        self.powered = self.powered_share()
        self.deployed = self.deployable()
        self.share = np.broadcast_to(self.home.world.frontier_share, (r,)).astype(float)
        self.concentration = self.share.copy()
        # before the start, effective compute grew as the US frontier did (P22, P23)
        self.growth = np.broadcast_to(
            science.us_frontier_growth_before_start * np.log(10.0) / 12.0, (r,)
        ).astype(float)
        self.run_months = rules.run_length(self.growth, science.run_months_min, science.run_months_max)
        flop = rules.monthly_flop(
            self.deployed, self.share, science.flop_per_h100e_s, science.utilisation
        )
        self.log_flop = np.log(np.maximum(flop, 1.0))
        self.run_flop = flop * self.run_months
        # without its uplift until the model knows every lab's start (`start_capability`)
        self.base = rules.capability(self.run_flop, self.algo)
        self.capability = self.base.copy()
        self.algo_effective = self.algo.copy()

    def start_capability(self, teacher: np.ndarray) -> None:
        """Apply the distillation uplift at the start, given the teacher's level [log10 FLOP]."""
        base = self.base
        self.capability = rules.imitated(base, self.uplift, teacher)
        self.algo_effective = self.algo + (self.capability - base)

    # helpers ------------------------------------------------------------------------------
    def power_need_kw(self) -> np.ndarray:
        """Power the installed chips draw [kW], shape (R,)."""
        return self.need_kw

    def powered_share(self) -> np.ndarray:
        """Share of installed chips that have power [fraction]: the rest sit idle, (R,)."""
        need = self.need_kw
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(need > 0, np.minimum(1.0, self.power_gw * 1e6 / need), 1.0)

    def deployable(self) -> np.ndarray:
        """Training compute that has power [H100e] (`powered` as set after the month's deliveries)."""
        return self.powered * self.train_h100e

    def serving_h100e(self) -> np.ndarray:
        """Serving capacity that has power [inference H100e]."""
        return self.powered * self.serve_h100e

    # phase 3 -------------------------------------------------------------------------------
    def choose_chips(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Shares of chip money by type, from cost per useful H100e and expected fill.

        A chip's cost counts its price and the facility lease for its power over its life.

        Returns:
            price [thousand USD/chip] (K, R); shares [-] (K, R); kW bought per billion USD (R,);
            cost per useful H100e [thousand USD/H100e] (K, R), inf where a type is not offered;
            chips per billion USD (K, R) and kW per billion USD (K, R) by type, 0 where not offered.
        """
        m = self.model
        behaviour = m.world.behaviour
        science = m.world.science
        chips = m.chips
        nation = self.home
        price, avail = m.offer(nation)  # [thousand USD/chip], [0-1], shape (K, R)
        # facility cost over the chip's life: capex per kW x chip life / facility life [k$/kW]
        facility_kusd_per_kw = (
            nation.world.power_capex_busd_per_gw
            * science.chip_life_months
            / science.facility_life_months
        )
        w_inf = behaviour.inference_weight
        value = ((1.0 - w_inf) * chips.h100e + w_inf * chips.inference_h100e) * m.perf
        subsidy = nation.chip_subsidy()
        cost = (price + chips.kw_all_in * facility_kusd_per_kw * (1.0 - subsidy)) / value
        avail = avail * nation.buys[:, None]
        shares = rules.choice_shares(cost, avail, behaviour.choice_temperature)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_busd = np.where(np.isfinite(price), 1e6 / price, 0.0)
        kw_by_type = per_busd * chips.kw_all_in
        kw_per_busd = rules.total(shares * kw_by_type)
        return price, shares, kw_per_busd, cost, per_busd, kw_by_type

    def plan(self) -> None:
        """Split this month's budget between chips and researchers, order chips, queue power."""
        m = self.model
        b = m.world.behaviour
        science = m.world.science
        nation = self.home
        # state carried in from last month: power connected, chips retired, researchers kept;
        self.power_gw = self.power_gw + nation.delivered.get(self.key, 0.0)
        kept = 1.0 - 1.0 / science.chip_life_months
        self.units = self.units * kept
        self.train_h100e = self.train_h100e * kept
        self.serve_h100e = self.serve_h100e * kept
        self.need_kw = self.need_kw * kept
        self.researchers = self.researchers * nation.retention

        # facilities are leased: energised power costs capex / facility life each month (P19)
        capex_busd_per_gw = nation.world.power_capex_busd_per_gw
        self.capital = self.capital - self.power_gw * capex_busd_per_gw / science.facility_life_months

        budget = np.maximum(self.capital, 0.0) * b.capital_draw
        # S12/S23: when chips are rationed, money moves to talent and efficiency
        shift = b.rationing_shift * (1.0 - self.fill)
        chip_money = budget * b.share_chips * (1.0 - shift)
        talent_money = budget * (1.0 - b.share_chips * (1.0 - shift))

        # every lab of a nation faces the same prices and fills, so the choice is computed once
        choice = m.memo(("chip choice", self.nation), self.choose_chips)
        price, shares, kw_per_busd, cost, per_busd, kw_by_type = choice
        # money by chip type; S12: where the state finances strategic purchases, orders follow
        # what can be had and the state tops up the lab's own money
        money, state_money = nation.chip_orders(self, chip_money, price, shares, cost)
        if money is None:  # the lab's own money, split by its choice shares
            money = chip_money * shares
            self.state_share = np.zeros_like(chip_money)
        else:
            chip_money = rules.total(money)
            with np.errstate(divide="ignore", invalid="ignore"):
                self.state_share = np.where(chip_money > 0, state_money / chip_money, 0.0)
                kw_per_busd = np.where(
                    chip_money > 0, rules.total(money * kw_by_type) / chip_money, kw_per_busd
                )

        queued = nation.queue.get(self.key, 0.0)
        coming = queued * np.minimum(1.0, b.chip_lead_months * nation.delivery_ratio)
        need_kw = self.power_need_kw()
        free_kw = np.maximum((self.power_gw + coming) * 1e6 - need_kw, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            max_money = np.where(kw_per_busd > 0, free_kw / kw_per_busd, 0.0)
            spend = np.minimum(chip_money, max_money)
            scale = np.where(chip_money > 0, spend / chip_money, 0.0)
        self.orders = money * (scale * per_busd)  # [chips]
        self.order_money = spend

        # power projects: keep enough under development for the chips the lab expects to get
        # over the construction lead time (its money x the share of orders that arrive)
        with np.errstate(divide="ignore", invalid="ignore"):
            # a lab that buys nothing this month sizes power at 20 B$ of chips per GW (assumption:
            # about an H200's price per kW all-in)
            chip_busd_per_gw = np.where(kw_per_busd > 0, 1e6 / kw_per_busd, 20.0)
        lead = nation.world.construction_months
        target = need_kw * 1e-6 + chip_money * self.fill * lead / chip_busd_per_gw
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
        # training H100e, serving H100e and kW of what arrived, in one pass over the types
        rows = self.home.buys_rows
        weights = m.memo(("chip weights", self.nation), lambda: m.chip_weights[rows])
        added = rules.weighted_total(got[rows], weights)
        self.train_h100e = self.train_h100e + added[0]
        self.serve_h100e = self.serve_h100e + added[1]
        self.need_kw = self.need_kw + added[2]
        # the state pays its share of what arrived (S12)
        self.capital = self.capital - paid * (1.0 - self.state_share)
        # the fill the lab plans with is a running average, like the makers' signals: a
        # one-month memory would swing the money between chips and talent every other month
        ordered = self.order_money > 1e-12
        with np.errstate(divide="ignore", invalid="ignore"):
            got_share = np.clip(np.where(ordered, paid / self.order_money, self.fill), 0.0, 1.0)
        self.fill = m.learn(self.fill, got_share)
        self.chip_spend = paid

        self.powered = self.powered_share()
        self.deployed = self.deployable() + self.home.pooled_compute(self)
        gap_leader = m.leader_capability - self.capability
        nation = self.home.world
        # labs build ever larger clusters for one run (P22: the largest runs grew faster than
        # fleets), toward the nation's largest cluster share; not from the chips they lack: a lab
        # that concentrated because chips were short would hand back most of any change in its
        # chip supply (measured on model v2: 40% more Chinese compute from H200 sales raised
        # China's largest run by 7%)
        self.concentration = rules.toward(
            self.concentration, nation.frontier_share_max, s.concentration_rate
        )
        self.share = rules.frontier_share(
            self.concentration, s.catch_up_push, gap_leader, nation.frontier_share_max
        )
        flop = rules.monthly_flop(self.deployed, self.share, s.flop_per_h100e_s, s.utilisation)

        # imitation: a teacher is the other nation's frontier as it was `imitation_delay_months`
        # ago; distilling costs experiment compute, and only a lab behind its teacher does it
        teacher = m.delayed_frontier(self.home.other, s.imitation_delay_months)
        base = self.base  # last month's run and algorithms
        access = self.home.distillation_access()
        distilling = access * (teacher > base)
        experiments = self.deployed * (1.0 - self.share) * (1.0 - s.distill_compute_share * distilling)
        own = rules.algo_progress(
            s.algo_rate,
            self.researchers,
            s.reference_researchers,
            experiments,
            s.reference_h100e,
            s.talent_elasticity,
            s.compute_elasticity,
            s.algo_shock_sd * m.shock(f"algo.{self.key}"),
            level=self.algo,
            returns=s.algo_returns,
        )
        spill = rules.catch_up(
            m.delayed_open_algo(s.imitation_delay_months) - self.algo, s.open_spill_rate
        )
        self.algo = self.algo + own + spill
        self.uplift = rules.toward(self.uplift, s.distill_uplift_log10 * access, s.distill_rate)

        # the run lasts about as long as the lab's effective compute takes to grow e-fold: a
        # longer run would be overtaken by a later, bigger one (Sevilla et al. 2022)
        log_flop = np.log(np.maximum(flop, 1.0))
        grew = np.log(10.0) * (own + spill) + (log_flop - self.log_flop)
        self.growth = m.learn(self.growth, grew)
        self.run_months = rules.run_length(self.growth, s.run_months_min, s.run_months_max)
        self.log_flop = log_flop
        self.run_flop = rules.run_flop_update(self.run_flop, flop, self.run_months)
        base = self.base = rules.capability(self.run_flop, self.algo)
        reached = rules.imitated(base, self.uplift, teacher)
        self.algo_effective = self.algo + (reached - base)
        self.capability = np.maximum(self.capability, reached)

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
