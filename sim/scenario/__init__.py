"""The scenario schema, loading, `extends:` and `--set` overrides.

A scenario is YAML validated by strict pydantic models: unknown keys are errors, every field has a
unit and a description, and every default value has its source next to it (an S-id from
SOURCES.md, a P-id from PRIORS.md, "calibrated", or "assumption").

Roles are kept apart, as EMA Workbench does: `run:` (horizon, runs, seed), `world:` (the world as it
stood at the start), `history:` (dated past policy events every scenario shares), `policy:` (the
levers under study, in force from `policy.effective`), `timeline:` (further dated policy events) and
`uncertainties:` (per-parameter distributions keyed by dotted path).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.dotted import apply_paths, deep_merge, flatten
from sim.errors import ScenarioError

# --------------------------------------------------------------------------- shared types

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]

NVIDIA_TYPES: tuple[str, ...] = ("h20", "h200", "b30a", "blackwell")
CHIP_TYPES: tuple[str, ...] = (*NVIDIA_TYPES, "ascend")
NATIONS: tuple[str, ...] = ("us", "china")

_YM = re.compile(r"^(\d{4})-(\d{2})$")


def parse_year_month(value: Any) -> str:
    """Normalise a month given as 'YYYY-MM' (or a YAML date) to 'YYYY-MM'."""
    if hasattr(value, "year") and hasattr(value, "month"):
        return f"{value.year:04d}-{value.month:02d}"
    if not isinstance(value, str):
        raise ValueError(f"expected a month as 'YYYY-MM' in quotes or not, got {value!r}")
    m = _YM.match(value.strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or not 1900 <= int(m.group(1)) <= 2200:
        raise ValueError(f"{value!r} is not a month; write it as 'YYYY-MM', e.g. '2026-01'")
    return value.strip()


def month_index(ym: str) -> int:
    """Months since year 0 of a 'YYYY-MM' string (so differences are month counts)."""
    year, month = ym.split("-")
    return int(year) * 12 + int(month) - 1


def month_label(index: int) -> str:
    """Inverse of :func:`month_index`."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class YearMonthField(str):
    """Pydantic-compatible 'YYYY-MM' string."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):  # noqa: D105
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            parse_year_month,
            json_schema_input_schema=core_schema.str_schema(pattern=r"^\d{4}-\d{2}$"),
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )


YearMonth = Annotated[str, YearMonthField]


class Strict(BaseModel):
    """Base of every block: frozen, unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- run settings


class RunSettings(Strict):
    """How the ensemble is run; kept apart from the model."""

    start: YearMonth = Field("2025-01", description="First simulated month [YYYY-MM].")
    end: YearMonth = Field("2030-12", description="Last simulated month, inclusive [YYYY-MM].")
    runs: int = Field(1000, ge=1, le=10_000_000, description="Monte Carlo runs [count].")
    seed: int = Field(20250101, ge=0, description="The one seed every random number derives from.")

    @model_validator(mode="after")
    def _end_after_start(self) -> RunSettings:
        if month_index(self.end) < month_index(self.start):
            raise ValueError(f"run.end ({self.end}) is before run.start ({self.start}); swap them")
        if month_index(self.end) - month_index(self.start) > 12 * 40:
            raise ValueError("the horizon is longer than 40 years; shorten run.end")
        return self


# --------------------------------------------------------------------------- world


class ChipSpec(Strict):
    """One accelerator type."""

    maker: Literal["nvidia", "huawei"] = Field(description="Who makes it.")
    h100e: Positive = Field(
        description="Dense BF16 training throughput relative to an H100 [H100e/chip]."
    )
    inference_h100e: Positive = Field(
        description="Serving throughput relative to an H100, memory bandwidth included [H100e/chip]."
    )
    kw_all_in: Positive = Field(description="Facility power per chip, IT + cooling [kW/chip].")
    price_kusd: Positive = Field(description="List price [thousand USD/chip].")
    die_units: Positive = Field(
        description="Maker capacity one chip uses, in units of one Hopper-class die [die units/chip]."
    )
    china_only: bool = Field(
        False,
        description="A part made for the Chinese market under the export rules (H20, B30A): "
        "US labs do not buy it.",
    )


def _default_chips() -> dict[str, ChipSpec]:
    """Chip specifications (P1–P7, P15), in catalogue order."""
    return {
        # h20: P3: 148 TFLOPS = 0.15 H100e, ~400 W; 4.0 TB/s makes it strong for inference
        # (0.6: assumption); x1.5 all-in as P15's Colossus ratio; price: assumption
        # (press reports of USD 12k); uses a full Hopper die.
        "h20": ChipSpec(
            maker="nvidia",
            h100e=0.15,
            inference_h100e=0.6,
            kw_all_in=0.6,
            price_kusd=12.0,
            die_units=1.0,
            china_only=True,
        ),
        # h200: P2: same compute as H100, better for inference (141 GB, 4.8 TB/s -> 1.3: assumption);
        # P15: ~1.5 kW per chip at facility level (Colossus); price: assumption (press reports
        # of USD 30-35k). Also stands for the H100/H800 installed base.
        "h200": ChipSpec(
            maker="nvidia",
            h100e=1.0,
            inference_h100e=1.3,
            kw_all_in=1.5,
            price_kusd=32.0,
            die_units=1.0,
        ),
        # b30a: P5: half a B300 = 1.1 H100e, USD 22.5k; power: half of P15's 2.1 kW plus
        # overhead (assumption)
        "b30a": ChipSpec(
            maker="nvidia",
            h100e=1.1,
            inference_h100e=1.2,
            kw_all_in=1.1,
            price_kusd=22.5,
            die_units=1.0,
            china_only=True,
        ),
        # blackwell: P4: 2.3 H100e; P15: 2.0-2.2 kW all-in for GB200/GB300; P5: USD 45k (B300); two dies.
        "blackwell": ChipSpec(
            maker="nvidia",
            h100e=2.3,
            inference_h100e=2.5,
            kw_all_in=2.1,
            price_kusd=45.0,
            die_units=2.0,
        ),
        # ascend: P6: 910C ~0.8 H100e, ~60% of an H100 in inference; P7: CloudMatrix 559 kW / 384
        # chips = 1.46 kW IT, x1.15 PUE; price: assumption (press reports of USD 25-28k);
        # two dies per package (P13).
        "ascend": ChipSpec(
            maker="huawei",
            h100e=0.8,
            inference_h100e=0.6,
            kw_all_in=1.7,
            price_kusd=25.0,
            die_units=2.0,
        ),
    }


