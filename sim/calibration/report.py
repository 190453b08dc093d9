"""Outputs of the calibration: calibrated.yaml, the fit report, its figure, regression baselines.

The report's tables and Markdown are built in `sim.calibration.tables` (re-exported here).

Every file is written to a temporary sibling first and renamed into place once complete, so a
failed or interrupted `sim calibrate` leaves the previous files untouched.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.atomic import atomic_file
from sim.calibration.fit import CalibrationResult
from sim.calibration.tables import (
    fit_rows,
    markdown_report,
    posterior_summary,
    share_meeting,
    validation_rows,
)
from sim.calibration.targets import target_dump
from sim.errors import ScenarioError
from sim.run.results import sim_version
from sim.scenario import apply_paths, month_index, month_label, validate_dict

#: Outcomes, statistics and year-ends pinned by the regression baselines.
BASELINE_OUTCOMES = ("capability_lag_months", "china_compute_share")
BASELINE_STATS = ("p5", "p50", "p95")
BASELINE_YEARS = ("2026-12", "2028-12", "2030-12")
BASELINE_RUNS = 200
BASELINE_SEED = 7
#: The baseline and three policy scenarios (DESIGN.md's levers).
BASELINE_SCENARIOS = ("baseline", "loosen_h200", "tighten_full_ban", "h200_customs_block")
#: Relative tolerance of a pinned number (a fresh run with the same seed is bit-identical on
#: one machine; this absorbs floating-point differences between platforms).
BASELINE_RTOL = 1e-6
BASELINE_ATOL = 1e-9

__all__ = [
    "baseline_numbers",
    "calibrated_yaml",
    "compare_numbers",
    "fit_figure",
    "fit_rows",
    "git_sha",
    "markdown_report",
    "posterior_summary",
    "provenance",
    "refresh_baselines",
    "report_json",
    "share_meeting",
    "validation_rows",
    "write_outputs",
]


def git_sha(root: Path) -> str:
    """Return the git commit of `root` (+dirty if files differ from it; unknown without git)."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# --------------------------------------------------------------------------- calibrated.yaml


def _partial_world(priors: list[Any], theta: np.ndarray) -> tuple[dict[str, Any], list[str]]:
    """World point values for the blocks that accept a partial mapping; the paths left out."""
    world: dict[str, Any] = {}
    skipped = []
    for p, v in zip(priors, theta, strict=True):
        rel = p.path.removeprefix("world.")
        trial = apply_paths(world, {rel: float(v)})
        try:
            validate_dict({"name": "check", "world": trial}, None)
        except ScenarioError:
            skipped.append(p.path)
            continue
        world = trial
    return world, skipped


def calibrated_yaml(result: CalibrationResult, provenance: dict[str, Any]) -> str:
    """calibrated.yaml: a partial scenario the baseline extends (world:, uncertainties:)."""
    world, skipped = _partial_world(result.priors, result.fit.theta)
    uncertainties = {
        p.path: {k: result.shipped[p.path][k] for k in ("dist", "group", "values")}
        for p in result.priors
    }
    head = [
        "# Calibrated parameters, written by `sim calibrate`; do not edit by hand.",
        "# scenarios/baseline.yaml extends this file (and every scenario extends the",
        "# baseline): world: holds the point fit; uncertainties: the joint posterior the Monte",
        "# Carlo draws from, which overrides the point value in every run: the draws ABC",
        "# accepted, resampled by importance weight, as one empirical group. Every run takes",
        "# row i of every parameter's values (one accepted draw whole), so the correlations",
        "# between the parameters are kept. Fit table: fit_report.md.",
        "# Provenance:",
    ]
    head += [f"#   {k}: {v}" for k, v in provenance.items()]
    if skipped:
        head.append("# Point fits of " + ", ".join(skipped) + " are in fit_report.json only:")
        head.append("# their blocks cannot be given partially (the schema needs every field).")
    body = yaml.safe_dump(
        {"world": world, "uncertainties": uncertainties},
        sort_keys=False,
        default_flow_style=None,
        width=100,
    )
    return "\n".join(head) + "\n" + body


