"""The `world:` block: the world as it stood at the start month.

The values of the default world live in `sim/data/world.yaml`, each with its unit and source;
these classes declare the fields (type, bounds, unit, description) and take their defaults from
that file. Tables keyed by id (chips, labs) and the two nations are rows of the data file;
`default_world()` builds the whole default world from it.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

__all__ = [
    "REPLACEABLE",
    "Behaviour",
    "ChipSpec",
    "HuaweiWorld",
    "LabSpec",
    "Migration",
    "NationWorld",
    "NvidiaWorld",
    "Science",
    "World",
    "chip_types",
    "default_world",
    "nvidia_types",
]

from pydantic import Field, model_validator

from sim.scenario.data import default_quantity as _default
from sim.scenario.data import world_values
from sim.scenario.science import Behaviour, Migration, Science
from sim.scenario.types import (
    CEILINGS,
    NonNegative,
    Positive,
    Probability,
    Strict,
    YearMonth,
    quantity,
)


class ChipSpec(Strict):
    """One accelerator type (a row of `world.chips`)."""

    maker: Literal["nvidia", "huawei"] = quantity(unit="-", description="Who makes it")
    h100e: Positive = quantity(
        unit="H100e/chip", description="Dense BF16 training throughput relative to an H100"
    )
    inference_h100e: Positive = quantity(
        unit="H100e/chip",
        description="Serving throughput relative to an H100, memory bandwidth included",
    )
    kw_all_in: Positive = quantity(unit="kW/chip", description="Facility power per chip, IT + cooling")
    price_kusd: Positive = quantity(unit="thousand USD/chip", description="List price")
    die_units: Positive = quantity(
        unit="die units/chip",
        description="Maker capacity one chip uses, in units of one Hopper-class die",
    )
    china_only: bool = quantity(
        False,
        unit="-",
        description="A part made for the Chinese market under the export rules (H20, B30A): "
        "US labs do not buy it",
    )
    perf_growth: NonNegative = quantity(
        0.0,
        unit="fraction/year",
        description="Growth of the training and serving throughput of chips of this type made "
        "each year (newer generations sold under the same name; 0 for a part frozen by the "
        "export rules); chips already installed keep their throughput",
        le=2.0,
    )


class NvidiaWorld(Strict):
    """Nvidia's supply side."""

    capacity_2025: Positive = _default(
        "nvidia.capacity_2025", "die units/month", "Production capacity at the start month"
    )
    capacity_growth: NonNegative = _default("nvidia.capacity_growth", "fraction/year", "Capacity growth")
    rest_of_world_share: Probability = _default(
        "nvidia.rest_of_world_share",
        "fraction",
        "Share of capacity bought by clouds outside the two nations' labs",
    )
    price_response: NonNegative = _default(
        "nvidia.price_response", "fraction/month", "Price change per unit of excess demand each month"
    )
    smuggling_leak: Probability = _default(
        "nvidia.smuggling_leak",
        "fraction",
        "Share of Nvidia's monthly output of a type that can be diverted to China with no enforcement",
    )
    smuggling_premium: NonNegative = _default(
        "nvidia.smuggling_premium", "fraction of list", "Extra price paid for a smuggled chip"
    )