class NvidiaWorld(Strict):
    """Nvidia's supply side."""

    capacity_2025: Positive = Field(
        # P30: FY2026 data-centre revenue ~USD 194B; at ~USD 28k per die unit that is ~7M die units
        # a year; a start of 0.55M/month grows into it (derived, assumption on the mix).
        550_000.0,
        description="Production capacity at the start month [die units/month].",
    )
    capacity_growth: NonNegative = Field(
        0.5, description="Capacity growth [fraction/year] (P30 revenue growth; assumption)."
    )
    rest_of_world_share: Probability = Field(
        0.35,
        description="Share of capacity bought by clouds outside the two nations' labs "
        "[fraction] (assumption).",
    )
    price_response: NonNegative = Field(
        0.08,
        description="Price change per unit of excess demand each month [fraction/month] (assumption).",
    )
    smuggling_leak: Probability = Field(
        0.02,
        description="Share of Nvidia's monthly output of a type that can be diverted to China "
        "with no enforcement [fraction] (assumption; the baseline draws it from its uncertainties).",
    )
    smuggling_premium: NonNegative = Field(
        0.5, description="Extra price paid for a smuggled chip [fraction of list] (assumption)."
    )


class HuaweiWorld(Strict):
    """Huawei/SMIC domestic supply (P12–P14)."""

    wafers_2025: Positive = Field(
        # P12: SMIC ~45k advanced wafers/month at end-2025; the share that goes to Ascend is
        # fitted so that 2026 output stays below 445,000 chips (S3).
        1_600.0,
        description="Advanced-node wafers a month for Ascend dies at the start [wafers/month] "
        "(calibrated on S3 in calibration/calibrated.yaml; this default is the uncalibrated value).",
    )
    wafer_growth: NonNegative = Field(
        0.33, description="Wafer growth [fraction/year] (P12: 45k -> 60k -> 80k)."
    )
    dies_per_wafer: Positive = Field(
        60.0, description="Candidate Ascend dies per wafer [dies/wafer] (assumption: ~665 mm² die)."
    )
    yield_start: Probability = Field(0.3, description="Die yield at the start [fraction] (P12).")
    yield_max: Probability = Field(0.6, description="Yield target approached [fraction] (P12).")
    yield_halflife_months: Positive = Field(
        12.0, description="Months to close half the yield gap [months] (assumption on P12's pace)."
    )
    hbm_stock_packages: NonNegative = Field(
        1_600_000.0,
        description="HBM stacks stockpiled before the Dec 2024 control, in packages [chips] (P13).",
    )
    hbm_domestic_start: YearMonth = Field(
        "2026-10", description="Huawei's own HBM arrives [YYYY-MM] (P14: 950DT in Q4 2026)."
    )
    hbm_domestic_per_month: NonNegative = Field(
        30_000.0,
        description="Packages a month that domestic HBM supports once it arrives [chips/month] "
        "(assumption).",
    )


class NationWorld(Strict):
    """A nation's grid, talent pool and costs."""

    ai_power_build_gw: Positive = Field(
        description="AI data-centre power the grid can connect at the start [GW/month]."
    )
    ai_power_build_growth: NonNegative = Field(
        description="Growth of that connection rate [fraction/year]."
    )
    construction_months: Positive = Field(
        6.0,
        description="Months to build a data-centre project once queued; a month finishes at most "
        "1/this of a lab's queue [months] (assumption; S21: xAI built Colossus in 122 days).",
    )
    power_capex_busd_per_gw: Positive = Field(
        29.0, description="Facility capex, chips excluded [billion USD/GW] (P19)."
    )
    researchers: Positive = Field(description="Top-tier AI researchers working in the nation [head].")
    researcher_cost_musd: Positive = Field(
        description="All-in cost of one top-tier researcher [million USD/year]."
    )
    foreign_share: Probability = Field(
        0.0, description="Share of hires that need a work visa [fraction]."
    )
    researcher_growth: float = Field(
        0.0,
        ge=-0.5,
        le=1.0,
        description="Growth of the home-grown top-tier pool [fraction/year].",
    )
    idle_regional_h100e: NonNegative = Field(
        0.0,
        description="Compute in regional data centres outside the labs that a national network "
        "could pool [H100e].",
    )


