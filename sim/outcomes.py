"""Named outcomes: from monthly series (months, runs) to year-end values per run.

Outcome names are stable API (DESIGN.md). Under a year-end key ``YYYY-12`` a stock is its value
in that December and a flow ("per year") is its total over the calendar year's simulated months.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from sim.model import rules
from sim.scenario import month_label


@dataclass(frozen=True)
class Outcome:
    """One outcome, declared once: what it is, its units, its labels, and how it is recorded.

    Attributes:
        name: stable API name (DESIGN.md).
        kind: "stock" (its value at a month) or "flow" (an amount per month; per year at year-ends).
        unit: unit of the year-end value (a flow's total over a calendar year).
        series_unit: unit of the monthly series.
        label: what it is, in words, for axes and tables (no unit).
        short: column heading of the terminal table ("" = not shown there).
        record: reads this month's value from the model, shape (R,); None when it is derived
            from other series after the run (the capability lag).
        summary: summarised at year-ends (summary.json, runs.parquet).
        monthly: kept as a monthly series (monthly.parquet, fan charts).
    """

    name: str
    kind: Literal["stock", "flow"]
    unit: str
    series_unit: str
    label: str
    short: str = ""
    record: Callable[[Any], np.ndarray] | None = None
    summary: bool = True
    monthly: bool = False

    @property
    def headline(self) -> bool:
        """Printed in the terminal table of `sim run` and `sim compare`."""
        return bool(self.short)

    @property
    def axis_label(self) -> str:
        """Axis label of the monthly series, with its unit."""
        return f"{self.label} [{self.series_unit}]"

    @property
    def year_end_label(self) -> str:
        """Axis label of the year-end value (a flow is a total per year), with its unit."""
        return f"{self.label} [{self.unit}]"


def _lab(model: Any, key: str) -> Any:
    """The lab with this id, or None when the scenario has no such lab."""
    return next((lab for lab in model.labs if lab.key == key), None)


def _lab_value(key: str, read: Callable[[Any], np.ndarray]) -> Callable[[Any], np.ndarray]:
    """Recorder of one lab's state; a lab missing from the scenario records zeros."""

    def record(model: Any) -> np.ndarray:
        lab = _lab(model, key)
        return read(lab) if lab is not None else np.zeros(model.n_runs)

    return record


def _openai_pipeline(model: Any) -> np.ndarray:
    lab = _lab(model, "openai")
    if lab is None:
        return np.zeros(model.n_runs)
    return lab.power_gw + lab.home.queue.get("openai", 0.0)


def _openai_capex(model: Any) -> np.ndarray:
    lab = _lab(model, "openai")
    if lab is None:
        return np.zeros(model.n_runs)
    delivered = lab.home.delivered.get("openai", 0.0)
    return lab.chip_spend + delivered * lab.home.world.power_capex_busd_per_gw


def _chip_imports(chip: str) -> Callable[[Any], np.ndarray]:
    """Recorder of China's imports of one Nvidia type [chips]; zeros when the catalogue lacks it."""

    def record(model: Any) -> np.ndarray:
        if chip not in model.chips.types:
            return np.zeros(model.n_runs)
        return model.nvidia.imports_units[model.chips.index(chip)]

    return record


def _share(model: Any) -> np.ndarray:
    us_c, cn_c = model.last["us_installed"], model.last["china_installed"]
    return cn_c / np.maximum(us_c + cn_c, 1e-9)


_H100E_M, _H100E_Y = "H100e/month", "H100e/year"

#: Every outcome, in the order of the summary, the per-run table and the monthly series. The first
#: entries are DESIGN.md's headline outcomes; the calibration series at the end are recorded for
#: calibration/targets.yaml but not summarised.
REGISTRY: tuple[Outcome, ...] = (
    Outcome(
        "capability_lag_months",
        "stock",
        "months",
        "months",
        "Capability lag of China behind the US",
        short="lag",
        monthly=True,
    ),
    Outcome(
        "china_compute_share",
        "stock",
        "fraction",
        "fraction",
        "China's share of installed H100e",
        short="China share",
        record=_share,
        monthly=True,
    ),
    Outcome(
        "china_chip_imports_h100e",
        "flow",
        _H100E_Y,
        _H100E_M,
        "China's chip imports",
        short="CN imports",
        record=lambda m: m.last["china_chip_imports_h100e"],
    ),
    Outcome(
        "china_chip_imports_legal_h100e",
        "flow",
        _H100E_Y,
        _H100E_M,
        "China's legal imports",
        record=lambda m: m.nvidia.imports_legal,
        monthly=True,
    ),
    Outcome(
        "china_chip_imports_smuggled_h100e",
        "flow",
        _H100E_Y,
        _H100E_M,
        "China's smuggled imports",
        record=lambda m: m.nvidia.imports_smuggled,
        monthly=True,
    ),
    Outcome(
        "china_domestic_chips_h100e",
        "flow",
        _H100E_Y,
        _H100E_M,
        "China's domestic chips",
        short="CN domestic",
        record=lambda m: m.last["china_domestic_chips_h100e"],
        monthly=True,
    ),
    Outcome(
        "us_ai_power_gw",
        "stock",
        "GW",
        "GW",
        "US AI power",
        short="US power",
        record=lambda m: m.last["us_power"],
        monthly=True,
    ),
    Outcome(
        "china_ai_power_gw",
        "stock",
        "GW",
        "GW",
        "China AI power",
        short="CN power",
        record=lambda m: m.last["china_power"],
        monthly=True,
    ),
    Outcome(
        "us_frontier_capability",
        "stock",
        "log10 FLOP",
        "log10 effective FLOP",
        "US frontier",
        record=lambda m: m.last["us_frontier"],
        monthly=True,
    ),
    Outcome(
        "china_frontier_capability",
        "stock",
        "log10 FLOP",
        "log10 effective FLOP",
        "China frontier",
        record=lambda m: m.last["china_frontier"],
        monthly=True,
    ),
    Outcome(
        "us_compute_h100e",
        "stock",
        "H100e",
        "H100e",
        "US installed compute",
        record=lambda m: m.last["us_installed"],
    ),
    Outcome(
        "china_compute_h100e",
        "stock",
        "H100e",
        "H100e",
        "China installed compute",
        record=lambda m: m.last["china_installed"],
    ),
    Outcome(
        "china_domestic_output_chips",
        "flow",
        "chips/year",
        "chips/month",
        "Huawei chips made",
        record=lambda m: m.huawei.made,
    ),
    Outcome(
        "china_h20_imports_units",
        "flow",
        "chips/year",
        "chips/month",
        "China's H20 imports",
        record=_chip_imports("h20"),
    ),
    Outcome(
        "openai_power_pipeline_gw",
        "stock",
        "GW",
        "GW contracted or queued",
        "OpenAI power, connected or queued",
        record=_openai_pipeline,
    ),
    Outcome(
        "us_researchers",
        "stock",
        "head",
        "head",
        "US top-tier researchers",
        record=lambda m: m.us.researchers,
    ),
    Outcome(
        "china_researchers",
        "stock",
        "head",
        "head",
        "China top-tier researchers",
        record=lambda m: m.china.researchers,
    ),
    # calibration series (calibration/targets.yaml): recorded every month, not summarised
    Outcome(
        "openai_power_gw",
        "stock",
        "GW",
        "GW",
        "OpenAI power (S6)",
        summary=False,
        record=_lab_value("openai", lambda lab: lab.power_gw),
    ),
    Outcome(
        "openai_revenue_busd",
        "stock",
        "billion USD/year",
        "billion USD/year",
        "OpenAI annualised revenue (S18)",
        summary=False,
        record=_lab_value("openai", lambda lab: lab.revenue),
    ),
    Outcome(
        "openai_capex_busd",
        "flow",
        "billion USD/year",
        "billion USD/month",
        "OpenAI spending on chips and power (S5)",
        summary=False,
        record=_openai_capex,
    ),
    Outcome(
        "alibaba_revenue_busd",
        "stock",
        "billion USD/year",
        "billion USD/year",
        "Alibaba AI revenue (S18)",
        summary=False,
        record=_lab_value("alibaba", lambda lab: lab.revenue),
    ),
    Outcome(
        "xai_chips",
        "stock",
        "chips",
        "chips",
        "xAI chips installed (S21)",
        summary=False,
        record=_lab_value("xai", lambda lab: lab.units.sum(axis=0)),
    ),
    Outcome(
        "us_power_build_gw",
        "stock",
        "GW/month",
        "GW/month",
        "US grid connection rate (S10)",
        summary=False,
        record=lambda m: m.us.build_gw,
    ),
    Outcome(
        "china_power_build_gw",
        "stock",
        "GW/month",
        "GW/month",
        "China grid connection rate (S10)",
        summary=False,
        record=lambda m: m.china.build_gw,
    ),
    Outcome(
        "china_researcher_outflow",
        "flow",
        "head/year",
        "head/month",
        "Researchers leaving China (S16)",
        summary=False,
        record=lambda m: m.china.outflow,
    ),
)

#: every outcome by name
ALL: dict[str, Outcome] = {o.name: o for o in REGISTRY}
#: the outcomes summarised at year-ends (summary.json, runs.parquet), by name
OUTCOMES: dict[str, Outcome] = {o.name: o for o in REGISTRY if o.summary}
#: the series the model records each month
RECORDED: tuple[Outcome, ...] = tuple(o for o in REGISTRY if o.record is not None)
#: outcomes printed in the terminal table
HEADLINE: tuple[str, ...] = tuple(o.name for o in REGISTRY if o.headline)
#: monthly series kept for fan charts and notebooks
MONTHLY: tuple[str, ...] = tuple(o.name for o in REGISTRY if o.monthly)


def label(name: str) -> str:
    """Axis label with unit of an outcome's monthly series (the name itself if unknown)."""
    return ALL[name].axis_label if name in ALL else name


def year_end_label(name: str) -> str:
    """Axis label with unit of an outcome's year-end value (the name itself if unknown)."""
    return ALL[name].year_end_label if name in ALL else name


STATS = ("mean", "p5", "p25", "p50", "p75", "p95")
QUANTILES = {"p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}


def year_ends(start: int, n_months: int) -> list[tuple[str, int, int]]:
    """Year-end keys within the horizon: (label 'YYYY-12', first month of that year, December).

    Month positions are 0-based offsets into the series; the first year may be partial.
    """
    out = []
    for pos in range(n_months):
        month = start + pos
        if month % 12 == 11:
            first = max(0, pos - 11)
            out.append((month_label(month), first, pos))
    return out


def year_end_values(series: dict[str, np.ndarray], start: int) -> dict[str, dict[str, np.ndarray]]:
    """Every outcome at every year-end, per run: {outcome: {'YYYY-12': values (R,)}}."""
    n_months = next(iter(series.values())).shape[0]
    out: dict[str, dict[str, np.ndarray]] = {}
    for name, outcome in OUTCOMES.items():
        values = series[name]
        kind = outcome.kind
        out[name] = {}
        for label, first, dec in year_ends(start, n_months):
            out[name][label] = values[dec] if kind == "stock" else rules.total(values[first : dec + 1])
    return out


def parity_by(series: dict[str, np.ndarray], start: int) -> dict[str, np.ndarray]:
    """Whether China reached parity (lag <= 0) at any month up to each year-end, per run."""
    lag = series["capability_lag_months"]
    reached = np.logical_or.accumulate(lag <= 0.0, axis=0)
    return {label: reached[dec] for label, _first, dec in year_ends(start, lag.shape[0])}


def describe(values: np.ndarray) -> dict[str, float]:
    """mean, p5, p25, p50, p75, p95 of one outcome across runs."""
    values = np.asarray(values, dtype=float)
    q = np.quantile(values, list(QUANTILES.values()))
    out = {"mean": float(np.mean(values))}
    out.update({k: float(v) for k, v in zip(QUANTILES, q, strict=True)})
    return out
