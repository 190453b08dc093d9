"""The agents: Nation, Lab and ChipMaker (Nvidia, Huawei).

Every agent holds its state as numpy arrays over the R runs of its model, so one agent stands for
its real counterpart in every run of the ensemble at once. Each month an agent decides from its
own state, the prices and aggregates the previous phase left, and the policy in force; it writes
only its own state. The formulas are in `sim.model.rules`; this module wires them to state.

Chip-type arrays have shape (K, R) with K = len(CHIP_TYPES) in the order of
`sim.scenario.CHIP_TYPES`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model import rules
from sim.scenario import CHIP_TYPES, NVIDIA_TYPES, month_index

if TYPE_CHECKING:
    from sim.model import RaceModel

K = len(CHIP_TYPES)
NV = [CHIP_TYPES.index(t) for t in NVIDIA_TYPES]
ASCEND = CHIP_TYPES.index("ascend")
#: Month-to-month spread of a grid's connections [-] (assumption).
GRID_SHOCK_SD = 0.15
#: Enforcement a reactive US tightening raises every type to, at least [0-1] (assumption).
REACTIVE_ENFORCEMENT = 0.9
#: Months over which a lab spreads a visa fee when sizing its head count [months] (assumption:
#: a three-year H-1B term).
VISA_MONTHS = 36
#: Chip types a US lab buys (H20 and B30A are China-specific parts).
US_BUYS = np.array([t in ("h200", "blackwell") for t in CHIP_TYPES])


class Nation(mesa.Agent):
    """The US or China: policy in force, grid power, talent pool.

    Decides each month: which policy applies (dated events, reactive rules); how its grid's new
    AI power is shared among its labs' requests; how many researchers leave.
    """

    def __init__(self, model: RaceModel, key: str):
        super().__init__(model)
        self.key = key
        r = model.n_runs
        p = model.p
        w = f"world.{key}"
        self.policy: dict[str, np.ndarray] = {}
        self.queue: dict[str, np.ndarray] = {}
        self.delivered: dict[str, np.ndarray] = {}
        self.delivery_ratio = np.ones(r)
        self.researchers = np.broadcast_to(p(f"{w}.researchers"), (r,)).astype(float).copy()
        self.hire_fill = np.ones(r)
        self.retention = np.ones(r)  # share of employed researchers the pool still holds
        self.tripped = np.zeros(r, bool)  # a reactive rule has fired in this run
        self.outflow = np.zeros(r)
        self.build_gw = np.zeros(r)

    # phase 1 -------------------------------------------------------------------------------
    def apply_policy(self) -> None:
        """Set the policy state for this month from the scenario's dated events and reactive rules."""
        m = self.model
        state = m.policy_at(m.month)
        r = m.n_runs
        self.policy = {
            k: np.broadcast_to(np.asarray(v, dtype=float), (r,)).copy()
            for k, v in state.items()
            if k.startswith(f"{self.key}.")
        }
        if self.key == "us":
            threshold = state.get("us.tighten_below_lag_months")
            if not np.isnan(threshold) and m.t > 0:
                tripped = m.lag_now() < threshold
                self.tripped = self.tripped | tripped
                for chip in NVIDIA_TYPES:
                    pre = f"us.export.{chip}"
                    self.policy[f"{pre}.allowed"] = np.where(
                        self.tripped, 0.0, self.policy[f"{pre}.allowed"]
                    )
                    self.policy[f"{pre}.enforcement"] = np.where(
                        self.tripped,
                        np.maximum(REACTIVE_ENFORCEMENT, self.policy[f"{pre}.enforcement"]),
                        self.policy[f"{pre}.enforcement"],
                    )
        else:
            threshold = state.get("china.block_when_domestic_share")
            if not np.isnan(threshold) and m.t > 0:
                domestic = m.last["china_domestic_chips_h100e"]
                total = domestic + m.last["china_chip_imports_h100e"]
                with np.errstate(divide="ignore", invalid="ignore"):
                    share = np.where(total > 0, domestic / total, 0.0)
                self.tripped = self.tripped | (share >= threshold)
                for chip in NVIDIA_TYPES:
                    key = f"china.customs.{chip}"
                    self.policy[key] = np.where(self.tripped, 1.0, self.policy[key])

    def export_rule(self, chip: str, field: str) -> np.ndarray:
        """US export rule field for a chip type this month (arrays over runs)."""
        return self.policy[f"us.export.{chip}.{field}"]

    def customs_block(self) -> np.ndarray:
        """Share of legal imports China's customs stop, by Nvidia type, shape (len(NV), R)."""
        return np.stack([self.policy[f"china.customs.{c}"] for c in NVIDIA_TYPES])

    # phase 2 -------------------------------------------------------------------------------
    def build(self) -> None:
        """Connect new AI power and share it among the labs' queued projects, pro rata."""
        m = self.model
        p = m.p
        w = f"world.{self.key}"
        multiplier = self.policy["us.power_permitting" if self.key == "us" else "china.power_build"]
        # assumption: connections vary 15% month to month (log-normal, mean one)
        shock = np.exp(GRID_SHOCK_SD * m.shock(f"grid.{self.key}") - 0.5 * GRID_SHOCK_SD**2)
        self.build_gw = (
            p(f"{w}.ai_power_build_gw")
            * rules.growth_factor(p(f"{w}.ai_power_build_growth"), m.t)
            * multiplier
            * shock
        )
        for lab in m.labs_of(self.key):
            self.queue[lab.key] = self.queue.get(lab.key, 0.0) + lab.power_request
        # a project takes `construction_months` to build (S21: xAI needed 122 days at best), so
        # a month finishes at most that share of a queue; the grid then connects what it can
        build_share = 1.0 / p(f"{w}.construction_months")
        ready = {key: queued * build_share for key, queued in self.queue.items()}
        fill = rules.ration(sum(ready.values()), self.build_gw)
        self.delivery_ratio = fill * build_share
        for key, queued in self.queue.items():
            self.delivered[key] = ready[key] * fill
            self.queue[key] = queued - self.delivered[key]

    # phase 7 -------------------------------------------------------------------------------
    def migrate(self) -> None:
        """Decide how many researchers leave for the other nation this month."""
        m = self.model
        p = m.p
        other = m.nations["china" if self.key == "us" else "us"]
        mine = m.attractiveness(self.key)
        theirs = m.attractiveness(other.key)
        self.outflow = rules.migration_flow(
            self.researchers,
            theirs - mine,
            p("world.migration.rate"),
            p("world.migration.home_bias"),
        )

    def settle(self) -> None:
        """Apply this month's moves and set how easily labs can hire next month."""
        m = self.model
        other = m.nations["china" if self.key == "us" else "us"]
        grown = self.researchers * (
            rules.growth_factor(m.p(f"world.{self.key}.researcher_growth"), 1) - 1.0
        )
        self.researchers = np.maximum(self.researchers + grown - self.outflow + other.outflow, 0.0)
        labs = m.labs_of(self.key)
        employed = sum(lab.researchers for lab in labs)
        wanted = sum(lab.hire_request for lab in labs)
        free = np.maximum(self.researchers - employed, 0.0)
        self.hire_fill = rules.ration(wanted, free)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.retention = np.where(employed > 0, np.minimum(1.0, self.researchers / employed), 1.0)