# --------------------------------------------------------------------------- figure


def fit_figure(result: CalibrationResult) -> Any:
    """Model against targets: normalised errors, and the 2025 backtest of dated events."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(13, 9), layout="constrained")
    ax = axes[0, 0]
    rows = fit_rows(result)
    ys = np.arange(len(rows))[::-1]
    errs = [np.clip(r["error"], -6, 6) for r in rows]
    colours = [
        "tab:green" if r["pass"] else ("tab:grey" if not r["in_fit"] else "tab:red") for r in rows
    ]
    ax.barh(ys, errs, color=colours)
    ax.axvspan(-1, 1, color="tab:green", alpha=0.1)
    ax.set_yticks(ys, [r["id"] for r in rows])
    ax.set_xlabel("error of the median [tolerances] (grey: structural miss, clipped at ±6)")
    ax.set_title("Model against targets")

    bt = result.backtest
    start = month_index("2025-01")
    n = min(24, bt["capability_lag_months"].shape[0])
    months = np.arange(n)
    labels = [month_label(start + i)[2:] for i in months]

    def fan(ax: Any, x: np.ndarray, colour: str, label: str) -> None:
        q = np.quantile(x[:n], [0.05, 0.5, 0.95], axis=1)
        ax.fill_between(months, q[0], q[2], color=colour, alpha=0.2)
        ax.plot(months, q[1], color=colour, label=label)

    ax = axes[0, 1]
    fan(ax, bt["capability_lag_months"], "tab:blue", "model median, 90% band")
    ax.plot([0, 11], [7, 7], "k--", label="S1: 7 months (2025 average)")
    ax.set_title("Backtest: capability lag [months]")
    ax.legend(fontsize=8)

    ax = axes[1, 0]
    fan(
        ax,
        bt["china_h20_imports_units"] / 1e3,
        "tab:red",
        "baseline (licence 2025-04, reversal 2025-07)",
    )
    for key, x in bt.items():
        if key.startswith("china_h20_imports_units|"):
            k = x.shape[0]
            q = np.median(x, axis=1) / 1e3
            ax.plot(months[:k], q[:n], color="tab:grey", ls=":", label=key.split("|")[1])
    ax.axvspan(3, 5.9, color="tab:red", alpha=0.08)
    ax.set_title("Backtest: H20 imports by China [thousand chips/month] (S20)")
    ax.legend(fontsize=8)

    ax = axes[1, 1]
    fan(ax, bt["openai_power_pipeline_gw"], "tab:purple", "OpenAI power contracted + queued")
    fan(ax, bt["openai_power_gw"], "tab:orange", "OpenAI power energised")
    ax.plot([6], [5.0], "k^", label="S7: > 5 GW under development, 2025-07")
    ax.set_title("Backtest: the Stargate ramp [GW]")
    ax.legend(fontsize=8)
    for ax in (axes[0, 1], axes[1, 0], axes[1, 1]):
        ax.set_xticks(months[::3], labels[::3])
        ax.set_xlabel("month (YY-MM)")
    return fig


# --------------------------------------------------------------------------- writing


def provenance(result: CalibrationResult, root: Path) -> dict[str, Any]:
    """Date, code version, input checksums and the fit's settings."""
    return {
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "sim_version": sim_version(),
        "git": git_sha(root),
        "targets_sha256": result.inputs["targets"],
        "priors_sha256": result.inputs["priors"],
        "baseline_sha256": result.inputs["baseline"],
        "fit": (
            f"L-BFGS-B, loss {result.fit.loss:.4f} after {result.fit.n_evals} evaluations "
            f"of {result.runs} runs, seed {result.seed}"
        ),
        "abc": f"{result.posterior.rule}; {result.posterior.n_drawn} prior draws",
        "posterior": (
            f"{len(next(iter(result.shipped.values()))['values']) if result.shipped else 0} rows "
            f"resampled from {len(result.posterior.weights)} accepted draws (seed {result.seed})"
        ),
        "wall_time_s": round(result.wall_time_s, 1),
    }