class HuaweiWorld(Strict):
    """Huawei/SMIC domestic supply (P12–P14)."""

    wafers_2025: Positive = _default(
        "huawei.wafers_2025", "wafers/month", "Advanced-node wafers a month for Ascend dies at the start"
    )
    wafer_growth: NonNegative = _default("huawei.wafer_growth", "fraction/year", "Wafer growth")
    dies_per_wafer: Positive = _default(
        "huawei.dies_per_wafer", "dies/wafer", "Candidate Ascend dies per wafer"
    )
    yield_start: Probability = _default("huawei.yield_start", "fraction", "Die yield at the start")
    yield_max: Probability = _default("huawei.yield_max", "fraction", "Yield target approached")
    yield_halflife_months: Positive = _default(
        "huawei.yield_halflife_months", "months", "Months to close half the yield gap"
    )
    hbm_stock_packages: NonNegative = _default(
        "huawei.hbm_stock_packages",
        "chips",
        "HBM stacks stockpiled before the Dec 2024 control, in packages",
    )
    hbm_domestic_start: YearMonth = _default(
        "huawei.hbm_domestic_start", "YYYY-MM", "Huawei's own HBM arrives"
    )
    inventory_months: NonNegative = _default(
        "huawei.inventory_months",
        "months",
        "Stock of finished chips Huawei aims to hold, in months of expected orders; output above "
        "orders plus this stock is not made",
    )
    hbm_domestic_per_month: NonNegative = _default(
        "huawei.hbm_domestic_per_month",
        "chips/month",
        "Packages a month that domestic HBM supports once it arrives",
    )


class NationWorld(Strict):
    """A nation's grid, talent pool and costs (`world.us`, `world.china`)."""

    ai_power_build_gw: Positive = quantity(
        unit="GW/month", description="AI data-centre power the grid can connect at the start"
    )
    ai_power_build_growth: NonNegative = quantity(
        unit="fraction/year", description="Growth of that connection rate"
    )
    construction_months: Positive = quantity(
        unit="months",
        description="Months to build a data-centre project once queued; a month finishes at most "
        "1/this of a lab's queue, and labs keep this many months of chip purchases' power queued",
    )
    power_capex_busd_per_gw: Positive = quantity(
        unit="billion USD/GW",
        description="Facility capex, chips excluded; labs pay it as a lease over "
        "world.science.facility_life_months",
    )
    frontier_share: Probability = quantity(
        unit="fraction",
        description="Share of a lab's deployed compute on its frontier run when level with the "
        "leader (how concentrated the nation's clusters are)",
    )
    frontier_share_max: Probability = quantity(
        unit="fraction",
        description="Largest share of a lab's deployed compute one run can use (the size of the "
        "largest interconnected cluster)",
    )
    state_finance_busd_per_year: NonNegative = quantity(
        0.0,
        unit="billion USD/year",
        description="State money that tops up the nation's labs' chip orders when their own "
        "budget falls short of the chips they can get (S12)",
    )
    researchers: Positive = quantity(
        unit="head", description="Top-tier AI researchers working in the nation"
    )
    researcher_cost_musd: Positive = quantity(
        unit="million USD/year", description="All-in cost of one top-tier researcher"
    )
    foreign_share: Probability = quantity(
        unit="fraction", description="Share of hires that need a work visa"
    )
    researcher_growth: float = quantity(
        unit="fraction/year", description="Growth of the home-grown top-tier pool", ge=-0.5, le=1.0
    )
    idle_regional_h100e: NonNegative = quantity(
        unit="H100e",
        description="Compute in regional data centres outside the labs that a national network "
        "could pool",
    )


