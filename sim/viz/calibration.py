"""Plots of the calibration: the fit, the parameters within their priors, the backtest.

The fit is shown against every target, and the backtest covers the first simulated year.

They read the plain data `sim calibrate` writes (``calibration/fit_report.json``,
``priors.yaml``, ``calibrated.yaml``), so they work on any calibration folder. Like
`sim.viz.run`, they return `matplotlib.figure.Figure` objects in the style of `sim.viz.style`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import outcomes
from sim.viz import style


def calibration_targets(rows: Sequence[Mapping[str, Any]], heading: str) -> Figure:
    """Every calibration target: the model against the target, in units of its tolerance.

    Args:
        rows: the fit report's target rows (id, kind, value, tolerance, model_p5, model_p50,
            model_p95, pass).
        heading: figure title.
    """
    rows = list(rows)
    y = np.arange(len(rows))
    fig = style.figure(8, 0.38 * len(rows) + 1.6)
    ax = fig.add_subplot()
    lim = 3.0
    for yi, r in zip(y, rows, strict=True):
        tol = float(r["tolerance"])
        lo, mid, hi = (
            (float(r[k]) - float(r["value"])) / tol for k in ("model_p5", "model_p50", "model_p95")
        )
        region = {"point": (-1.0, 1.0), "lower": (-1.0, lim * 10), "upper": (-lim * 10, 1.0)}[r["kind"]]
        ax.barh(yi, region[1] - region[0], left=region[0], height=0.8, color="0.88", lw=0)
        ax.hlines(yi, np.clip(lo, -lim, lim), np.clip(hi, -lim, lim), color="0.2", lw=1.5)
        marker = "o" if r.get("pass") else "X"
        ax.plot(
            np.clip(mid, -lim, lim),
            yi,
            marker,
            color=style.INK,
            mfc="white" if r.get("pass") else style.INK,
            ms=7,
        )
        if abs(mid) > lim:
            ax.annotate(
                f"{mid:+.0f}",
                (np.clip(mid, -lim, lim), yi),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                fontsize="x-small",
            )
    style.zero_line(ax, vertical=True)
    ax.set_xlim(-lim - 0.2, lim + 0.2)
    ax.set_yticks(y, [f"{r['id']} ({r['kind']})" for r in rows])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlabel(
        "(model − target) / tolerance [tolerances]; grey: target met; o pass, X fail; clipped at ±3"
    )
    ax.set_title(heading)
    style.grid(ax, "x")
    return fig


def calibrated_parameters(
    priors: Mapping[str, Mapping[str, Any]],
    calibrated: Mapping[str, Mapping[str, Any]],
    point_fit: Mapping[str, float],
    heading: str,
) -> Figure:
    """Each free parameter's calibrated distribution within its prior range (scaled to [0, 1]).

    Args:
        priors: priors.yaml's ``parameters`` ({path: {low, high, unit, …}}).
        calibrated: calibrated.yaml's ``uncertainties``: {path: {dist, low, mode, high}} or, for
            the joint posterior, {path: {dist: empirical, values: [...], group}} (drawn as its
            5%-95% range and median).
        point_fit: the fit report's point values ({path: value}).
        heading: figure title.
    """
    paths = list(priors)
    y = np.arange(len(paths))
    fig = style.figure(8, 0.4 * len(paths) + 1.6)
    ax = fig.add_subplot()
    for yi, path in zip(y, paths, strict=True):
        low, high = float(priors[path]["low"]), float(priors[path]["high"])

        def scale(v: float, low: float = low, high: float = high) -> float:
            return (float(v) - low) / (high - low)

        ax.barh(yi, 1.0, left=0.0, height=0.7, color="0.9", edgecolor="0.6", lw=0.5)
        post = calibrated.get(path)
        if post and post.get("dist") == "empirical" and post.get("values"):
            values = np.asarray(post["values"], dtype=float)
            p5, p50, p95 = np.quantile(values, [0.05, 0.5, 0.95])
            post = {"low": p5, "mode": p50, "high": p95}
        if post and {"low", "high"} <= set(post):
            ax.hlines(yi, scale(post["low"]), scale(post["high"]), color="0.2", lw=3)
            if "mode" in post:
                ax.plot(scale(post["mode"]), yi, "^", color=style.INK, ms=7)
        if path in point_fit:
            ax.plot(scale(point_fit[path]), yi, "o", color=style.INK, mfc="white", ms=7)
    ax.plot([], [], "s", color="0.9", mec="0.6", label="prior range")
    ax.plot([], [], "-", color="0.2", lw=3, label="calibrated range (5%–95%, or low–high)")
    ax.plot([], [], "^", color=style.INK, label="calibrated median (or mode)")
    ax.plot([], [], "o", color=style.INK, mfc="white", label="point fit")
    ax.set_yticks(y, [f"{p} [{priors[p].get('unit', '')}]" for p in paths], fontsize="small")
    ax.set_ylim(len(paths) - 0.5, -0.5)
    ax.set_xlim(-0.05, 1.05)
    ax.set_xlabel("Position within the prior range [fraction: 0 = low, 1 = high]")
    ax.set_title(heading)
    style.legend_below(fig, *ax.get_legend_handles_labels(), ncols=4)
    return fig


def backtest(
    monthly: pd.DataFrame,
    targets: Sequence[Mapping[str, Any]],
    events: Sequence[tuple[str, str]],
    heading: str,
    until: str,
) -> Figure:
    """Show the first simulated months against observed figures and dated policy events.

    Top: the capability lag (median, 50% and 90% bands) with each lag target as a band of
    value ± tolerance. Bottom: China's legal and smuggled chip imports per month. Dashed
    vertical lines mark the policy events.

    Args:
        monthly: monthly quantiles of the ensemble.
        targets: target rows with their definitions merged (id, value, tolerance, quantity).
        events: (YYYY-MM, short note) of the dated policy events to mark.
        heading: figure title.
        until: last month shown [YYYY-MM].
    """
    fig = style.figure(8, 7)
    top, bottom = fig.subplots(2, 1, sharex=True)
    df = monthly[monthly["month"] <= until]

    def series(name: str) -> tuple[pd.Series, pd.DataFrame]:
        d = df[df["outcome"] == name]
        return style.months(d), d

    x, lag = series("capability_lag_months")
    style.bands(top, x, lag)
    for t in targets:
        q = t.get("quantity") or {}
        if q.get("series") != "capability_lag_months":
            continue
        v, tol = float(t["value"]), float(t["tolerance"])
        top.axhspan(
            v - tol,
            v + tol,
            color="0.5",
            alpha=0.25,
            hatch="//",
            lw=0,
            label=f"{t['id']}: {v:g} ± {tol:g} months",
        )
    top.set_ylabel(outcomes.label("capability_lag_months"))
    style.legend(top, "upper right", fontsize="small", ncols=2)
    style.grid(top)
    for name, text, ls in (
        ("china_chip_imports_legal_h100e", "legal imports", "-"),
        ("china_chip_imports_smuggled_h100e", "smuggled", "--"),
    ):
        x, d = series(name)
        bottom.fill_between(x, d["p5"], d["p95"], color=style.BAND_90 if ls == "-" else "0.7", alpha=0.7)
        bottom.plot(
            x, d["p50"], color=style.INK, ls=ls, lw=1.8, label=f"{text}: median and 90% interval"
        )
    bottom.set_ylabel("Chips reaching Chinese labs [H100e/month]")
    bottom.set_xlabel("Month")
    style.grid(bottom)
    for ax in (top, bottom):
        for month, _note in events:
            ax.axvline(pd.Timestamp(f"{month}-01"), color=style.REFERENCE, ls=":", lw=1)
    for month, note in events:
        bottom.annotate(
            f"{month}: {note[:38]}",
            (pd.Timestamp(f"{month}-01"), 1.0),
            xycoords=("data", "axes fraction"),
            rotation=90,
            va="top",
            ha="right",
            fontsize="x-small",
            color="0.2",
        )
    style.legend(bottom, "upper left", fontsize="small")
    top.set_title(heading)
    return fig