class LabSpec(Strict):
    """One AI firm (or the aggregate of the rest of a nation) at the start month."""

    nation: Literal["us", "china"] = Field(description="Where the lab trains.")
    open_weights: bool = Field(False, description="Releases open-weight models (S30).")
    capital_busd: NonNegative = Field(description="Money on hand for AI at the start [billion USD].")
    funding_busd_per_year: NonNegative = Field(
        description="New money from owners, capex budgets and investors [billion USD/year]."
    )
    funding_growth: float = Field(0.0, ge=-0.5, le=3.0, description="Growth of funding [fraction/year].")
    revenue_busd_per_year: NonNegative = Field(description="Annualised revenue [billion USD/year].")
    revenue_growth: float = Field(
        0.5, ge=-0.5, le=5.0, description="Growth of revenue when compute allows [fraction/year]."
    )
    power_gw: NonNegative = Field(description="Power contracted and energised [GW].")
    installed_h100e: dict[str, NonNegative] = Field(
        description="Installed chips by type [H100e]; keys are chip types."
    )
    researchers: NonNegative = Field(description="Top-tier researchers employed [head].")
    algo_log10: float = Field(
        0.0,
        ge=-3.0,
        le=3.0,
        description="Algorithmic-efficiency multiplier at the start relative to the US leader [log10].",
    )
    pledge_upfront_busd: NonNegative = Field(
        0.0, description="Pledged money available at the start [billion USD] (S5 for Stargate)."
    )
    pledge_busd: NonNegative = Field(
        0.0, description="Further pledged money paid in evenly [billion USD] (S5 for Stargate)."
    )
    pledge_months: Annotated[int, Field(ge=1, le=240)] = Field(
        48, description="Months over which the pledge is paid [months] (S5: 4 years)."
    )
    pledge_realisation: Probability = Field(
        1.0, description="Share of pledges that materialises [fraction] (S9)."
    )

    @field_validator("installed_h100e")
    @classmethod
    def _known_chip_types(cls, value: dict[str, float]) -> dict[str, float]:
        for key in value:
            if key not in CHIP_TYPES:
                raise ValueError(f"unknown chip type {key!r}; use one of {', '.join(CHIP_TYPES)}")
        return value


def _default_labs() -> dict[str, LabSpec]:
    """The labs at 2025-01. Sources per figure; "assumption" where none is public."""
    us = "us"
    cn = "china"
    return {
        # P20: OpenAI compute power 0.6 GW (2024) -> 1.9 GW (2025); P29: ARR ~USD 6B end-2024;
        # S5: Stargate USD 100B at once and 500B over 4 years; funding besides Stargate: assumption.
        # revenue_growth: calibrated on S18 in calibration/calibrated.yaml (2.0 is uncalibrated).
        "openai": LabSpec(
            nation=us,
            capital_busd=10,
            funding_busd_per_year=15,
            funding_growth=0.3,
            revenue_busd_per_year=6,
            revenue_growth=2.0,
            power_gw=0.6,
            installed_h100e={"h200": 300_000, "blackwell": 60_000},
            researchers=600,
            pledge_upfront_busd=100,
            pledge_busd=400,
            pledge_months=48,
        ),
        # S21/S22: Colossus 100k GPUs (2024), USD 12B raised, 5B debt, 2B SpaceX; P20: 368 MW mid-2025.
        "xai": LabSpec(
            nation=us,
            capital_busd=6,
            funding_busd_per_year=19,
            funding_growth=0.3,
            revenue_busd_per_year=0.5,
            revenue_growth=1.5,
            power_gw=0.15,
            installed_h100e={"h200": 100_000},
            researchers=200,
        ),
        # P27: Meta capex ~USD 71B (2025), S25: +70% after DeepSeek; P20: 319 MW largest site.
        "meta": LabSpec(
            nation=us,
            open_weights=True,
            capital_busd=20,
            funding_busd_per_year=45,
            funding_growth=0.3,
            revenue_busd_per_year=2,
            revenue_growth=0.8,
            power_gw=0.5,
            installed_h100e={"h200": 330_000},
            researchers=500,
        ),
        # P27: Alphabet capex ~USD 92B (2025); P20: 927 MW largest site; TPUs counted as H100e.
        "google_deepmind": LabSpec(
            nation=us,
            capital_busd=20,
            funding_busd_per_year=55,
            funding_growth=0.3,
            revenue_busd_per_year=4,
            revenue_growth=1.0,
            power_gw=0.9,
            installed_h100e={"h200": 550_000, "blackwell": 20_000},
            researchers=900,
        ),
        # P29: run-rate ~USD 1B (end-2024) -> 9B (end-2025); P20: 819 MW mid-2025; P21.
        "anthropic": LabSpec(
            nation=us,
            capital_busd=8,
            funding_busd_per_year=15,
            funding_growth=0.5,
            revenue_busd_per_year=1,
            revenue_growth=2.5,
            power_gw=0.3,
            installed_h100e={"h200": 200_000},
            researchers=350,
        ),
        # Rest of US AI training (Microsoft, Amazon in-house, others): P27 big-4 capex remainder
        # attributed to training; assumption.
        "us_other": LabSpec(
            nation=us,
            capital_busd=20,
            funding_busd_per_year=40,
            funding_growth=0.2,
            revenue_busd_per_year=5,
            revenue_growth=0.6,
            power_gw=0.8,
            installed_h100e={"h200": 530_000},
            researchers=1400,
        ),
        # S23: > USD 500M of hardware (~50k Hopper, SemiAnalysis); S16/P34 talent; P26.
        "deepseek": LabSpec(
            nation=cn,
            open_weights=True,
            capital_busd=1.0,
            funding_busd_per_year=1.5,
            funding_growth=0.5,
            revenue_busd_per_year=0.1,
            revenue_growth=1.0,
            power_gw=0.07,
            installed_h100e={"h200": 30_000, "h20": 4_500},
            researchers=150,
            algo_log10=0.0,
        ),
        # P28: Alibaba ~RMB 120B (USD 17B) capex a year; S18: Alibaba Cloud USD 22B revenue (the
        # AI share of it is what this lab counts: assumption 20%); S30: Qwen open weights.
        # revenue_growth: calibrated on S18 in calibration/calibrated.yaml (0.6 is uncalibrated).
        "alibaba": LabSpec(
            nation=cn,
            open_weights=True,
            capital_busd=5,
            funding_busd_per_year=12,
            funding_growth=0.3,
            revenue_busd_per_year=3,
            revenue_growth=0.6,
            power_gw=0.15,
            installed_h100e={"h200": 60_000, "h20": 20_000, "ascend": 8_000},
            researchers=300,
        ),
        # P28: ByteDance ~RMB 150B (USD 21B) capex 2025.
        "bytedance": LabSpec(
            nation=cn,
            capital_busd=6,
            funding_busd_per_year=15,
            funding_growth=0.3,
            revenue_busd_per_year=2,
            revenue_growth=0.8,
            power_gw=0.2,
            installed_h100e={"h200": 80_000, "h20": 30_000, "ascend": 8_000},
            researchers=300,
        ),
        # Rest of China (Tencent, Baidu, Moonshot, Zhipu, MiniMax, state labs): P28; assumption.
        "china_other": LabSpec(
            nation=cn,
            capital_busd=6,
            funding_busd_per_year=14,
            funding_growth=0.3,
            revenue_busd_per_year=2,
            revenue_growth=0.6,
            power_gw=0.25,
            installed_h100e={"h200": 90_000, "h20": 40_000, "ascend": 20_000},
            researchers=900,
        ),
    }