def report_json(result: CalibrationResult, prov: dict[str, Any]) -> dict[str, Any]:
    """Build the machine-readable report (the tests read it)."""
    return {
        "provenance": prov,
        "runs": result.runs,
        "seed": result.seed,
        "loss": result.fit.loss,
        "point_fit": {p.path: float(v) for p, v in zip(result.priors, result.fit.theta, strict=True)},
        "targets": fit_rows(result),
        "target_definitions": [target_dump(t) for t in result.targets],
        "validation": validation_rows(result),
        "validation_definitions": [target_dump(t) for t in result.checks],
        "posterior": posterior_summary(result),
    }


def write_outputs(result: CalibrationResult, out_dir: Path, root: Path) -> list[Path]:
    """Write calibrated.yaml, fit_report.md, fit_report.json and fit.png into `out_dir`."""
    prov = provenance(result, root)
    out_dir = Path(out_dir)
    fig = fit_figure(result)
    texts = {
        "calibrated.yaml": calibrated_yaml(result, prov),
        "fit_report.md": markdown_report(result, prov),
        "fit_report.json": json.dumps(report_json(result, prov), indent=2, sort_keys=True) + "\n",
    }
    written = []
    from sim.viz import style  # separators, 150 dpi and the clipping check of every figure

    atomic_file(out_dir / "fit.png", lambda tmp: style.save(fig, tmp, format="png"))
    written.append(out_dir / "fit.png")
    for name, text in texts.items():
        atomic_file(out_dir / name, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8"))
        written.append(out_dir / name)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return written


# --------------------------------------------------------------------------- regression baselines


def baseline_numbers(
    scenario_path: Path, runs: int = BASELINE_RUNS, seed: int = BASELINE_SEED
) -> dict[str, float]:
    """Compute the pinned numbers of one scenario: {'outcome@YYYY-12:stat': value}."""
    from sim import load_scenario, run_ensemble

    sc = load_scenario(scenario_path, {"run.runs": runs, "run.seed": seed})
    summary = run_ensemble(sc).summary_outcomes()
    return {
        f"{o}@{y}:{s}": float(summary[o][y][s])
        for o in BASELINE_OUTCOMES
        for y in BASELINE_YEARS
        for s in BASELINE_STATS
    }


def refresh_baselines(
    scenarios_dir: Path, out_dir: Path, names: tuple[str, ...] = BASELINE_SCENARIOS
) -> list[Path]:
    """Rewrite tests/regression/baselines/<name>.json from fresh runs of the shipped scenarios."""
    written = []
    for name in names:
        numbers = baseline_numbers(scenarios_dir / f"{name}.yaml")
        body = {
            "scenario": name,
            "runs": BASELINE_RUNS,
            "seed": BASELINE_SEED,
            "sim_version": sim_version(),
            "numbers": numbers,
        }
        path = Path(out_dir) / f"{name}.json"
        text = json.dumps(body, indent=2, sort_keys=True) + "\n"
        atomic_file(path, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8"))
        written.append(path)
    return written


def compare_numbers(
    old: dict[str, float],
    new: dict[str, float],
    rtol: float = BASELINE_RTOL,
    atol: float = BASELINE_ATOL,
) -> list[str]:
    """Lines 'name: old -> new (change)' for every number that moved beyond tolerance."""
    lines = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a is None or b is None:
            lines.append(f"{key}: {a} -> {b} (added or removed)")
        elif not np.isclose(b, a, rtol=rtol, atol=atol):
            change = f"{(b - a) / abs(a):+.2%}" if a != 0 else f"{b - a:+.4g}"
            lines.append(f"{key}: {a:.6g} -> {b:.6g} ({change})")
    return lines
