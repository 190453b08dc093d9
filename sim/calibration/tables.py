"""The fit report's tables: target and validation rows, the shipped posterior, the Markdown.

`fit_rows` and `validation_rows` give, per target (or held-out ``validation:`` entry), the model
at the point fit and the baseline as shipped (posterior draws), with the share of shipped runs
that meet it on their own; `posterior_summary` the shipped joint posterior; `markdown_report`
renders fit_report.md. `sim.calibration.report` writes the files.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.calibration.fit import CalibrationResult
from sim.calibration.posterior import POSTERIOR_GROUP
from sim.calibration.targets import Check, Target, normalised_error, passes


def share_meeting(t: Target, x: np.ndarray) -> float:
    """Share of runs whose own value meets the target within tolerance [fraction]."""
    x = np.asarray(x, dtype=float)
    return float(np.mean(np.abs(normalised_error(t, x)) <= 1.0)) if x.size else float("nan")


def _rows(
    targets: list[Target], values: dict[str, np.ndarray], predictive: dict[str, np.ndarray]
) -> list[dict[str, Any]]:
    """Value, model median and 90% interval, error, pass/fail; the same as shipped."""
    rows = []
    for t in targets:
        x = np.asarray(values[t.id], dtype=float)
        med = float(np.median(x))
        row = {
            "id": t.id,
            "document": t.document,
            "figure": t.figure,
            "kind": t.kind,
            "value": t.value,
            "tolerance": t.tolerance,
            "unit": t.unit,
            "model_p50": med,
            "model_p5": float(np.quantile(x, 0.05)),
            "model_p95": float(np.quantile(x, 0.95)),
            "error": float(normalised_error(t, med)),
            "pass": bool(passes(t, med)),
            "in_fit": t.in_fit,
            "structural_miss": t.structural_miss,
        }
        if isinstance(t, Check):
            row.update(source=t.source, in_fit=False)
        y = np.asarray(predictive[t.id], dtype=float)
        row.update(
            shipped_p50=float(np.median(y)),
            shipped_p5=float(np.quantile(y, 0.05)),
            shipped_p95=float(np.quantile(y, 0.95)),
            shipped_pass=bool(passes(t, float(np.median(y)))),
            shipped_share_pass=share_meeting(t, y),
        )
        rows.append(row)
    return rows


def fit_rows(result: CalibrationResult) -> list[dict[str, Any]]:
    """One row per target: value, model median and 90% interval, error, pass/fail.

    The ``shipped_*`` fields are the baseline as shipped (posterior draws): median, interval,
    pass/fail of the median, and the share of runs that meet the target on their own.
    """
    return _rows(result.targets, result.values, result.predictive)


def validation_rows(result: CalibrationResult) -> list[dict[str, Any]]:
    """One row per held-out figure (``validation:``), as `fit_rows`; never part of the fit."""
    return _rows(result.checks, result.check_values, result.check_predictive)


def posterior_summary(result: CalibrationResult) -> dict[str, Any]:
    """The shipped joint posterior: rows, quantiles per parameter, and the correlations."""
    paths = [p.path for p in result.priors if p.path in result.shipped]
    values = {path: np.asarray(result.shipped[path]["values"], dtype=float) for path in paths}
    out: dict[str, Any] = {
        "group": POSTERIOR_GROUP,
        "rows": len(next(iter(values.values()))) if values else 0,
        "accepted_draws": len(result.posterior.weights),
        "quantiles": {
            path: dict(
                zip(("p5", "p50", "p95"), map(float, np.quantile(x, [0.05, 0.5, 0.95])), strict=True)
            )
            for path, x in values.items()
        },
    }
    if len(paths) > 1 and out["rows"] > 2:
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = np.corrcoef(np.stack([values[p] for p in paths]))
        out["correlation"] = {
            a: {
                b: (None if not np.isfinite(corr[i, j]) else round(float(corr[i, j]), 4))
                for j, b in enumerate(paths)
            }
            for i, a in enumerate(paths)
        }
    return out


def _num(x: float) -> str:
    if abs(x) >= 1e12:  # FLOP and the like: scientific notation
        return f"{x:.3g}"
    if abs(x) >= 1e5:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.3g}"


def _table(rows: list[dict[str, Any]], where: str) -> list[str]:
    """The Markdown table of target (or validation) rows."""
    lines = [
        f"| target | {where} | kind | value | tolerance | model median [5%, 95%] | error | "
        "result | as shipped: median [5%, 95%] | as shipped: runs meeting it |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        verdict = "pass" if r["pass"] else "FAIL"
        if not r["in_fit"] and "source" not in r:
            verdict += " (structural, not fitted)"
        lines.append(
            f"| {r['id']}: {r['figure']} | {r.get('source') or r.get('document') or ''} | "
            f"{r['kind']} | {_num(r['value'])} {r['unit']} | {_num(r['tolerance'])} | "
            f"{_num(r['model_p50'])} [{_num(r['model_p5'])}, {_num(r['model_p95'])}] | "
            f"{r['error']:+.2f} | {verdict} | "
            f"{_num(r['shipped_p50'])} [{_num(r['shipped_p5'])}, {_num(r['shipped_p95'])}] "
            f"{'pass' if r['shipped_pass'] else 'FAIL'} | {r['shipped_share_pass']:.0%} |"
        )
    return lines


def _correlations(summary: dict[str, Any], threshold: float = 0.3) -> list[str]:
    """Pairs of free parameters whose posterior correlation reaches `threshold`, strongest first."""
    corr = summary.get("correlation") or {}
    paths = list(corr)
    pairs = [
        (corr[a][b], a, b)
        for i, a in enumerate(paths)
        for b in paths[i + 1 :]
        if corr[a][b] is not None and abs(corr[a][b]) >= threshold
    ]
    return [f"`{a}` ~ `{b}`: {r:+.2f}" for r, a, b in sorted(pairs, key=lambda x: -abs(x[0]))]


def markdown_report(result: CalibrationResult, provenance: dict[str, Any]) -> str:
    """Render the fit report as Markdown: provenance, targets, validation, parameters, posterior."""
    lines = [
        "# Calibration fit report",
        "",
        "Written by `sim calibrate`; do not edit by hand. Targets: `targets.yaml`; free "
        "parameters: `priors.yaml`; result: `calibrated.yaml`; figure: `fit.png`.",
        "",
    ]
    for key, value in provenance.items():
        lines.append(f"- {key}: `{value}`")
    lines += [
        "",
        "## Targets",
        "",
        "Model value: median over the runs at the point fit, with the 90% interval. "
        "Error: in units of tolerance (0 inside a one-sided bound); pass if |error| <= 1.",
        "",
        "The last two columns are the baseline as shipped: the free parameters drawn jointly "
        "from the posterior in every run (a posterior predictive check): the median with its "
        "interval and pass/fail, and the share of runs whose own value meets the target.",
        "",
        *_table(fit_rows(result), "source"),
    ]
    misses = [t for t in result.targets if t.structural_miss]
    if misses:
        lines += ["", "## Targets the model cannot meet", ""]
        for t in misses:
            lines.append(f"- **{t.id}**: {' '.join(t.structural_miss.split())}")
    if result.checks:
        lines += [
            "",
            "## Validation (held out of the fit)",
            "",
            "Public figures the fit never sees (`validation:` in `targets.yaml`): neither the "
            "loss nor the ABC acceptance reads them, so they are out-of-sample checks. Columns "
            "as above.",
            "",
            *_table(validation_rows(result), "source"),
        ]
    summary = posterior_summary(result)
    lines += [
        "",
        "## Free parameters",
        "",
        f"| parameter | prior range | point fit | posterior median [5%, 95%] ({summary['rows']} rows) |",
        "|---|---|---|---|",
    ]
    for p, v in zip(result.priors, result.fit.theta, strict=True):
        q = summary["quantiles"].get(p.path)
        post = f"{q['p50']:.4g} [{q['p5']:.4g}, {q['p95']:.4g}]" if q else "-"
        lines.append(f"| `{p.path}` [{p.unit}] | {p.low:g} - {p.high:g} | {v:.4g} | {post} |")
    pairs = _correlations(summary)
    lines += [
        "",
        f"ABC: {result.posterior.rule} ({result.posterior.n_within} of "
        f"{result.posterior.n_drawn:,} prior draws met every fitted target). The Monte Carlo "
        f"draws the {summary['rows']} rows resampled from the {summary['accepted_draws']} "
        "accepted draws (by importance weight) as one joint group: each run takes one row "
        "whole, so the correlations between parameters are kept.",
        "",
        "Posterior correlations with |r| >= 0.3: " + ("; ".join(pairs) if pairs else "none") + ".",
        "",
    ]
    return "\n".join(lines)