class Science(Strict):
    """How compute, talent and distillation become capability."""

    flop_per_h100e_s: Positive = Field(989e12, description="Dense BF16 peak [FLOP/s/H100e] (P1).")
    utilisation: Probability = Field(
        0.4, description="Model FLOP utilisation of a training run [fraction] (assumption)."
    )
    run_months: Positive = Field(
        4.0, description="Effective length of a frontier training run [months] (assumption)."
    )
    frontier_share: Probability = Field(
        0.2,
        description="Share of deployed compute a lab puts on its frontier run when level with the "
        "leader [fraction] (assumption; P25 gives hardware 47-67% of development cost).",
    )
    catch_up_push: NonNegative = Field(
        0.3,
        description="Extra frontier share per log10 of capability behind the leader [1/log10] "
        "(assumption).",
    )
    chip_life_months: Positive = Field(
        60.0, description="Mean service life of an accelerator [months] (assumption, 5 years)."
    )
    algo_rate: NonNegative = Field(
        0.0376,
        description="Algorithmic progress of a reference lab [log10/month] "
        "(P23: halving every 8 months = log10(2)/8).",
    )
    talent_elasticity: NonNegative = Field(
        0.3, description="Elasticity of algorithmic progress in researchers [-] (prior)."
    )
    compute_elasticity: NonNegative = Field(
        0.2, description="Elasticity of algorithmic progress in experiment compute [-] (prior)."
    )
    reference_researchers: Positive = Field(
        600.0, description="Researchers of the reference lab [head] (the US leader at the start)."
    )
    reference_h100e: Positive = Field(
        400_000.0, description="Deployed compute of the reference lab [H100e] (start, P20)."
    )
    algo_shock_sd: NonNegative = Field(
        0.3,
        description="Month-to-month noise of algorithmic progress, as a share of the mean step "
        "[-] (assumption).",
    )
    distill_rate: NonNegative = Field(
        0.06,
        description="Share of the capability gap to the global leader a lab behind closes each "
        "month by distillation [1/month] (S14; assumption, the baseline draws it over 0.03-0.10).",
    )
    open_spill_rate: NonNegative = Field(
        0.02,
        description="Share of the efficiency gap to the best open-weight model closed each month "
        "[1/month] (S30; assumption).",
    )
    china_algo_offset_log10: float = Field(
        -0.25,
        ge=-3.0,
        le=3.0,
        description="Effective-compute multiplier of Chinese labs at the start relative to their "
        "lab table (efficiency, frontier focus, software) [log10] (calibrated on S1 in "
        "calibration/calibrated.yaml; this default is the uncalibrated value).",
    )
    us_frontier_growth_before_start: Positive = Field(
        1.15,
        description="Growth of the US frontier before the start month, used for the lag "
        "[log10/year] (P22: ~5x compute/yr, P23: ~2.8x algorithms/yr).",
    )
    revenue_per_h100e_kusd: Positive = Field(
        40.0,
        description="Most annual revenue one deployed H100e can serve [thousand USD/year] "
        "(assumption; OpenAI ~USD 20B on ~1.2M H100e, S18/P20).",
    )


