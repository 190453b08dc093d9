"""RaceModel: the US-China AI race as a compute economy, stepping R Monte Carlo runs at once.

One model instance holds a block of runs (run indices ``run_start .. run_start + n_runs - 1``);
every agent's state is an array over those runs. A run's numbers depend only on the seed and its
run index (see `sim.model.sampling`), never on how many runs share the instance.

Each month (:meth:`RaceModel.step`) runs these phases, in this order. Within a phase the agents
act in a fixed order: US then China; Nvidia then Huawei; labs in scenario order.

1. policy: the month's scheduled policy is read (`PolicyView`); `Nation.apply_policy` (US, China)
   applies each nation's reactive rule;
2. supply: `ChipMaker.produce` (Nvidia capacity, Huawei output), then `Nation.build` (grids
   connect power from their queues);
3. plan: `Lab.plan` splits budgets between chips, power and researchers and places orders;
4. market: `ChipMaker.sell` clears orders under the export terms (caps, fees, customs,
   smuggling; `sim.model.rules.export_terms`), then rations;
5. train: `Lab.train` installs chips up to their power, trains, improves algorithmic efficiency;
6. finance: `Lab.finance`: revenue, funding and pledges update capital;
7. migration: `Nation.migrate` (outflows), then `Nation.settle` (pools and hiring);
8. record: the aggregates are written once and every outcome of `sim.outcomes` is recorded.

Agents read parameters through typed views built once per model (`world`: the scenario's world
with this block's draws; `chips`: the chip table) and policy through `PolicyView`, built once per
month (`sim.model.views`).
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
from mesa.agent import AgentSet

from sim.errors import ModelError
from sim.model import rules
from sim.model.agents import US, China, Huawei, Lab, Nation, NationTotals, Nvidia
from sim.model.sampling import normals, sample_uncertainties
from sim.model.views import ChipTable, PolicyView, overlay
from sim.outcomes import RECORDED
from sim.scenario import Scenario, month_index, policy_schedule

#: Monthly series every run records, with units (declared in `sim.outcomes`). Flows are per month
#: here; per year in summaries.
SERIES: dict[str, str] = {o.name: o.series_unit for o in RECORDED}


class RaceModel(mesa.Model):
    """The ensemble model (see the module docstring for the step order).

    Args:
        params: a validated scenario (`sim.scenario.Scenario`).
        run_start: index of the first run this instance holds.
        n_runs: number of runs it holds.
        seed: overrides `params.run.seed` when given.
        draws: parameter values to use instead of sampling, {dotted path: values (n_runs,)}
            (sensitivity designs, calibration); paths must be declared in `uncertainties:`.
    """

    def __init__(
        self,
        params: Scenario,
        run_start: int = 0,
        n_runs: int | None = None,
        seed: int | None = None,
        draws: dict[str, np.ndarray] | None = None,
    ):
        self.seed_value = params.run.seed if seed is None else int(seed)
        super().__init__(rng=self.seed_value)
        self.params = params
        self.run_start = int(run_start)
        self.n_runs = int(params.run.runs if n_runs is None else n_runs)
        self.start = month_index(params.run.start)
        self.n_months = params.n_months
        self.t = 0
        self.month = self.start

        self.draws = sample_uncertainties(
            params.uncertainties, self.seed_value, self.run_start, self.n_runs
        )
        for path, values in (draws or {}).items():
            if path not in self.draws:
                raise KeyError(f"{path} is not declared in the scenario's uncertainties")
            self.draws[path] = np.broadcast_to(np.asarray(values, dtype=float), (self.n_runs,)).copy()
        #: the scenario's world with this block's draws: a float, or an array (R,) when uncertain
        self.world = overlay(
            params.world,
            {k.removeprefix("world."): v for k, v in self.draws.items() if k.startswith("world.")},
        )
        #: the chip catalogue as arrays (K, R)
        self.chips = ChipTable.build(self.world.chips, self.n_runs)
        self._policy_by_month = self._policy_schedule()
        #: the scheduled policy of the current month, before reactive rules (set in phase 1)
        self._policy_state = self.policy_at(self.start)
        self.policy = PolicyView.read(self._policy_state, self.chips.nvidia_types, self.n_runs)
        self._set_perf()
        #: frontier capability of each nation and the best open-weight algorithms at the end of
        #: every month so far (row 0: the start) [log10], (months + 1, R); for imitation delays
        self.paths = {key: np.zeros((self.n_months + 1, self.n_runs)) for key in ("us", "china", "open")}

        self.history: dict[str, list[np.ndarray]] = {name: [] for name in SERIES}
        #: the best capability of any lab, and of any open-weight lab's algorithms, at the end of
        #: last month [log10 effective FLOP], [log10] (R,); written by `_aggregate`
        self.leader_capability = np.zeros(self.n_runs)
        self.open_algo = np.zeros(self.n_runs)
        self._memo: dict[tuple, Any] = {}
        self._memo_month = -1

        self.us = US(self)
        self.china = China(self)
        self.us.other, self.china.other = self.china, self.us
        self.nations: dict[str, Nation] = {n.key: n for n in (self.us, self.china)}
        self.nvidia = Nvidia(self)
        self.huawei = Huawei(self)
        self.makers = {m.key: m for m in (self.nvidia, self.huawei)}
        self.labs = [
            Lab(self, key, spec.nation, spec.open_weights) for key, spec in params.world.labs.items()
        ]
        for nation in self.nations.values():
            nation.labs = [lab for lab in self.labs if lab.nation == nation.key]
        # activation order within a phase: US then China; Nvidia then Huawei; labs in scenario order
        self._nation_set = AgentSet(list(self.nations.values()), random=self.random)
        self._maker_set = AgentSet(list(self.makers.values()), random=self.random)
        self._lab_set = AgentSet(self.labs, random=self.random)
        self._start_capabilities()
        self._stepping = False
        self._aggregate()
        self._stepping = True

    # ------------------------------------------------------------------ policy
    def _policy_schedule(self) -> list[dict[str, Any]]:
        """The flat policy state for every simulated month (`sim.scenario.policy_schedule`)."""
        uncertain = {k: v for k, v in self.draws.items() if k.startswith("policy.")}
        return policy_schedule(self.params, uncertain)

    def policy_at(self, month: int) -> dict[str, Any]:
        """Flat policy state in force at an absolute month index."""
        return self._policy_by_month[month - self.start]

    # ------------------------------------------------------------------ shared views
    @property
    def calendar_month(self) -> int:
        """Month of the year, 1-12."""
        return self.month % 12 + 1

    @property
    def t_since_2025(self) -> int:
        """Months since 2025-01 (the date the world's *_2025 figures refer to)."""
        return self.month - month_index("2025-01")

    def shock(self, name: str) -> np.ndarray:
        """This month's standard-normal shock of a named stream, per run."""
        return normals(self.seed_value, name, self.run_start, self.n_runs, self.month)

    def labs_of(self, nation: str) -> list[Lab]:
        """The labs of a nation ("us" or "china"), in scenario order."""
        return self.nations[nation].labs

    def offer(self, buyer: Nation) -> tuple[np.ndarray, np.ndarray]:
        """Price [thousand USD/chip] and expected fill [0-1] per chip type for a nation's buyers."""
        p_nv, f_nv = self.nvidia.quote(buyer)
        p_hw, f_hw = self.huawei.quote(buyer)
        made_by_nv = np.isfinite(p_nv)
        return np.where(made_by_nv, p_nv, p_hw), np.where(made_by_nv, f_nv, f_hw)

    def learn(self, expected: np.ndarray, observed: np.ndarray) -> np.ndarray:
        """Update an expectation toward this month's observation (exponential average)."""
        w = self.world.behaviour.learning_weight
        return (1.0 - w) * expected + w * observed

    def memo(self, key: tuple, compute: Any) -> Any:
        """This month's value of `compute()` under `key`, computed once and shared.

        Used where every agent of a kind would compute the same thing from the same inputs
        (the chip choice of a nation's labs); forgotten at the next month.
        """
        if self._memo_month != self.t:
            self._memo, self._memo_month = {}, self.t
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def deliveries(self, lab: Lab) -> tuple[np.ndarray, np.ndarray]:
        """Chips a lab received this month [chips by type] and what it paid [billion USD]."""
        got, paid = None, None
        for maker in self.makers.values():
            if lab.key in maker.received:
                g, p = maker.received[lab.key], maker.paid[lab.key]
                got, paid = (g, p) if got is None else (got + g, paid + p)
        if got is None:
            return np.zeros_like(lab.orders), np.zeros(self.n_runs)
        return got, paid

    def lag_now(self) -> np.ndarray:
        """The capability lag at the current month [months] (for reactive rules)."""
        us = np.maximum.accumulate(np.array(self.history["us_frontier_capability"]), axis=0)
        cn = np.maximum.accumulate(np.array(self.history["china_frontier_capability"]), axis=0)
        slope = self.world.science.us_frontier_growth_before_start / 12.0
        return rules.lag_at_end(us, cn, slope)

    def _set_perf(self) -> None:
        """This month's throughput of new chips, and what one chip of each type adds."""
        c = self.chips
        #: throughput of a chip made this month relative to the table's, by type [-], (K, R)
        self.perf = c.perf(self.t_since_2025)
        #: training H100e, serving H100e and kW one chip made this month adds, (K, 3, R)
        self.chip_weights = np.stack(
            [c.h100e * self.perf, c.inference_h100e * self.perf, c.kw_all_in], 1
        )

    def delayed_frontier(self, nation: Nation, months: Any) -> np.ndarray:
        """A nation's frontier capability `months` ago [log10 effective FLOP], (R,).

        Before the start the path is extended back at the US frontier's pre-start growth.
        """
        slope = self.world.science.us_frontier_growth_before_start / 12.0
        return self.memo(("delayed", nation.key), lambda: self._delayed(nation.key, months, slope))

    def delayed_open_algo(self, months: Any) -> np.ndarray:
        """The best open-weight lab's algorithmic efficiency `months` ago [log10], (R,).

        Before the start it is extended back at the reference rate of algorithmic progress.
        """
        slope = self.world.science.algo_rate
        return self.memo(("delayed", "open"), lambda: self._delayed("open", months, slope))

    def _delayed(self, key: str, months: Any, slope_per_month: Any) -> np.ndarray:
        # the level `months` before the end of last month (row t), interpolated between months
        path = self.paths[key]
        row = self.t - np.broadcast_to(np.asarray(months, dtype=float), (self.n_runs,))
        runs = np.arange(self.n_runs)
        low = np.clip(np.floor(row), 0, self.t).astype(int)
        high = np.minimum(low + 1, self.t)
        frac = np.clip(row - low, 0.0, 1.0)
        with np.errstate(invalid="ignore"):  # -inf paths (no open-weight lab) stay -inf
            value = np.where(
                frac > 0, path[low, runs] + frac * (path[high, runs] - path[low, runs]), path[low, runs]
            )
        return np.where(row < 0, path[0] + np.asarray(slope_per_month) * row, value)

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """Advance every run by one month (phases 1-8 of the module docstring)."""
        nations, makers, labs = self._nation_set, self._maker_set, self._lab_set
        state = self.policy_at(self.month)
        if not _same_state(state, self._policy_state):  # most months change no lever
            self.policy = PolicyView.read(state, self.chips.nvidia_types, self.n_runs)
            self._policy_state = state
        self._set_perf()
        nations.do("apply_policy")  # 1
        makers.do("produce")  # 2
        nations.do("build")
        labs.do("plan")  # 3
        makers.do("sell")  # 4
        labs.do("train")  # 5
        labs.do("finance")  # 6
        nations.do("migrate")  # 7
        nations.do("settle")
        self._aggregate()  # 8
        self._record()
        self.t += 1
        self.month += 1

    def run(self) -> dict[str, np.ndarray]:
        """Step through the horizon and return the outcome series, shape (months, runs)."""
        for _ in range(self.n_months):
            self.step()
        return self.series()

    def _start_capabilities(self) -> None:
        """Each lab's capability at the start, its distillation uplift capped by its teacher.

        The teacher is the other nation's best lab before any uplift, as it was
        `imitation_delay_months` before the start (its path extended back at the US frontier's
        pre-start growth).
        """
        s = self.world.science
        before = {
            key: np.max([lab.capability for lab in nation.labs], axis=0)
            - s.us_frontier_growth_before_start / 12.0 * np.asarray(s.imitation_delay_months, float)
            for key, nation in self.nations.items()
        }
        for lab in self.labs:
            lab.start_capability(before[lab.home.other.key])

    def _aggregate(self) -> None:
        """Aggregates the next month's decisions read (written once, after all agents acted)."""
        for nation in self.nations.values():
            labs = nation.labs
            nation.totals = NationTotals(
                frontier=np.max([lab.capability for lab in labs], axis=0),
                installed_h100e=sum(lab.train_h100e for lab in labs),
                deployed_h100e=sum(lab.deployed for lab in labs),
                power_gw=sum(lab.power_gw for lab in labs),
            )
        self.leader_capability = np.maximum(self.us.totals.frontier, self.china.totals.frontier)
        open_labs = [lab.algo for lab in self.labs if lab.open_weights]
        self.open_algo = np.max(open_labs, axis=0) if open_labs else np.full(self.n_runs, -np.inf)
        row = self.t + 1 if self._stepping else 0
        self.paths["us"][row] = self.us.totals.frontier
        self.paths["china"][row] = self.china.totals.frontier
        self.paths["open"][row] = self.open_algo
        self.china.imports_h100e = self.nvidia.imports_legal + self.nvidia.imports_smuggled
        self.china.domestic_h100e = self.huawei.sold_h100e

    def _record(self) -> None:
        """Append this month's value of every recorded outcome (`sim.outcomes.RECORDED`)."""
        for outcome in RECORDED:
            values = outcome.record(self)
            if not np.all(np.isfinite(values)):
                bad = int(np.flatnonzero(~np.isfinite(values))[0])
                raise ModelError(
                    f"{outcome.name} became non-finite in month {self.t} of run "
                    f"{self.run_start + bad}{self._drawn_in(bad)} (fix: check those values and "
                    "the fields set by the scenario and --set)"
                )
            self.history[outcome.name].append(values)

    def _drawn_in(self, run: int) -> str:
        """', with PATH=VALUE, ...': the uncertain parameters' values in one run of this block."""
        if not self.draws:
            return ""
        shown = ", ".join(f"{path}={float(v[run]):.6g}" for path, v in sorted(self.draws.items()))
        return f", with {shown}"

    def series(self) -> dict[str, np.ndarray]:
        """Outcome series recorded so far, shape (months, runs), plus the capability lag."""
        out = {name: np.asarray(values, dtype=float) for name, values in self.history.items()}
        slope = self.world.science.us_frontier_growth_before_start / 12.0
        out["capability_lag_months"] = rules.capability_lag(
            out["us_frontier_capability"], out["china_frontier_capability"], slope
        )
        return out


def _same_state(state: dict[str, Any], before: dict[str, Any]) -> bool:
    """Whether two months of `policy_schedule` hold the same values (the same objects or numbers).

    The month's `PolicyView` is then reused: it is immutable (reactive rules make new views).
    """
    if state is before:
        return True
    if state.keys() != before.keys():
        return False
    for key, value in state.items():
        other = before[key]
        if value is other:
            continue
        if isinstance(value, np.ndarray) or isinstance(other, np.ndarray):
            return False
        if not (value == other or (value != value and other != other)):  # NaN equals NaN here
            return False
    return True
