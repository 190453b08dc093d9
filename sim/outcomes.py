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
        meaning: one line for the docs' outcome tables.
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
    meaning: str = ""
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


def _chip_and_power_spend(lab: Any) -> np.ndarray:
    """A lab's spending this month on chips and on the power energised for it [billion USD]."""
    return lab.chip_spend + lab.home.delivered.get(lab.key, 0.0) * lab.home.world.power_capex_busd_per_gw


def _chip_imports(chip: str) -> Callable[[Any], np.ndarray]:
    """Recorder of China's imports of one Nvidia type [chips]; zeros when the catalogue lacks it."""

    def record(model: Any) -> np.ndarray:
        if chip not in model.chips.types:
            return np.zeros(model.n_runs)
        return model.nvidia.imports_units[model.chips.index(chip)]

    return record


def _share(model: Any) -> np.ndarray:
    us_c, cn_c = model.us.totals.installed_h100e, model.china.totals.installed_h100e
    return cn_c / np.maximum(us_c + cn_c, 1e-9)


def _ratio(model: Any) -> np.ndarray:
    return model.us.totals.installed_h100e / np.maximum(model.china.totals.installed_h100e, 1e-9)


def _best(nation: Any, attribute: str) -> np.ndarray:
    """The largest value of a lab attribute among a nation's labs, (R,)."""
    return np.max([getattr(lab, attribute) for lab in nation.labs], axis=0)


_H100E_M, _H100E_Y = "H100e/month", "H100e/year"