class Behaviour(Strict):
    """How labs split their budgets."""

    capital_draw: Probability = Field(
        0.12,
        description="Share of capital a lab spends each month [fraction/month] "
        "(calibrated on S5/S21 in calibration/calibrated.yaml; this default is the uncalibrated value).",
    )
    share_chips: Probability = Field(
        0.85,
        description="Share of the monthly budget for chips when unconstrained; the rest pays "
        "researchers; power is paid on delivery [fraction] (P25: hardware 47-67% vs staff "
        "29-49% of development cost; assumption for a lab that also serves).",
    )
    rationing_shift: Probability = Field(
        0.5,
        description="Share of the rationed chip money moved to talent and efficiency "
        "[fraction] (S12/S23).",
    )
    choice_temperature: Positive = Field(
        0.15,
        description="Spread of chip-type choice around the cheapest cost per H100e [-] "
        "(assumption; lower is pickier).",
    )
    learning_weight: Probability = Field(
        0.25,
        description="Weight of the newest month when buyers update the share of an order they "
        "expect to receive [fraction] (assumption; lower damps cobweb swings between chip types).",
    )
    inference_weight: Probability = Field(
        0.5,
        description="Weight of serving against training throughput when a lab values a chip "
        "[fraction] (calibrated on S20 in calibration/calibrated.yaml; this default is the "
        "uncalibrated value).",
    )
    revenue_reinvested: Probability = Field(
        0.5, description="Share of revenue that returns to the AI budget [fraction] (assumption)."
    )
    hiring_speed: Probability = Field(
        0.1, description="Share of the gap to the target head count closed a month [1/month]."
    )
    power_lookahead_months: Positive = Field(
        24.0,
        description="Construction horizon a lab keeps power projects under development for "
        "[months] (P18 lead times of 2-5 years, S21 shows faster is possible; calibrated on "
        "S5/S7 in calibration/calibrated.yaml).",
    )
    chip_lead_months: Positive = Field(
        3.0,
        description="Months of queued power a lab counts on when ordering chips [months] (assumption).",
    )


class Migration(Strict):
    """Researchers moving between the two nations (S15, S16, P32, P33)."""

    rate: Probability = Field(
        0.004,
        description="Share of a pool that moves a month at one unit of attractiveness gap "
        "[fraction/month] (assumption; P33: US share 59% -> 42% over 2019-2022).",
    )
    pay_gap_log: float = Field(0.7, description="US pay premium over China [log ratio] (assumption).")
    home_bias: NonNegative = Field(
        2.0,
        description="Attractiveness a researcher attaches to staying home [log units] "
        "(S16: more than half of DeepSeek R1's authors never left China; calibrated on S15/S16 "
        "in calibration/calibrated.yaml).",
    )
    visa_cost_scale_kusd: Positive = Field(
        300.0,
        description="Visa cost that cancels one log unit of attractiveness [thousand USD] (assumption).",
    )


def _us_nation() -> NationWorld:
    return NationWorld(
        # P17: US adds ~49-64 GW/yr of generation; P18: slow interconnection; AI share: calibrated
        # on S6/S10 (calibration/calibrated.yaml; 0.4 is the uncalibrated value).
        ai_power_build_gw=0.4,
        ai_power_build_growth=0.3,
        # P33: ~42% of top-tier researchers work in the US; pool: assumption.
        researchers=6_000,
        researcher_cost_musd=1.5,
        foreign_share=0.5,
        # P32: US share of top-tier undergraduates 20% -> 18% (2019-2022): slow home growth
        researcher_growth=0.03,
    )


def _china_nation() -> NationWorld:
    return NationWorld(
        # P17: China adds ~430-540 GW/yr; S10: more energy than the US every year since 2010.
        ai_power_build_gw=1.5,
        ai_power_build_growth=0.35,
        researchers=5_000,
        researcher_cost_musd=0.4,
        foreign_share=0.0,
        # P32: China's share of top-tier undergraduates 29% -> 47% (2019-2022); S15
        researcher_growth=0.10,
        # S26: thousands of regional data centres with idle capacity; size: assumption.
        idle_regional_h100e=150_000,
    )


class World(Strict):
    """The world as it stood at the start month."""

    chips: dict[str, ChipSpec] = Field(
        default_factory=_default_chips, description="Chip specifications keyed by chip type."
    )
    nvidia: NvidiaWorld = Field(default_factory=NvidiaWorld, description="Nvidia's supply.")
    huawei: HuaweiWorld = Field(default_factory=HuaweiWorld, description="Huawei/SMIC supply.")
    us: NationWorld = Field(default_factory=_us_nation, description="The United States.")
    china: NationWorld = Field(default_factory=_china_nation, description="China.")
    labs: dict[str, LabSpec] = Field(
        default_factory=_default_labs, description="AI labs keyed by a short id."
    )
    science: Science = Field(default_factory=Science, description="Capability formation.")
    behaviour: Behaviour = Field(default_factory=Behaviour, description="Lab budget rules.")
    migration: Migration = Field(default_factory=Migration, description="Talent flows.")


# --------------------------------------------------------------------------- policy


class ExportRule(Strict):
    """US export rule for one Nvidia chip type to China."""

    allowed: bool = Field(True, description="Whether it may be sold to Chinese buyers.")
    cap_units: NonNegative | None = Field(
        None, description="Most units licensed per calendar year; null = no cap [chips/year]."
    )
    fee: NonNegative = Field(
        0.0, le=5.0, description="Licence fee or tariff on the price [fraction] (P9: 0.25)."
    )
    enforcement: Probability = Field(
        0.5,
        description="How well diversion is stopped: leakage = (1 - enforcement) x "
        "world.nvidia.smuggling_leak [0-1] (S27 location tracking raises it).",
    )


class USExport(Strict):
    """Export regime per chip type (default: no controls, as before 2022)."""

    h20: ExportRule = Field(default_factory=ExportRule, description="H20 rule.")
    h200: ExportRule = Field(default_factory=ExportRule, description="H200 rule.")
    b30a: ExportRule = Field(default_factory=ExportRule, description="B30A-class rule.")
    blackwell: ExportRule = Field(default_factory=ExportRule, description="Full Blackwell rule.")