class LabSpec(Strict):
    """One AI firm (or the aggregate of the rest of a nation) at the start month.

    The optional fields default to a lab without pledges, open weights or an algorithmic edge,
    for labs a scenario adds; every lab of the default world states all of them in the data file.
    """

    nation: Literal["us", "china"] = quantity(unit="-", description="Where the lab trains")
    open_weights: bool = quantity(False, unit="-", description="Releases open-weight models (S30)")
    capital_busd: NonNegative = quantity(
        unit="billion USD", description="Money on hand for AI at the start"
    )
    funding_busd_per_year: NonNegative = quantity(
        unit="billion USD/year",
        description="New money from owners, capex budgets and investors",
    )
    funding_growth: float = quantity(
        0.0, unit="fraction/year", description="Growth of funding", ge=-0.5, le=3.0
    )
    revenue_busd_per_year: NonNegative = quantity(
        unit="billion USD/year", description="Annualised revenue"
    )
    revenue_growth: float = quantity(
        0.5,
        unit="fraction/year",
        description="Growth of revenue when compute allows (0.5 for a new lab: assumption)",
        ge=-0.5,
        le=5.0,
    )
    power_gw: NonNegative = quantity(unit="GW", description="Power contracted and energised")
    installed_h100e: dict[str, Annotated[float, Field(ge=0.0, le=CEILINGS["H100e"])]] = quantity(
        unit="H100e",
        description="Installed chips by type; keys are chip types of world.chips",
        ceiling=False,
    )
    researchers: NonNegative = quantity(unit="head", description="Top-tier researchers employed")
    algo_log10: float = quantity(
        0.0,
        unit="log10",
        description="Algorithmic-efficiency multiplier at the start relative to the US leader",
        ge=-3.0,
        le=3.0,
    )
    pledge_upfront_busd: NonNegative = quantity(
        0.0, unit="billion USD", description="Pledged money available at the start (S5 for Stargate)"
    )
    pledge_busd: NonNegative = quantity(
        0.0, unit="billion USD", description="Further pledged money paid in evenly (S5 for Stargate)"
    )
    pledge_months: Annotated[int, Field(ge=1, le=240)] = quantity(
        48, unit="months", description="Months over which the pledge is paid (S5: 4 years)"
    )
    pledge_realisation: Probability = quantity(
        1.0, unit="fraction", description="Share of pledges that materialises (S9)"
    )


#: Tables a scenario may replace whole with `world: {replace: [...]}` instead of merging into.
REPLACEABLE = ("chips", "labs")


def _rows(table: str, model: type[Strict]) -> Any:
    return lambda: {key: model.model_validate(row) for key, row in world_values()[table].items()}


def _nation(key: str) -> Any:
    return lambda: NationWorld.model_validate(world_values()[key])


class World(Strict):
    """The world as it stood at the start month (defaults: `sim/data/world.yaml`)."""

    chips: dict[str, ChipSpec] = Field(
        default_factory=_rows("chips", ChipSpec),
        description="Chip specifications keyed by chip type, in catalogue order (the order of the "
        "chip axis in the model).",
    )
    nvidia: NvidiaWorld = Field(default_factory=NvidiaWorld, description="Nvidia's supply.")
    huawei: HuaweiWorld = Field(default_factory=HuaweiWorld, description="Huawei/SMIC supply.")
    us: NationWorld = Field(default_factory=_nation("us"), description="The United States.")
    china: NationWorld = Field(default_factory=_nation("china"), description="China.")
    labs: dict[str, LabSpec] = Field(
        default_factory=_rows("labs", LabSpec), description="AI labs keyed by a short id."
    )
    science: Science = Field(default_factory=Science, description="Capability formation.")
    behaviour: Behaviour = Field(default_factory=Behaviour, description="Lab budget rules.")
    migration: Migration = Field(default_factory=Migration, description="Talent flows.")
    replace: list[Literal["chips", "labs"]] = Field(
        default_factory=list,
        description="Tables this scenario states whole: for each one named here the scenario's "
        "table replaces the default one (and that of any file it extends) instead of merging into "
        "it, e.g. `world: {replace: [labs], labs: {only: {...}}}` runs with exactly one lab.",
    )

    @model_validator(mode="after")
    def _installed_chips_in_catalogue(self) -> World:
        for lab_id, lab in self.labs.items():
            for chip in lab.installed_h100e:
                if chip not in self.chips:
                    raise ValueError(
                        f"labs.{lab_id}.installed_h100e: unknown chip type {chip!r}\nfix: use one "
                        f"of {', '.join(self.chips)}, or add it to world.chips"
                    )
        return self


@cache
def default_world() -> World:
    """The default world, built from `sim/data/world.yaml` (cached; World is frozen)."""
    return World.model_validate(world_values())


def chip_types(world: World) -> tuple[str, ...]:
    """Every chip type of the catalogue, in catalogue order."""
    return tuple(world.chips)


def nvidia_types(world: World) -> tuple[str, ...]:
    """The Nvidia chip types of the catalogue, in catalogue order."""
    return tuple(k for k, spec in world.chips.items() if spec.maker == "nvidia")
