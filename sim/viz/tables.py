"""Tidy tables for plots, notebooks and the report, from ensemble results or results folders.

The plot functions in `sim.viz.run` take these tables; the notebooks and `sim report` build
them here, so neither holds analysis logic of its own. Every function accepts either an
in-memory `EnsembleResult`, a loaded results folder (`sim.run.results.Results`) or the per-run
table itself (``runs.parquet``: one row per run, ``outcome@YYYY-12`` columns).

Paired differences rely on common random numbers: run i of two scenarios run with the same seed
reads the same random draws, so ``other[i] - base[i]`` is the policy's effect in one draw of the
world (see `sim.analysis.compare`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.outcomes import QUANTILES

#: China's chip inflow by source: (outcome, label). Their sum is `china_chip_imports_h100e` plus
#: `china_domestic_chips_h100e`.
CHINA_SOURCES = (
    ("china_chip_imports_legal_h100e", "legal imports"),
    ("china_chip_imports_smuggled_h100e", "smuggled"),
    ("china_domestic_chips_h100e", "domestic (Huawei/SMIC)"),
)


def per_run(result: Any) -> pd.DataFrame:
    """Return the per-run table (run, parameters, ``outcome@YYYY-12``, parity flags).

    Args:
        result: an `EnsembleResult`, a `Results` (loaded folder) or the table itself.

    Raises:
        ValueError: if a results folder has no ``runs.parquet``.
    """
    if isinstance(result, pd.DataFrame):
        return result
    if hasattr(result, "per_run"):
        return result.per_run()
    runs = getattr(result, "runs", None)
    if isinstance(runs, pd.DataFrame):
        return runs
    raise ValueError(f"{getattr(result, 'path', result)} has no per-run table (runs.parquet)")


def monthly(result: Any) -> pd.DataFrame:
    """Monthly quantiles (month, outcome, mean, p5 … p95) of an ensemble or a results folder.

    Raises:
        ValueError: if a results folder has no ``monthly.parquet``.
    """
    if isinstance(result, pd.DataFrame):
        return result
    if hasattr(result, "monthly_quantiles"):
        return result.monthly_quantiles()
    table = getattr(result, "monthly", None)
    if isinstance(table, pd.DataFrame):
        return table
    raise ValueError(f"{getattr(result, 'path', result)} has no monthly table (monthly.parquet)")


def year_end_labels(runs: pd.DataFrame, outcome: str) -> list[str]:
    """List the 'YYYY-12' labels for which the per-run table has `outcome`, in time order."""
    return sorted(c.split("@", 1)[1] for c in runs.columns if c.startswith(f"{outcome}@"))


def year_end_long(runs_by_scenario: Mapping[str, Any], outcome: str) -> pd.DataFrame:
    """One row per (scenario, year-end, run): the outcome's value.

    Args:
        runs_by_scenario: scenario name -> result or per-run table, in display order.
        outcome: outcome name, e.g. ``capability_lag_months``.

    Returns:
        Columns scenario, year_end, run, value; scenario is an ordered categorical.
    """
    frames = []
    for name, result in runs_by_scenario.items():
        runs = per_run(result)
        for label in year_end_labels(runs, outcome):
            frames.append(
                pd.DataFrame(
                    {
                        "scenario": name,
                        "year_end": label,
                        "run": runs["run"].to_numpy(),
                        "value": runs[f"{outcome}@{label}"].to_numpy(dtype=float),
                    }
                )
            )
    if not frames:
        raise ValueError(f"no per-run values of {outcome!r} in the results given")
    out = pd.concat(frames, ignore_index=True)
    out["scenario"] = pd.Categorical(out["scenario"], categories=list(runs_by_scenario))
    return out


def parity_curve(result: Any, within_months: float = 0.0) -> pd.DataFrame:
    """Cumulative probability that China has come within `within_months` of the US by each date.

    With ``within_months = 0`` this is P(parity by date): the share of runs whose capability lag
    has been zero or less at some month up to that date. From an `EnsembleResult` (which keeps
    every run's monthly lag) the curve is monthly; from a results folder it is read off the
    per-run ``china_parity_by@YYYY-12`` flags, at year-ends only, and only for parity.

    Returns:
        Columns date (first day of the month, datetime64), p (probability [fraction]).

    Raises:
        ValueError: for a threshold other than 0 without monthly per-run series.
    """
    series = getattr(result, "monthly", None)
    if isinstance(series, Mapping) and "capability_lag_months" in series:
        lag = np.asarray(series["capability_lag_months"], dtype=float)
        reached = np.logical_or.accumulate(lag <= within_months, axis=0)
        months = list(result.months)
        p = reached.mean(axis=1)
    else:
        if within_months != 0.0:
            raise ValueError("a results folder keeps parity flags only: use within_months=0")
        runs = per_run(result)
        months = year_end_labels(runs, "china_parity_by")
        p = np.array([runs[f"china_parity_by@{m}"].astype(bool).mean() for m in months])
    return pd.DataFrame({"date": pd.to_datetime([f"{m}-01" for m in months]), "p": p})


def lag_within_table(result: Any, within: Sequence[float] = (3.0,)) -> pd.DataFrame:
    """P(China's lag is at most N months in each December), for each N.

    Reads summary.json's ``probabilities.china_lag_at_most`` from a results folder when it holds
    every N asked for; otherwise computes it from the per-run year-end lags (an `EnsembleResult`,
    an older folder, or the per-run table).

    Returns:
        Columns within (N [months]), year_end ('YYYY-12'), p (share of runs [fraction]).
    """
    from sim.outcomes import lag_at_most

    stored = result.lag_at_most() if hasattr(result, "lag_at_most") else None
    if stored is not None and set(map(float, within)) <= set(stored["within"]):
        return stored[stored["within"].isin([float(n) for n in within])].reset_index(drop=True)
    runs = per_run(result)
    lag = "capability_lag_months"
    found = lag_at_most({y: runs[f"{lag}@{y}"].to_numpy() for y in year_end_labels(runs, lag)}, within)
    rows = [
        {"within": float(n), "year_end": y, "p": p} for n, by in found.items() for y, p in by.items()
    ]
    return pd.DataFrame(rows, columns=["within", "year_end", "p"])


def policy_dates(scenario: Any) -> list[tuple[str, str]]:
    """The months the policy changes after the start: (YYYY-MM, label), in date order.

    The policy under study takes effect at ``policy.effective``; a ``timeline:`` event at its
    date. (``history:`` events are the past every scenario shares, not the policy studied.)

    Args:
        scenario: a `sim.scenario.Scenario` or its resolved dict (a folder's scenario.yaml).
    """
    data = scenario.model_dump(mode="json") if hasattr(scenario, "model_dump") else dict(scenario)
    start = str((data.get("run") or {}).get("start", ""))
    found = []
    effective = (data.get("policy") or {}).get("effective")
    if effective:
        found.append((str(effective), "policy in force"))
    for event in data.get("timeline") or []:
        note = str(event.get("note") or "timeline event")
        found.append((str(event["date"]), note if len(note) <= 30 else note[:29] + "…"))
    return sorted(d for d in found if d[0] > start)


def is_paired(
    base: pd.DataFrame, other: pd.DataFrame, base_info: Mapping[str, Any], other_info: Mapping[str, Any]
) -> bool:
    """Whether two per-run tables come from the same seed and run indices (common draws)."""
    return (
        base_info.get("seed") == other_info.get("seed")
        and base_info.get("runs") == other_info.get("runs")
        and len(base) == len(other)
        and np.array_equal(base["run"].to_numpy(), other["run"].to_numpy())
    )


def paired_differences(base: Any, other: Any, outcome: str) -> pd.DataFrame:
    """Per-run paired difference other - base of an outcome at every common year-end.

    The caller must make sure both ensembles share seed and runs (`is_paired`); run i is then
    matched with run i.

    Returns:
        Columns year_end, run, difference.
    """
    a, b = per_run(base), per_run(other)
    if len(a) != len(b) or not np.array_equal(a["run"].to_numpy(), b["run"].to_numpy()):
        raise ValueError("paired differences need the same run indices in both ensembles")
    labels = [y for y in year_end_labels(a, outcome) if y in set(year_end_labels(b, outcome))]
    frames = [
        pd.DataFrame(
            {
                "year_end": y,
                "run": a["run"].to_numpy(),
                "difference": b[f"{outcome}@{y}"].to_numpy(dtype=float)
                - a[f"{outcome}@{y}"].to_numpy(dtype=float),
            }
        )
        for y in labels
    ]
    return pd.concat(frames, ignore_index=True)


def effect_summary(diffs_by_scenario: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Summarise paired differences: mean, quantiles and the share of runs on each side of zero.

    Args:
        diffs_by_scenario: scenario -> `paired_differences` table.

    Returns:
        One row per (scenario, year_end): mean, p5, p25, p50, p75, p95, p_lower (share of runs
        where the scenario's value is lower than the baseline's), p_higher, runs.
    """
    rows = []
    for name, diffs in diffs_by_scenario.items():
        for year, group in diffs.groupby("year_end", sort=True):
            d = group["difference"].to_numpy(dtype=float)
            q = np.quantile(d, list(QUANTILES.values()))
            row = {"scenario": name, "year_end": year, "mean": float(d.mean())}
            row.update({k: float(v) for k, v in zip(QUANTILES, q, strict=True)})
            row.update(
                {
                    "p_lower": float(np.mean(d < 0)),
                    "p_higher": float(np.mean(d > 0)),
                    "runs": int(d.size),
                }
            )
            rows.append(row)
    return pd.DataFrame(rows)


def source_totals(result: Any) -> pd.DataFrame:
    """China's chips by source per calendar year and run, and each source's share of the total.

    Returns:
        Columns year_end, source (label), run, value [H100e/year], share [fraction of the year's
        chips reaching Chinese labs; NaN when that total is zero].
    """
    runs = per_run(result)
    labels = year_end_labels(runs, CHINA_SOURCES[0][0])
    frames = []
    for y in labels:
        values = {text: runs[f"{name}@{y}"].to_numpy(dtype=float) for name, text in CHINA_SOURCES}
        total = np.sum(list(values.values()), axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            for text, v in values.items():
                share = np.where(total > 0, v / np.where(total > 0, total, 1.0), np.nan)
                frames.append(
                    pd.DataFrame(
                        {
                            "year_end": y,
                            "source": text,
                            "run": runs["run"].to_numpy(),
                            "value": v,
                            "share": share,
                        }
                    )
                )
    return pd.concat(frames, ignore_index=True)