class USPolicy(Strict):
    """US levers."""

    export: USExport = Field(default_factory=USExport, description="Chip export regime.")
    visa_fee_kusd: NonNegative = Field(
        0.0, description="Fee per foreign hire [thousand USD] (S17: 100)."
    )
    power_permitting: Positive = Field(
        1.0, le=5.0, description="Multiplier on the US AI power connection rate [-] (S27)."
    )
    tighten_below_lag_months: float | None = Field(
        None,
        description="Reactive rule: when the lag falls below this, all exports stop and "
        "enforcement becomes 0.9; null = off [months].",
    )


class ChinaCustoms(Strict):
    """Share of legal imports of each type that China's customs stop."""

    h20: Probability = Field(0.0, description="H20 blocked [fraction] (P35).")
    h200: Probability = Field(0.0, description="H200 blocked [fraction] (S4, P38).")
    b30a: Probability = Field(0.0, description="B30A blocked [fraction].")
    blackwell: Probability = Field(0.0, description="Blackwell blocked [fraction].")


class ChinaPolicy(Strict):
    """Chinese levers."""

    customs: ChinaCustoms = Field(default_factory=ChinaCustoms, description="Import blocks.")
    domestic_subsidy: Probability = Field(
        0.0,
        description="Share of a domestic chip's price and power the state pays [fraction] "
        "(P7: up to 50% of power bills).",
    )
    power_build: Positive = Field(
        1.0, le=5.0, description="Multiplier on China's AI power connection rate [-] (S10, S11)."
    )
    compute_network_date: YearMonth | None = Field(
        None, description="When the national compute network pools idle capacity [YYYY-MM] (S26)."
    )
    compute_network_share: Probability = Field(
        0.5,
        description="Share of idle regional capacity the network makes usable [fraction] (assumption).",
    )
    block_when_domestic_share: Probability | None = Field(
        None,
        description="Reactive rule: block all Nvidia imports once domestic chips are at least "
        "this share of China's purchases; null = off [fraction].",
    )


class PolicyState(Strict):
    """The full policy state at one month."""

    us: USPolicy = Field(default_factory=USPolicy, description="US policy.")
    china: ChinaPolicy = Field(default_factory=ChinaPolicy, description="Chinese policy.")


class PolicyBlock(PolicyState):
    """The policy under study: the fields given here take effect at `effective`."""

    effective: YearMonth = Field("2026-01", description="When the policy takes effect [YYYY-MM].")


class PolicyEvent(Strict):
    """A dated change to the policy state."""

    date: YearMonth = Field(description="Month it takes effect [YYYY-MM].")
    note: str = Field("", description="What happened.")
    sources: list[str] = Field(default_factory=list, description="Source ids (S…, P…).")
    set: dict[str, Any] = Field(
        description="Policy fields to change, as dotted paths under policy (e.g. us.export.h20.allowed)."
    )

    @field_validator("set")
    @classmethod
    def _paths_exist(cls, value: dict[str, Any]) -> dict[str, Any]:
        if not value:
            raise ValueError("an event must set at least one field")
        updates = {}
        for path, v in value.items():
            rel = path.removeprefix("policy.")
            _check_path(PolicyState, rel.split("."), f"policy.{rel}")
            updates[rel] = v
        # validate the values by applying them to a default policy state
        PolicyState.model_validate(apply_paths({}, updates))
        return updates


# --------------------------------------------------------------------------- uncertainties


class Uniform(Strict):
    """Uniform on [low, high]."""

    dist: Literal["uniform"] = Field(description="Distribution family.")
    low: float = Field(description="Lower bound [unit of the parameter].")
    high: float = Field(description="Upper bound [unit of the parameter].")

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.high > self.low:
            raise ValueError(f"high ({self.high}) must be above low ({self.low})")
        return self


class Normal(Strict):
    """Normal, optionally truncated to [low, high] by clipping."""

    dist: Literal["normal"] = Field(description="Distribution family.")
    mean: float = Field(description="Mean [unit of the parameter].")
    sd: Positive = Field(description="Standard deviation [unit of the parameter].")
    low: float | None = Field(None, description="Clip below [unit of the parameter].")
    high: float | None = Field(None, description="Clip above [unit of the parameter].")


class LogNormal(Strict):
    """Log-normal given by its median and the sd of its log."""

    dist: Literal["lognormal"] = Field(description="Distribution family.")
    median: Positive = Field(description="Median [unit of the parameter].")
    sigma: Positive = Field(description="Standard deviation of the natural log [-].")


class Triangular(Strict):
    """Triangular on [low, high] with its mode."""

    dist: Literal["triangular"] = Field(description="Distribution family.")
    low: float = Field(description="Lower bound [unit of the parameter].")
    mode: float = Field(description="Most likely value [unit of the parameter].")
    high: float = Field(description="Upper bound [unit of the parameter].")

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.high > self.low):
            raise ValueError("need low <= mode <= high and high > low")
        return self


class Fixed(Strict):
    """A fixed value (switches an uncertainty off)."""

    dist: Literal["fixed"] = Field(description="Distribution family.")
    value: float = Field(description="The value [unit of the parameter].")


Distribution = Annotated[Uniform | Normal | LogNormal | Triangular | Fixed, Field(discriminator="dist")]


# --------------------------------------------------------------------------- scenario