class Lab(mesa.Agent):
    """An AI firm (or the aggregate of the rest of a nation's labs).

    Decides each month how to split its budget between chips, power and researchers, which chip
    types to buy, and how much of its compute goes to its frontier training run.
    """

    def __init__(self, model: RaceModel, key: str, nation: str, open_weights: bool):
        super().__init__(model)
        self.key = key
        self.nation = nation
        self.open_weights = open_weights
        r = model.n_runs
        p = model.p
        w = f"world.labs.{key}"
        spec = model.spec
        self.units = np.zeros((K, r))
        for i, chip in enumerate(CHIP_TYPES):
            h100e = p(f"{w}.installed_h100e.{chip}", default=0.0)
            self.units[i] = np.asarray(h100e) / spec["h100e"][i]
        realisation = np.broadcast_to(p(f"{w}.pledge_realisation"), (r,))
        self.capital = (
            np.broadcast_to(p(f"{w}.capital_busd"), (r,)) + p(f"{w}.pledge_upfront_busd") * realisation
        ).astype(float)
        self.realisation = realisation
        self.funding = np.broadcast_to(p(f"{w}.funding_busd_per_year"), (r,)).astype(float)
        self.revenue = np.broadcast_to(p(f"{w}.revenue_busd_per_year"), (r,)).astype(float)
        self.power_gw = np.broadcast_to(p(f"{w}.power_gw"), (r,)).astype(float)
        self.researchers = np.broadcast_to(p(f"{w}.researchers"), (r,)).astype(float)
        offset = p("world.science.china_algo_offset_log10") if nation == "china" else 0.0
        self.algo = np.broadcast_to(p(f"{w}.algo_log10") + offset, (r,)).astype(float)
        self.fill = np.ones(r)
        self.power_request = np.zeros(r)
        self.hire_request = np.zeros(r)
        self.orders = np.zeros((K, r))
        self.order_money = np.zeros(r)
        self.chip_spend = np.zeros(r)
        self.deployed = self.deployable()
        share = p("world.science.frontier_share")
        flop = rules.monthly_flop(
            self.deployed,
            share,
            p("world.science.flop_per_h100e_s"),
            p("world.science.utilisation"),
        )
        self.run_flop = flop * p("world.science.run_months")
        self.capability = rules.capability(self.run_flop, self.algo)

    # helpers ------------------------------------------------------------------------------
    def power_need_kw(self) -> np.ndarray:
        """Power the installed chips draw [kW], shape (R,)."""
        return rules.total(self.units * self.model.spec["kw_all_in"])

    def deployable(self) -> np.ndarray:
        """Training compute that has power [H100e]: chips beyond the power sit idle."""
        need = self.power_need_kw()
        with np.errstate(divide="ignore", invalid="ignore"):
            powered = np.where(need > 0, np.minimum(1.0, self.power_gw * 1e6 / need), 1.0)
        return powered * rules.total(self.units * self.model.spec["h100e"])

    def serving_h100e(self) -> np.ndarray:
        """Serving capacity that has power [inference H100e]."""
        need = self.power_need_kw()
        with np.errstate(divide="ignore", invalid="ignore"):
            powered = np.where(need > 0, np.minimum(1.0, self.power_gw * 1e6 / need), 1.0)
        return powered * rules.total(self.units * self.model.spec["inference_h100e"])

    # phase 3 -------------------------------------------------------------------------------
    def choose_chips(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Shares of chip money by type, from cost per useful H100e and expected fill.

        Returns:
            price [thousand USD/chip] (K, R); shares [-] (K, R); kW bought per billion USD (R,).
        """
        m = self.model
        p = m.p
        b = "world.behaviour"
        spec = m.spec
        nation = m.nations[self.nation]
        price, avail = m.offer(self.nation)  # [thousand USD/chip], [0-1], shape (K, R)
        capex_kusd_per_kw = p(f"world.{self.nation}.power_capex_busd_per_gw")  # B$/GW = k$/kW
        w_inf = p(f"{b}.inference_weight")
        value = (1.0 - w_inf) * spec["h100e"] + w_inf * spec["inference_h100e"]
        subsidy = (
            np.zeros((K, 1))
            if self.nation == "us"
            else (np.eye(K)[ASCEND][:, None] * nation.policy["china.domestic_subsidy"])
        )
        cost = (price + spec["kw_all_in"] * capex_kusd_per_kw * (1.0 - subsidy)) / value
        if self.nation == "us":
            avail = avail * US_BUYS[:, None]
        shares = rules.choice_shares(cost, avail, p(f"{b}.choice_temperature"))
        with np.errstate(divide="ignore", invalid="ignore"):
            kw_per_busd = rules.total(
                np.where(shares > 0, shares * 1e6 / price * spec["kw_all_in"], 0.0)
            )
        return price, shares, kw_per_busd

    def plan(self) -> None:
        """Split this month's budget between chips, power and researchers, and place orders."""
        m = self.model
        p = m.p
        b = "world.behaviour"
        nation = m.nations[self.nation]
        # state carried in from last month: power connected, chips retired, researchers kept;
        self.power_gw = self.power_gw + nation.delivered.get(self.key, 0.0)
        self.units = self.units * (1.0 - 1.0 / p("world.science.chip_life_months"))
        self.researchers = self.researchers * nation.retention

        # power energised this month is paid on delivery (P19 facility capex)
        capex_kusd_per_kw = p(f"world.{self.nation}.power_capex_busd_per_gw")  # B$/GW = k$/kW
        self.capital = self.capital - nation.delivered.get(self.key, 0.0) * capex_kusd_per_kw

        budget = np.maximum(self.capital, 0.0) * p(f"{b}.capital_draw")
        # S12/S23: when chips are rationed, money moves to talent and efficiency
        shift = p(f"{b}.rationing_shift") * (1.0 - self.fill)
        chip_money = budget * p(f"{b}.share_chips") * (1.0 - shift)
        talent_money = budget * (1.0 - p(f"{b}.share_chips") * (1.0 - shift))

        # every lab of a nation faces the same prices and fills, so the choice is computed once
        price, shares, kw_per_busd = m.memo(("chip choice", self.nation), self.choose_chips)

        queued = nation.queue.get(self.key, 0.0)
        soon = p(f"{b}.chip_lead_months")
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
        horizon = p(f"{b}.power_lookahead_months")
        target = need_kw * 1e-6 + budget * p(f"{b}.share_chips") * horizon / (
            chip_busd_per_gw + capex_kusd_per_kw
        )
        self.power_request = np.maximum(target - self.power_gw - queued, 0.0)

        # researchers: head count the talent money can keep, less the visa fee on foreign hires
        cost_musd = p(f"world.{self.nation}.researcher_cost_musd")
        visa_musd = 0.0
        if self.nation == "us":
            visa_musd = (
                nation.policy["us.visa_fee_kusd"] * 1e-3 * p("world.us.foreign_share") / VISA_MONTHS
            )
        target = talent_money * 1e3 / (cost_musd / 12 + visa_musd)
        self.hire_request = np.maximum(target - self.researchers, 0.0) * p(f"{b}.hiring_speed")
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
        p = m.p
        s = "world.science"
        got, paid = m.deliveries(self)
        self.units = self.units + got
        self.capital = self.capital - paid
        # the fill the lab plans with is a running average, like the makers' signals: a
        # one-month memory would swing the money between chips and talent every other month
        with np.errstate(divide="ignore", invalid="ignore"):
            got = np.where(self.order_money > 1e-12, paid / self.order_money, self.fill)
        self.fill = m.learn(self.fill, np.clip(got, 0.0, 1.0))
        self.chip_spend = paid

        self.deployed = self.deployable() + m.pooled_compute(self)
        gap_leader = m.last["leader_capability"] - self.capability
        share = rules.frontier_share(p(f"{s}.frontier_share"), p(f"{s}.catch_up_push"), gap_leader)
        flop = rules.monthly_flop(
            self.deployed, share, p(f"{s}.flop_per_h100e_s"), p(f"{s}.utilisation")
        )
        self.run_flop = rules.run_flop_update(self.run_flop, flop, p(f"{s}.run_months"))
        own = rules.algo_progress(
            p(f"{s}.algo_rate"),
            self.researchers,
            p(f"{s}.reference_researchers"),
            self.deployed * (1.0 - share),
            p(f"{s}.reference_h100e"),
            p(f"{s}.talent_elasticity"),
            p(f"{s}.compute_elasticity"),
            p(f"{s}.algo_shock_sd") * m.shock(f"algo.{self.key}"),
        )
        distilled = rules.catch_up(gap_leader, p(f"{s}.distill_rate"))
        spill = rules.catch_up(m.last["open_algo"] - self.algo, p(f"{s}.open_spill_rate"))
        self.algo = self.algo + own + distilled + spill
        self.capability = np.maximum(self.capability, rules.capability(self.run_flop, self.algo))

    # phase 6 -------------------------------------------------------------------------------
    def finance(self) -> None:
        """Revenue grows as far as serving compute allows; funding and pledges come in."""
        m = self.model
        p = m.p
        w = f"world.labs.{self.key}"
        grown = self.revenue * rules.growth_factor(p(f"{w}.revenue_growth"), 1)
        ceiling = self.serving_h100e() * p("world.science.revenue_per_h100e_kusd") * 1e-6
        self.revenue = np.maximum(np.minimum(grown, ceiling), np.minimum(self.revenue, grown))
        self.funding = self.funding * rules.growth_factor(p(f"{w}.funding_growth"), 1)
        pledge = 0.0
        if m.t < p(f"{w}.pledge_months"):
            pledge = p(f"{w}.pledge_busd") / p(f"{w}.pledge_months") * self.realisation
        self.capital = (
            self.capital
            + self.funding / 12
            + pledge
            + self.revenue / 12 * p("world.behaviour.revenue_reinvested")
        )


class ChipMaker(mesa.Agent):
    """Nvidia (TSMC-made, sells worldwide within export rules) or Huawei/SMIC (domestic).

    Decides each month how much to make, at what price (a multiplier on list that rises with
    excess demand), and how to ration among buyers (pro rata).
    """

    def __init__(self, model: RaceModel, key: str):
        super().__init__(model)
        self.key = key
        r = model.n_runs
        self.price_multiplier = np.ones(r)
        self.capacity = np.zeros(r)  # Nvidia: die units this month
        self.received: dict[str, np.ndarray] = {}
        self.paid: dict[str, np.ndarray] = {}
        # what buyers expect to receive of an order, learned from last month [0-1]
        self.fill_us = np.ones(r)
        self.fill_legal = np.ones((K, r))
        self.fill_smuggled = np.full((K, r), 0.1)  # assumption: a first guess buyers revise
        self.fill_domestic = np.ones(r)
        # annual licence counts, by Nvidia type
        self.licensed = np.zeros((K, r))
        self.inventory = np.zeros(r)
        self.made = np.zeros(r)  # Huawei: chips made this month
        self.hbm = np.zeros(r)
        self.imports_legal = np.zeros(r)
        self.imports_smuggled = np.zeros(r)
        self.sold_units = np.zeros(r)
        self.imports_h20_units = np.zeros(r)

    # phase 2 -------------------------------------------------------------------------------
    def produce(self) -> None:
        """Set this month's capacity (Nvidia: die units; Huawei: finished chips)."""
        m = self.model
        p = m.p
        if self.key == "nvidia":
            self.capacity = p("world.nvidia.capacity_2025") * rules.growth_factor(
                p("world.nvidia.capacity_growth"), m.t_since_2025
            )
            if m.calendar_month == 1:
                self.licensed = np.zeros_like(self.licensed)
            return
        h = "world.huawei"
        if m.t == 0:
            self.hbm = np.broadcast_to(p(f"{h}.hbm_stock_packages"), (m.n_runs,)).astype(float)
        if m.month >= month_index(m.params.world.huawei.hbm_domestic_start):
            self.hbm = self.hbm + p(f"{h}.hbm_domestic_per_month")
        wafers = p(f"{h}.wafers_2025") * rules.growth_factor(p(f"{h}.wafer_growth"), m.t_since_2025)
        die_yield = rules.yield_at(
            m.t_since_2025,
            p(f"{h}.yield_start"),
            p(f"{h}.yield_max"),
            p(f"{h}.yield_halflife_months"),
        )
        made = rules.domestic_output(
            wafers, p(f"{h}.dies_per_wafer"), die_yield, m.spec["die_units"][ASCEND], self.hbm
        )
        self.hbm = self.hbm - made
        self.made = made
        self.inventory = self.inventory + made

    def quote(self, nation: str) -> tuple[np.ndarray, np.ndarray]:
        """Price [thousand USD/chip] and expected fill [0-1] of each chip type for a nation's buyers.

        Types this maker does not make get price inf and fill 0. For China, an Nvidia type whose
        legal channel is open (allowed, cap not used up) is quoted at list x (1 + fee) with the
        legal fill, net of customs; any other Nvidia type at the smuggling price and fill.
        """
        m = self.model
        p = m.p
        r = m.n_runs
        spec = m.spec
        price = np.full((K, r), np.inf)
        fill = np.zeros((K, r))
        if self.key == "huawei":
            if nation == "china":
                subsidy = m.nations["china"].policy["china.domestic_subsidy"]
                price[ASCEND] = spec["price_kusd"][ASCEND] * self.price_multiplier * (1.0 - subsidy)
                fill[ASCEND] = self.fill_domestic
            return price, fill
        us, cn = m.nations["us"], m.nations["china"]
        listed = spec["price_kusd"][NV] * self.price_multiplier
        if nation == "us":
            price[NV] = listed
            fill[NV] = self.fill_us
            return price, fill
        allowed = np.stack([us.export_rule(c, "allowed") for c in NVIDIA_TYPES])
        cap = np.stack([us.export_rule(c, "cap_units") for c in NVIDIA_TYPES])
        fee = np.stack([us.export_rule(c, "fee") for c in NVIDIA_TYPES])
        room = np.where(np.isnan(cap), np.inf, cap) - self.licensed[NV]
        legal_open = (allowed > 0.5) & (room > 0)
        block = cn.customs_block()
        price[NV] = np.where(
            legal_open, listed * (1.0 + fee), listed * (1.0 + p("world.nvidia.smuggling_premium"))
        )
        fill[NV] = np.where(legal_open, self.fill_legal[NV], self.fill_smuggled[NV]) * (1.0 - block)
        return price, fill

    # phase 4 -------------------------------------------------------------------------------
    def sell(self) -> None:
        """Clear the market: export rules, caps, fees, customs, smuggling, then rationing."""
        if self.key == "nvidia":
            self._sell_nvidia()
        else:
            self._sell_domestic()

    def _sell_domestic(self) -> None:
        m = self.model
        labs = m.labs_of("china")
        demand = sum(lab.orders[ASCEND] for lab in labs)
        fill = rules.ration(demand, self.inventory)
        subsidy = m.nations["china"].policy["china.domestic_subsidy"]
        price = m.spec["price_kusd"][ASCEND] * self.price_multiplier * (1.0 - subsidy)
        self.received, self.paid = {}, {}
        for lab in labs:
            got = np.zeros((K, m.n_runs))
            got[ASCEND] = lab.orders[ASCEND] * fill
            self.received[lab.key] = got
            self.paid[lab.key] = got[ASCEND] * price * 1e-6
        sold = demand * fill
        self.sold_units = sold
        self.inventory = self.inventory - sold
        self.fill_domestic = np.where(demand > 0, m.learn(self.fill_domestic, fill), self.fill_domestic)
        self.price_multiplier = rules.tatonnement(
            self.price_multiplier, demand, self.made + 1e-9, m.p("world.nvidia.price_response")
        )

    def _sell_nvidia(self) -> None:
        m = self.model
        p = m.p
        spec = m.spec
        r = m.n_runs
        us, cn = m.nations["us"], m.nations["china"]
        us_labs, cn_labs = m.labs_of("us"), m.labs_of("china")
        us_orders = sum(lab.orders for lab in us_labs)  # (K, R) chips
        cn_orders = sum(lab.orders for lab in cn_labs)
        block = np.zeros((K, r))
        block[NV] = cn.customs_block()
        allowed = np.zeros((K, r))
        cap = np.full((K, r), np.inf)
        fee = np.zeros((K, r))
        enforcement = np.ones((K, r))
        for i, chip in zip(NV, NVIDIA_TYPES, strict=True):
            allowed[i] = us.export_rule(chip, "allowed")
            c = us.export_rule(chip, "cap_units")
            cap[i] = np.where(np.isnan(c), np.inf, c)
            fee[i] = us.export_rule(chip, "fee")
            enforcement[i] = us.export_rule(chip, "enforcement")
        # legal channel: allowed types, within what is left of the calendar year's cap
        room = np.maximum(cap - self.licensed, 0.0)
        legal_ask = np.where(allowed > 0.5, np.minimum(cn_orders, room), 0.0)
        legal_ask[ASCEND] = 0.0
        # capacity: US labs, licensed Chinese orders and the rest of the world share the dies
        die = spec["die_units"]
        lab_dies = rules.total((us_orders + legal_ask) * die)
        row_dies = p("world.nvidia.rest_of_world_share") * self.capacity
        available = np.maximum(self.capacity - row_dies, 0.0)
        fill = rules.ration(lab_dies, available)
        legal_shipped = legal_ask * fill
        self.licensed = self.licensed + legal_shipped
        legal_in = legal_shipped * (1.0 - block)
        # smuggling: what the rules did not let through leaks from the world's output of that type
        # assumption: the rest of the world's dies split evenly between H200 and Blackwell
        world_out = us_orders * fill + row_dies * np.where(US_BUYS, 0.5, 0.0)[:, None] / die
        leak = rules.smuggling_capacity(p("world.nvidia.smuggling_leak"), enforcement, world_out)
        unmet = np.maximum(cn_orders - legal_ask, 0.0)
        unmet[ASCEND] = 0.0
        smuggled = np.minimum(unmet, leak) * (1.0 - block)

        price = spec["price_kusd"] * self.price_multiplier
        price_legal = price * (1.0 + fee)
        price_smuggled = price * (1.0 + p("world.nvidia.smuggling_premium"))
        self.received, self.paid = {}, {}
        with np.errstate(divide="ignore", invalid="ignore"):
            share_legal = np.where(cn_orders > 0, legal_in / cn_orders, 0.0)
            share_smug = np.where(cn_orders > 0, smuggled / cn_orders, 0.0)
        for lab in us_labs:
            got = lab.orders * fill
            got[ASCEND] = 0.0
            self.received[lab.key] = got
            self.paid[lab.key] = rules.total(got * price) * 1e-6
        for lab in cn_labs:
            legal = lab.orders * share_legal
            smug = lab.orders * share_smug
            self.received[lab.key] = legal + smug
            self.paid[lab.key] = rules.total(legal * price_legal + smug * price_smuggled) * 1e-6
        self.imports_legal = rules.total(legal_in * spec["h100e"])
        self.imports_smuggled = rules.total(smuggled * spec["h100e"])
        h20 = CHIP_TYPES.index("h20")
        self.imports_h20_units = legal_in[h20] + smuggled[h20]
        # what buyers learn for next month: how much of an order arrived, by channel
        with np.errstate(divide="ignore", invalid="ignore"):
            got_smug = np.where(unmet > 0, np.minimum(unmet, leak) / unmet, self.fill_smuggled)
        got_legal = np.broadcast_to(fill, (K, r))
        self.fill_us = m.learn(self.fill_us, fill)
        self.fill_legal = m.learn(self.fill_legal, got_legal)
        self.fill_smuggled = m.learn(self.fill_smuggled, got_smug)
        demand_dies = rules.total((us_orders + legal_ask) * die) + row_dies
        self.price_multiplier = rules.tatonnement(
            self.price_multiplier, demand_dies, self.capacity, p("world.nvidia.price_response")
        )