#: Every outcome, in the order of the summary, the per-run table and the monthly series. The first
#: entries are DESIGN.md's headline outcomes; the calibration series at the end are recorded for
#: calibration/targets.yaml but not summarised.
# fmt: off
REGISTRY: tuple[Outcome, ...] = (
    Outcome("capability_lag_months", "stock", "months", "months",
            "Capability lag of China behind the US",
            meaning="months since the US frontier first reached China's current capability "
                    "(≤ 0: parity or ahead)",
            short="lag", monthly=True),
    Outcome("china_compute_share", "stock", "fraction", "fraction", "China's share of installed H100e",
            meaning="China's share of the two nations' installed H100e", short="China share",
            record=_share, monthly=True),
    Outcome("china_chip_imports_h100e", "flow", _H100E_Y, _H100E_M, "China's chip imports",
            meaning="Nvidia chips reaching Chinese labs, legal + smuggled", short="CN imports",
            record=lambda m: m.china.imports_h100e),
    Outcome("china_chip_imports_legal_h100e", "flow", _H100E_Y, _H100E_M, "China's legal imports",
            meaning="Nvidia chips reaching Chinese labs under licence, net of customs",
            record=lambda m: m.nvidia.imports_legal, monthly=True),
    Outcome("china_chip_imports_smuggled_h100e", "flow", _H100E_Y, _H100E_M, "China's smuggled imports",
            meaning="Nvidia chips diverted to Chinese labs past the export rules",
            record=lambda m: m.nvidia.imports_smuggled, monthly=True),
    Outcome("china_domestic_chips_h100e", "flow", _H100E_Y, _H100E_M, "China's domestic chips",
            meaning="Huawei chips bought by Chinese labs", short="CN domestic",
            record=lambda m: m.china.domestic_h100e, monthly=True),
    Outcome("us_ai_power_gw", "stock", "GW", "GW", "US AI power",
            meaning="AI data-centre power contracted and energised by US labs", short="US power",
            record=lambda m: m.us.totals.power_gw, monthly=True),
    Outcome("china_ai_power_gw", "stock", "GW", "GW", "China AI power",
            meaning="AI data-centre power contracted and energised by Chinese labs", short="CN power",
            record=lambda m: m.china.totals.power_gw, monthly=True),
    Outcome("us_frontier_capability", "stock", "log10 FLOP", "log10 effective FLOP", "US frontier",
            meaning="log10 of the best US model's effective training FLOP",
            record=lambda m: m.us.totals.frontier, monthly=True),
    Outcome("china_frontier_capability", "stock", "log10 FLOP", "log10 effective FLOP",
            "China frontier", meaning="log10 of the best Chinese model's effective training FLOP",
            record=lambda m: m.china.totals.frontier, monthly=True),
    Outcome("us_compute_h100e", "stock", "H100e", "H100e", "US installed compute",
            meaning="chips installed at US labs", record=lambda m: m.us.totals.installed_h100e),
    Outcome("china_compute_h100e", "stock", "H100e", "H100e", "China installed compute",
            meaning="chips installed at Chinese labs", record=lambda m: m.china.totals.installed_h100e),
    Outcome("us_china_compute_ratio", "stock", "×", "×", "US ÷ China installed compute",
            meaning="US installed H100e ÷ China's", record=_ratio),
    Outcome("us_largest_run_flop", "stock", "FLOP", "FLOP", "Largest US training run",
            meaning="physical compute of the largest US training run (P22)",
            record=lambda m: _best(m.us, "run_flop")),
    Outcome("china_largest_run_flop", "stock", "FLOP", "FLOP", "Largest Chinese training run",
            meaning="physical compute of the largest Chinese training run (P26)",
            record=lambda m: _best(m.china, "run_flop")),
    Outcome("us_algorithmic_efficiency", "stock", "×", "×", "US algorithmic efficiency",
            meaning="best US algorithmic multiplier, relative to the US frontier at the start (P23)",
            record=lambda m: np.power(10.0, _best(m.us, "algo_effective"))),
    Outcome("china_algorithmic_efficiency", "stock", "×", "×", "China algorithmic efficiency",
            meaning="best Chinese algorithmic multiplier, distillation uplift included, relative to "
                    "the US frontier at the start",
            record=lambda m: np.power(10.0, _best(m.china, "algo_effective"))),
    Outcome("china_ascend_unsold_chips", "stock", "chips", "chips", "Huawei's unsold stock",
            meaning="Ascend chips made and not sold, at the month's end",
            record=lambda m: m.huawei.inventory),
    Outcome("china_domestic_output_chips", "flow", "chips/year", "chips/month", "Huawei chips made",
            meaning="Ascend chips Huawei makes (S3)", record=lambda m: m.huawei.made),
    Outcome("china_h20_imports_units", "flow", "chips/year", "chips/month", "China's H20 imports",
            meaning="H20 chips reaching Chinese labs (S20)", record=_chip_imports("h20")),
    Outcome("openai_power_pipeline_gw", "stock", "GW", "GW contracted or queued",
            "OpenAI power, connected or queued", meaning="OpenAI power connected or queued (S7)",
            record=_lab_value("openai", lambda lab: lab.power_gw + lab.home.queue.get("openai", 0.0))),
    Outcome("us_researchers", "stock", "head", "head", "US top-tier researchers",
            meaning="top-tier AI researchers working in the US (S15)",
            record=lambda m: m.us.researchers),
    Outcome("china_researchers", "stock", "head", "head", "China top-tier researchers",
            meaning="top-tier AI researchers working in China (S15)",
            record=lambda m: m.china.researchers),
    # calibration series (calibration/targets.yaml): recorded every month, not summarised
    Outcome("openai_power_gw", "stock", "GW", "GW", "OpenAI power (S6)",
            meaning="OpenAI power connected (S6)",
            record=_lab_value("openai", lambda lab: lab.power_gw), summary=False),
    Outcome("anthropic_power_gw", "stock", "GW", "GW", "Anthropic power (P21)",
            meaning="Anthropic's power contracted and energised (P21, a validation figure)",
            record=_lab_value("anthropic", lambda lab: lab.power_gw), summary=False),
    Outcome("openai_revenue_busd", "stock", "billion USD/year", "billion USD/year",
            "OpenAI annualised revenue (S18)", meaning="OpenAI annualised revenue (S18)",
            record=_lab_value("openai", lambda lab: lab.revenue), summary=False),
    Outcome("openai_capex_busd", "flow", "billion USD/year", "billion USD/month",
            "OpenAI spending on chips and power (S5)",
            meaning="OpenAI spending on chips and power (S5)",
            record=_lab_value("openai", _chip_and_power_spend), summary=False),
    Outcome("alibaba_revenue_busd", "stock", "billion USD/year", "billion USD/year",
            "Alibaba AI revenue (S18)", meaning="Alibaba's AI revenue, annualised (S18)",
            record=_lab_value("alibaba", lambda lab: lab.revenue), summary=False),
    Outcome("xai_chips", "stock", "chips", "chips", "xAI chips installed (S21)",
            meaning="chips installed at xAI (S21)",
            record=_lab_value("xai", lambda lab: lab.units.sum(axis=0)), summary=False),
    Outcome("us_power_build_gw", "stock", "GW/month", "GW/month", "US grid connection rate (S10)",
            meaning="AI power the US grid can connect a month (S10)", record=lambda m: m.us.build_gw,
            summary=False),
    Outcome("china_power_build_gw", "stock", "GW/month", "GW/month", "China grid connection rate (S10)",
            meaning="AI power China's grid can connect a month (S10)",
            record=lambda m: m.china.build_gw, summary=False),
    Outcome("china_researcher_outflow", "flow", "head/year", "head/month",
            "Researchers leaving China (S16)", meaning="researchers leaving China for the US (S16)",
            record=lambda m: m.china.outflow, summary=False),
)
# fmt: on

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