class Scenario(Strict):
    """A scenario file."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra={"title": "sim scenario"})

    name: str = Field(description="Short name, used in results.")
    description: str = Field("", description="What the scenario represents.")
    sources: list[str] = Field(default_factory=list, description="Source ids it rests on.")
    extends: str | None = Field(None, description="Scenario file this one builds on (relative path).")
    run: RunSettings = Field(default_factory=RunSettings, description="Ensemble settings.")
    world: World = Field(default_factory=World, description="The world at the start month.")
    history: list[PolicyEvent] = Field(
        default_factory=list, description="Past policy events every scenario shares."
    )
    policy: PolicyBlock = Field(
        default_factory=PolicyBlock, description="The policy under study and when it starts."
    )
    timeline: list[PolicyEvent] = Field(default_factory=list, description="Further dated policy events.")
    uncertainties: dict[str, Distribution] = Field(
        default_factory=dict,
        description="Distributions of uncertain parameters keyed by dotted path (world.… or policy.…).",
    )

    @field_validator("uncertainties")
    @classmethod
    def _uncertain_paths_numeric(cls, value: dict[str, Any]) -> dict[str, Any]:
        for path in value:
            parts = path.split(".")
            if parts[0] == "world":
                _check_path(World, parts[1:], path, numeric=True)
            elif parts[0] == "policy":
                _check_path(PolicyState, parts[1:], path, numeric=True)
            else:
                raise ValueError(f"uncertainty {path!r} must start with 'world.' or 'policy.'")
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> Scenario:
        for block in ("history", "timeline"):
            dates = [month_index(e.date) for e in getattr(self, block)]
            if dates != sorted(dates):
                raise ValueError(f"{block} events must be in date order; sort them by date")
        for path in self.uncertainties:
            if path.startswith("world.labs."):
                lab = path.split(".")[2]
                if lab not in self.world.labs:
                    raise ValueError(f"uncertainty {path!r} names lab {lab!r}, not in world.labs")
        return self

    # -- derived ------------------------------------------------------------------------------

    @property
    def n_months(self) -> int:
        """Number of simulated months."""
        return month_index(self.run.end) - month_index(self.run.start) + 1

    def policy_patch(self) -> dict[str, Any]:
        """The policy fields this scenario sets explicitly, as dotted paths (without 'effective')."""
        return {k: v for k, v in flatten(_explicit(self.policy)).items() if k != "effective"}


def _explicit(model: BaseModel) -> dict[str, Any]:
    """Nested dict of only the fields explicitly set on a pydantic model."""
    out: dict[str, Any] = {}
    for name in model.model_fields_set:
        value = getattr(model, name)
        out[name] = _explicit(value) if isinstance(value, BaseModel) else value
    return out


def _check_path(model: type[BaseModel], parts: list[str], full: str, numeric: bool = False) -> None:
    """Raise ValueError unless `parts` names a field under `model`."""
    from typing import get_args, get_origin

    current: Any = model
    for i, part in enumerate(parts):
        if isinstance(current, type) and issubclass(current, BaseModel):
            if part not in current.model_fields:
                choices = ", ".join(current.model_fields)
                raise ValueError(f"{full!r}: no field {part!r} here; choose one of {choices}")
            current = current.model_fields[part].annotation
        elif get_origin(current) is dict:
            current = get_args(current)[1]
            if full.startswith("world.labs.") and i == 1:
                pass  # lab ids are checked against world.labs by the scenario validator
            elif part not in CHIP_TYPES:
                raise ValueError(f"{full!r}: unknown chip type {part!r}; use one of {CHIP_TYPES}")
        else:
            raise ValueError(f"{full!r}: {'.'.join(parts[:i])!r} has no sub-fields")
        # unwrap Optional / Annotated
        args = [a for a in get_args(current) if a is not type(None)]
        if get_origin(current) is Annotated:
            current = get_args(current)[0]
        elif args and get_origin(current) is not dict and len(args) == 1:
            current = args[0]
    if numeric:
        base = current
        if get_origin(base) is Annotated:
            base = get_args(base)[0]
        if base not in (float, int):
            raise ValueError(f"{full!r} is not a number, so it cannot be uncertain")


# --------------------------------------------------------------------------- dict helpers


# --------------------------------------------------------------------------- loading


class _SafeLoader(yaml.SafeLoader):
    """Safe loader that refuses duplicate keys."""


def _construct_mapping(loader: _SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}; keep one", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_SafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> dict[str, Any]:
    """Read one YAML mapping with the safe loader; errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(path, None, "file not found", "check the path") from None
    except OSError as exc:
        raise ScenarioError(path, None, f"cannot read: {exc.strerror}", "check the path") from None
    try:
        data = yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - _SafeLoader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(
            path, where, f"YAML syntax: {problem}", "fix the YAML syntax there"
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(path, None, "the file must be a YAML mapping", "start with `name: ...`")
    return data


def resolve_raw(path: Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file and merge the files it `extends:` (parents first)."""
    path = path.resolve()
    if path in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, path))
        raise ScenarioError(path, "extends", f"extends: cycle {cycle}", "remove one of the extends:")
    data = read_yaml(path)
    parent = data.get("extends")
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(path, "extends", "must be a file name", "write e.g. extends: baseline.yaml")
    parent_path = (path.parent / parent).resolve()
    if not parent_path.exists():
        raise ScenarioError(
            path, "extends", f"{parent} not found next to {path.name}", "fix the file name"
        )
    base = resolve_raw(parent_path, (*_chain, path))
    base.pop("extends", None)
    merged = deep_merge(base, {k: v for k, v in data.items() if k != "extends"})
    # an uncertainty given in the child replaces the parent's distribution of that path whole
    if isinstance(base.get("uncertainties"), dict) and isinstance(data.get("uncertainties"), dict):
        merged["uncertainties"] = {**base["uncertainties"], **data["uncertainties"]}
    merged["extends"] = parent
    return merged


def parse_set(assignments: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Parse `path=value` strings from the command line; values are YAML scalars."""
    updates: dict[str, Any] = {}
    for item in assignments:
        if "=" not in item:
            raise ScenarioError(
                None,
                item,
                "--set needs path=value",
                "write e.g. --set policy.us.export.h200.cap_units=500000",
            )
        path, _, text = item.partition("=")
        path = path.strip()
        if not path or any(not p for p in path.split(".")):
            raise ScenarioError(None, item, "empty path", "write e.g. --set run.runs=200")
        try:
            updates[path] = yaml.safe_load(text) if text.strip() else None
        except yaml.YAMLError:
            raise ScenarioError(None, path, f"cannot read value {text!r}", "quote it") from None
    return updates


def _format_loc(loc: tuple[Any, ...]) -> str:
    parts = [
        str(p)
        for p in loc
        if not (isinstance(p, str) and p in {"uniform", "normal", "lognormal", "triangular", "fixed"})
    ]
    return ".".join(parts)


def _fix_for(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "remove it or correct its spelling (sim schema lists every field)"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return "use a value inside the allowed range"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return "give a value of the right type"
    if kind == "missing":
        return "add the field"
    if kind == "union_tag_invalid" or kind == "union_tag_not_found":
        return "set dist: to one of uniform, normal, lognormal, triangular, fixed"
    return "correct the value"


def validate_dict(data: dict[str, Any], source: Path | None) -> Scenario:
    """Validate a merged scenario dict, turning pydantic errors into one ScenarioError.

    The given `world:` is merged over the default world first, so a file or `--set` can change
    one field of a nation, a chip or a lab without restating the rest.
    """
    if isinstance(data.get("world"), dict):
        data = {**data, "world": deep_merge(World().model_dump(), data["world"])}
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = _format_loc(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise ScenarioError(source, loc or None, msg + more, _fix_for(err)) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, merge `extends:`, apply dotted-path overrides and validate a scenario file.

    An override of a path that the scenario declares uncertain fixes that parameter at the
    given value in every run (its distribution becomes `fixed`).
    """
    path = Path(path)
    raw = resolve_raw(path)
    if overrides:
        for key in overrides:
            top = key.split(".")[0]
            if top not in Scenario.model_fields:
                raise ScenarioError(
                    path,
                    key,
                    f"--set: no top-level field {top!r}",
                    f"start the path with one of {', '.join(Scenario.model_fields)}",
                )
        raw = apply_paths(raw, overrides)
        # a value set on the command line must win over a declared distribution of that path,
        # which would otherwise replace it in every run: the uncertainty becomes a fixed value
        uncertain = raw.get("uncertainties")
        if isinstance(uncertain, dict):
            for key, value in overrides.items():
                if key in uncertain and isinstance(value, int | float) and not isinstance(value, bool):
                    uncertain[key] = {"dist": "fixed", "value": value}
    return validate_dict(raw, path)


def scenario_from_dict(data: dict[str, Any], source: Path | None = None) -> Scenario:
    """Validate a scenario given as a dict (notebooks, tests)."""
    return validate_dict(data, source)


def scenario_sha256(scenario: Scenario) -> str:
    """Checksum of the fully resolved scenario."""
    text = json.dumps(scenario.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def write_schema(path: Path) -> None:
    """Write the JSON schema editors use to complete and check scenario files."""
    schema = Scenario.model_json_schema()
    path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- policy schedule


def policy_schedule(scenario: Scenario, uncertain: dict[str, Any]) -> list[dict[str, Any]]:
    """The flat policy state in force at every simulated month, as numbers.

    Keys are dotted paths under `policy.` without the prefix: ``us.export.<chip>.<field>`` and
    ``china.customs.<chip>`` for every Nvidia chip of the catalogue, and every other policy leaf.
    Events apply in date order (history, then the policy under study at `policy.effective`, then
    the timeline; on the same month in that order). Bools are 0/1, null is NaN, months are month
    indices (`month_index`).

    Args:
        scenario: a validated scenario.
        uncertain: per-run draws of uncertain policy fields, {"policy.<path>": values (R,)}, in
            force from `policy.effective`.
    """
    start = month_index(scenario.run.start)
    events: list[tuple[int, int, dict[str, Any]]] = []
    for e in scenario.history:
        events.append((month_index(e.date), 0, e.set))
    policy_month = month_index(scenario.policy.effective)
    events.append((policy_month, 1, scenario.policy_patch()))
    for e in scenario.timeline:
        events.append((month_index(e.date), 2, e.set))
    events.sort(key=lambda x: (x[0], x[1]))
    base = flatten(PolicyState().model_dump())
    drawn = {k.removeprefix("policy."): v for k, v in uncertain.items()}
    schedule = []
    for month in range(start, start + scenario.n_months):
        state = dict(base)
        for when, _, updates in events:
            if when <= month:
                state.update(updates)
        if month >= policy_month:
            state.update(drawn)
        schedule.append({k: _as_number(v) for k, v in state.items()})
    return schedule


def _as_number(value: Any) -> Any:
    """Policy values as numbers: bools -> 0/1, None -> NaN, months -> month index."""
    if value is None:
        return float("nan")
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        return float(month_index(value))
    return value
