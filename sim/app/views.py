"""What the app's views show, as numbers: derived from a `Pair` of ensembles, framework-free.

One function per view; `build_views` calls them all. A view's numbers are what the page draws
(`sim.viz.app`), what the CSV export writes and what the tests check, so they are computed once.
To add a view: a function here, a figure in `sim.viz.app`, a caption in `CAPTIONS`
(docs/app.md walks through it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.compare import paired_differences
from sim.analysis.words import answers, pick_year_end
from sim.app.compute import Pair
from sim.outcomes import QUANTILES

LAG = "capability_lag_months"
SHARE = "china_compute_share"
#: The fan charts, in page order.
FANS = (LAG, SHARE)
#: China's chips by source (H100e per year): legal imports, smuggled imports, domestic chips.
SOURCES = {
    "legal imports": "china_chip_imports_legal_h100e",
    "smuggled imports": "china_chip_imports_smuggled_h100e",
    "domestic (Huawei)": "china_domestic_chips_h100e",
}

#: How to read each view: the caption under it on the page (and in docs/app.md).
CAPTIONS = {
    "lag": "Months China's best model is behind the US frontier. The shaded bands hold 50% and 90% of "
    "the runs and the solid line is their median. The dashed line is the baseline's median, with its "
    "90% band outlined. Lower means China is closer; 0 or below is parity.",
    "share": "China's share of the two nations' installed compute [H100e]. Bands and lines are read "
    "as in the lag chart; the dashed line is the baseline.",
    "effect": "The policy's effect on the lag at the chosen year-end: for each run, this scenario's lag "
    "minus the baseline's lag in the same run (the same random draws). Below zero means the policy "
    "narrows the gap. The marked lines are the median and the 5th and 95th percentiles.",
    "at_most": "Share of runs in which China is at most N months behind at each year-end, with this "
    "scenario's levers and with the baseline's. A higher bar means a closer race.",
    "chips": "Chips reaching Chinese labs each year, by source [H100e/year], averaged over runs: this "
    "scenario (left bar of each year) and the baseline (right, hatched). Averages add up across "
    "sources, medians would not.",
}


@dataclass
class Views:
    """The numbers of every view for one request.

    Attributes:
        name: the scenario's name; baseline: the baseline's.
        runs, seed: shared by both ensembles.
        year: the year-end of the effect view ('YYYY-12').
        at_most_months: N of P(lag <= N) [months].
        fans: {outcome: {"scenario"|"baseline": DataFrame month, p5 … p95}}.
        effect: per-run lag difference at `year` (scenario - baseline) [months], shape (runs,).
        difference: `sim.analysis.compare.paired_differences` of the pair.
        at_most: DataFrame year_end, scenario, baseline (probabilities).
        chips: DataFrame year_end, run ("scenario"|"baseline") and one column per source.
        median_lag, baseline_median_lag: the lag's median at `year` [months].
        sentence: the one-sentence answer of `sim compare` for the lag at `year`.
        sentences: its sentences for every headline outcome ({outcome: sentence}).
        seconds: wall time of the computation [s].
    """

    name: str
    baseline: str
    runs: int
    seed: int
    year: str
    at_most_months: float
    fans: dict[str, dict[str, pd.DataFrame]]
    effect: np.ndarray
    difference: dict[str, Any]
    at_most: pd.DataFrame
    chips: pd.DataFrame
    median_lag: float
    baseline_median_lag: float
    sentence: str
    sentences: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def effect_stats(self) -> dict[str, float]:
        """mean, p5, p50, p95 of the paired effect on the lag at `year` [months]."""
        return self.difference["outcomes"][LAG][self.year]


def year_ends(pair: Pair) -> list[str]:
    """Year-ends both ensembles have, in order."""
    return [y for y in pair.scenario.year_end[LAG] if y in pair.baseline.year_end[LAG]]


def fan(result: Any, outcome: str) -> pd.DataFrame:
    """Monthly quantiles across runs of one series: month, p5, p25, p50, p75, p95."""
    series = np.asarray(result.monthly[outcome], dtype=float)
    q = np.quantile(series, list(QUANTILES.values()), axis=1)
    return pd.DataFrame({"month": result.months, **dict(zip(QUANTILES, q, strict=True))})


def chips_by_source(pair: Pair, years: list[str]) -> pd.DataFrame:
    """Mean chips reaching China per year and source, for the scenario and the baseline."""
    rows = []
    for run, result in (("scenario", pair.scenario), ("baseline", pair.baseline)):
        for y in years:
            row: dict[str, Any] = {"year_end": y, "run": run}
            for label, name in SOURCES.items():
                row[label] = float(np.mean(result.year_end[name][y]))
            rows.append(row)
    return pd.DataFrame(rows)


def build_views(pair: Pair, year: str | None = None, at_most_months: float = 12.0) -> Views:
    """Every view's numbers for a computed pair.

    Args:
        pair: the scenario's and the baseline's ensembles.
        year: the year-end of the effect view [default: 2028-12, else the last one].
        at_most_months: N of P(lag <= N) [months], > 0.
    """
    years = year_ends(pair)
    if year not in years:
        year = pick_year_end(years)
    a, b = pair.baseline, pair.scenario
    difference = paired_differences(a, b)
    effect = b.year_end[LAG][year] - a.year_end[LAG][year]
    # summary.json's probabilities.china_lag_at_most, for one N
    key = f"{float(at_most_months):g}"
    scen_p = b.lag_at_most_probabilities((float(at_most_months),))[key]
    base_p = a.lag_at_most_probabilities((float(at_most_months),))[key]
    at_most = pd.DataFrame(
        {
            "year_end": years,
            "scenario": [scen_p[y] for y in years],
            "baseline": [base_p[y] for y in years],
        }
    )
    med, base_med = float(np.median(b.year_end[LAG][year])), float(np.median(a.year_end[LAG][year]))
    name = b.scenario.name
    said = answers(difference, a.scenario.name, name, year)  # what `sim compare` prints
    return Views(
        name=name,
        baseline=a.scenario.name,
        runs=b.runs,
        seed=b.seed,
        year=year,
        at_most_months=float(at_most_months),
        fans={o: {"scenario": fan(b, o), "baseline": fan(a, o)} for o in FANS},
        effect=effect,
        difference=difference,
        at_most=at_most,
        chips=chips_by_source(pair, years),
        median_lag=med,
        baseline_median_lag=base_med,
        sentence=said[LAG],
        sentences=said,
        seconds=pair.seconds,
    )