#: the default thresholds N of P(China's lag <= N months at a year-end) [months]: run summaries,
#: sweeps and comparisons (`sim run --within` chooses others)
LAG_WITHIN = (3.0,)


def lag_at_most(
    lag_by_year: dict[str, np.ndarray], within: tuple[float, ...] | list[float]
) -> dict[str, dict[str, float]]:
    """Share of runs whose capability lag is at most N months at each year-end.

    Unlike `parity_by`, which asks whether parity was reached at *any* month up to a year-end,
    this reads the lag *in* each December: the probability an analyst can state even when no
    run ever reaches parity.

    Args:
        lag_by_year: the capability lag at each year-end, {'YYYY-12': values (R,) [months]}.
        within: the thresholds N [months], each > 0.

    Returns:
        {'N': {'YYYY-12': share of runs [fraction]}}, N written as in ``f"{N:g}"`` ("3", "1.5").
    """
    return {
        f"{n:g}": {label: float(np.mean(np.asarray(v) <= n)) for label, v in lag_by_year.items()}
        for n in within
    }


def describe(values: np.ndarray) -> dict[str, float]:
    """mean, p5, p25, p50, p75, p95 of one outcome across runs."""
    values = np.asarray(values, dtype=float)
    q = np.quantile(values, list(QUANTILES.values()))
    out = {"mean": float(np.mean(values))}
    out.update({k: float(v) for k, v in zip(QUANTILES, q, strict=True)})
    return out


def markdown_table() -> str:
    """The outcome table of the README and the model reference, generated from the registry."""
    rows = ["| outcome | kind | meaning | unit at a year-end | summarised |", "|---|---|---|---|---|"]
    for o in REGISTRY:
        summarised = "yes" if o.summary else "no (calibration series)"
        rows.append(f"| `{o.name}` | {o.kind} | {o.meaning} | {o.unit} | {summarised} |")
    return "\n".join(rows) + "\n"


START, END = "<!-- outcomes:start -->", "<!-- outcomes:end -->"
DOCS = ("README.md", "docs/model.md")


def render_docs(text: str) -> str:
    """`text` with the part between the outcome markers replaced by the generated table."""
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{markdown_table()}{END}{tail}"


def main() -> None:
    """Rewrite the outcome tables of README.md and docs/model.md (run from the repository root)."""
    from pathlib import Path

    for name in DOCS:
        path = Path(name)
        path.write_text(render_docs(path.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
