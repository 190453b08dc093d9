"""Plots: functions that take results (tables) and return a matplotlib Figure.

They use `matplotlib.figure.Figure` directly (no pyplot state), label axes with units, and draw
in shades of grey with line styles so they read in greyscale. Titles say the scenario, the run
count and the seed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.metrics import OUTCOMES

LABELS = {
    "capability_lag_months": "Capability lag of China behind the US [months]",
    "china_compute_share": "China's share of installed H100e [fraction]",
    "china_chip_imports_h100e": "China's chip imports [H100e/year]",
    "china_chip_imports_legal_h100e": "China's legal imports [H100e/month]",
    "china_chip_imports_smuggled_h100e": "China's smuggled imports [H100e/month]",
    "china_domestic_chips_h100e": "China's domestic chips [H100e/month]",
    "us_ai_power_gw": "US AI power [GW]",
    "china_ai_power_gw": "China AI power [GW]",
    "us_frontier_capability": "US frontier [log10 effective FLOP]",
    "china_frontier_capability": "China frontier [log10 effective FLOP]",
}


def label(outcome: str) -> str:
    """Axis label with unit for an outcome."""
    if outcome in LABELS:
        return LABELS[outcome]
    unit = OUTCOMES.get(outcome, ("", ""))[1]
    return f"{outcome} [{unit}]" if unit else outcome


def title(name: str, runs: int, seed: int, what: str) -> str:
    """'<what> — <scenario> (N runs, seed S)'."""
    return f"{what}: {name} ({runs:,} runs, seed {seed})"


def fan_chart(monthly: pd.DataFrame, outcome: str, heading: str, zero_line: bool = False) -> Figure:
    """Median with 50% and 90% bands of a monthly outcome over time.

    Args:
        monthly: table with columns month, outcome, p5, p25, p50, p75, p95.
        outcome: which outcome to draw.
        heading: figure title.
        zero_line: draw a dashed line at zero (parity for the lag).
    """
    df = monthly[monthly["outcome"] == outcome]
    x = pd.to_datetime(df["month"] + "-01")
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    ax.fill_between(x, df["p5"], df["p95"], color="0.85", label="90% interval")
    ax.fill_between(x, df["p25"], df["p75"], color="0.65", label="50% interval")
    ax.plot(x, df["p50"], color="0.0", lw=2, label="median")
    if zero_line:
        ax.axhline(0.0, color="0.3", ls="--", lw=1, label="parity")
    ax.set_xlabel("Month")
    ax.set_ylabel(label(outcome))
    ax.set_title(heading)
    ax.grid(True, color="0.9")
    ax.legend(loc="best", frameon=False)
    return fig


def distributions(runs: pd.DataFrame, outcome: str, heading: str) -> Figure:
    """Violin plots of an outcome's per-run values at each year-end."""
    cols = [c for c in runs.columns if c.startswith(f"{outcome}@")]
    data = [runs[c].to_numpy(dtype=float) for c in cols]
    labels = [c.split("@")[1][:4] for c in cols]
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    parts = ax.violinplot(data, showmedians=True, showextrema=False)
    for body in parts["bodies"]:
        body.set_facecolor("0.6")
        body.set_edgecolor("0.2")
        body.set_alpha(1.0)
    parts["cmedians"].set_color("0.0")
    ax.set_xticks(np.arange(1, len(labels) + 1), labels)
    ax.set_xlabel("Year end (December)")
    ax.set_ylabel(label(outcome))
    if outcome == "capability_lag_months":
        ax.axhline(0.0, color="0.3", ls="--", lw=1)
    ax.set_title(heading)
    ax.grid(True, axis="y", color="0.9")
    return fig


def china_compute_sources(monthly: pd.DataFrame, heading: str) -> Figure:
    """China's monthly chip inflow by source: legal imports, smuggled, domestic.

    Medians are stacked; each source's 90% interval is drawn as error bars at year-ends.
    """
    sources = [
        ("china_chip_imports_legal_h100e", "legal imports", "0.25", None),
        ("china_chip_imports_smuggled_h100e", "smuggled", "0.55", "//"),
        ("china_domestic_chips_h100e", "domestic (Huawei)", "0.8", ".."),
    ]
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    base = None
    for name, text, colour, hatch in sources:
        df = monthly[monthly["outcome"] == name]
        x = pd.to_datetime(df["month"] + "-01")
        y = df["p50"].to_numpy()
        lower = np.zeros_like(y) if base is None else base
        ax.fill_between(
            x,
            lower,
            lower + y,
            color=colour,
            hatch=hatch,
            edgecolor="0.1",
            lw=0.3,
            label=f"{text} (median)",
        )
        dec = df["month"].str.endswith("-12").to_numpy()
        ax.errorbar(
            x[dec],
            (lower + y)[dec],
            yerr=[y[dec] - df["p5"].to_numpy()[dec], df["p95"].to_numpy()[dec] - y[dec]],
            fmt="none",
            ecolor="0.0",
            capsize=3,
            lw=0.8,
        )
        base = lower + y
    ax.set_xlabel("Month")
    ax.set_ylabel("Chips reaching Chinese labs [H100e/month]")
    ax.set_title(heading)
    ax.legend(loc="upper left", frameon=False)
    ax.grid(True, color="0.9")
    return fig


def save_run_plots(result: Any, folder: Path) -> list[Path]:
    """The PNGs of a `sim run` results folder."""
    name, runs, seed = result.scenario.name, result.runs, result.seed
    monthly = result.monthly_quantiles()
    per_run = result.per_run()
    figures = {
        "lag_fan.png": fan_chart(
            monthly,
            "capability_lag_months",
            title(name, runs, seed, "Capability lag"),
            zero_line=True,
        ),
        "compute_share_fan.png": fan_chart(
            monthly, "china_compute_share", title(name, runs, seed, "China's compute share")
        ),
        "lag_distribution.png": distributions(
            per_run, "capability_lag_months", title(name, runs, seed, "Lag at year-ends")
        ),
        "china_compute_sources.png": china_compute_sources(
            monthly, title(name, runs, seed, "Where China's chips come from")
        ),
    }
    paths = []
    for file, fig in figures.items():
        path = Path(folder) / file
        fig.savefig(path, dpi=110)
        paths.append(path)
    return paths
