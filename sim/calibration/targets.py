"""Calibration targets and free parameters: the schema of their files and the quantities.

A target maps a figure of docs/sources.md to a model quantity: a monthly series (``sim.model.SERIES``
or a derived one) reduced to one number per run over a window of months. The calibration
compares the median over runs with the target's value, in units of its tolerance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.errors import ScenarioError
from sim.model import SERIES
from sim.scenario import Scenario, YearMonth, chip_types, default_world, month_index, read_yaml

#: Series computed from recorded ones: name -> the recorded series it adds up.
DERIVED: dict[str, tuple[str, ...]] = {
    "total_researchers": ("us_researchers", "china_researchers"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def series_names() -> list[str]:
    """Every series a target may read."""
    return [*SERIES, "capability_lag_months", *DERIVED]


class Quantity(_Strict):
    """A model quantity: a series reduced to one number per run."""

    series: str | None = Field(None, description="Monthly series to read (sim.model.SERIES).")
    catalogue: str | None = Field(None, description="Chip type to check in the catalogue.")
    op: Literal[
        "mean", "sum", "at", "min", "max", "change", "max_increase", "growth", "chips_per_gw"
    ] = Field(
        description="Reduction over the months; growth: (x[to] / x[from]) ** (12 / months "
        "between) [x/year]."
    )
    from_: YearMonth | None = Field(None, alias="from", description="First month [YYYY-MM].")
    to: YearMonth | None = Field(None, description="Last month, inclusive [YYYY-MM].")
    month: YearMonth | None = Field(None, description="The month of op: at [YYYY-MM].")
    window: int | None = Field(None, ge=1, description="Months of op: max_increase [months].")
    divide_by: str | None = Field(None, description="Divide by this series month by month.")
    scale: float = Field(1.0, description="Unit conversion applied last [target unit/series unit].")
    without_history: YearMonth | None = Field(
        None,
        description="Counterfactual without the history event of this month, minus the "
        "baseline [YYYY-MM].",
    )
    gw: float | None = Field(None, gt=0, description="Power of op: chips_per_gw [GW].")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _consistent(self) -> Quantity:
        if (self.series is None) == (self.catalogue is None):
            raise ValueError("give exactly one of series: or catalogue:")
        if self.catalogue is not None:
            known = chip_types(default_world())
            if self.catalogue not in known:
                raise ValueError(f"unknown chip type {self.catalogue!r}; use one of {known}")
            if self.op != "chips_per_gw" or self.gw is None:
                raise ValueError("a catalogue check needs op: chips_per_gw and gw:")
            return self
        for name in (self.series, self.divide_by):
            if name is not None and name not in series_names():
                raise ValueError(f"unknown series {name!r}; use one of {', '.join(series_names())}")
        if self.op == "chips_per_gw":
            raise ValueError("op: chips_per_gw needs catalogue:, not series:")
        if self.op == "at":
            if self.month is None:
                raise ValueError("op: at needs month:")
        elif self.from_ is None or self.to is None:
            raise ValueError(f"op: {self.op} needs from: and to:")
        elif month_index(self.to) < month_index(self.from_):
            raise ValueError("to: is before from:; swap them")
        if self.op == "growth" and month_index(self.to) == month_index(self.from_):
            raise ValueError("op: growth needs to: after from: (a rate over at least one month)")
        if self.op == "max_increase" and self.window is None:
            raise ValueError("op: max_increase needs window: (months)")
        return self


class Target(_Strict):
    """One figure the calibrated baseline must reproduce."""

    id: str = Field(description="Source id from docs/sources.md (S1 …, P22 …), with a suffix if needed.")
    document: str = Field(description="File name of the source document in docs/sources/.")
    figure: str = Field(description="The figure, in words.")
    date: str = Field(description="The date or period it refers to.")
    quantity: Quantity = Field(description="The model quantity it maps to.")
    kind: Literal["point", "lower", "upper"] = Field(description="How the value bounds the model.")
    value: float = Field(description="The value [unit].")
    tolerance: float = Field(gt=0, description="Allowed error [unit].")
    unit: str = Field(description="Unit of value and tolerance.")
    why_tolerance: str = Field(description="Why this tolerance.")
    structural_miss: str | None = Field(
        None,
        description="Set when the model cannot meet the target by its structure: why. Such a "
        "target is reported but left out of the loss and the ABC acceptance.",
    )

    @property
    def in_fit(self) -> bool:
        """Whether the target enters the loss and the ABC acceptance."""
        return self.structural_miss is None

    def last_month(self) -> str | None:
        """Last month the quantity reads ('YYYY-MM'), None for a catalogue check."""
        q = self.quantity
        if q.catalogue is not None:
            return None
        return q.month if q.op == "at" else q.to


class Check(Target):
    """A public figure held out of the fit (``validation:``): checked, never fitted.

    The fields of a target, with `source` in words instead of a docs/sources/ document; the loss
    and the ABC acceptance never read it.
    """

    document: str | None = Field(None, description="File name of the source document, if any.")
    date: str | None = Field(None, description="The date or period it refers to.")
    source: str = Field(description="Where the figure comes from (docs/sources.md P-id, publication).")

    @property
    def in_fit(self) -> bool:
        """Never: a held-out figure enters neither the loss nor the ABC acceptance."""
        return False


class FreeParam(_Strict):
    """A free parameter: a dotted path, its prior range and the reason for it."""

    path: str = Field(description="Dotted path of a world parameter.")
    low: float = Field(description="Lower bound [unit].")
    high: float = Field(description="Upper bound [unit].")
    unit: str = Field(description="Unit.")
    targets: list[str] = Field(description="Targets that inform it.")
    reason: str = Field(description="Why this range.")

    @model_validator(mode="after")
    def _ordered(self) -> FreeParam:
        if not self.high > self.low:
            raise ValueError(f"high ({self.high}) must be above low ({self.low})")
        if not self.path.startswith("world."):
            raise ValueError(f"{self.path!r}: free parameters are world.… paths")
        return self


def _fail(path: Path, where: str, exc: ValidationError) -> ScenarioError:
    err = exc.errors(include_url=False)[0]
    loc = ".".join(str(p) for p in err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    return ScenarioError(
        path,
        f"{where}.{loc}" if loc else where,
        msg,
        "correct the entry (see the header of the file for the fields)",
    )


def _entries(path: Path, key: str, entries: list[Any], model: type[Target], seen: set[str]) -> list[Any]:
    """Validate the entries of one section; ids must be unique across sections."""
    out = []
    for i, entry in enumerate(entries):
        try:
            target = model.model_validate(entry)
        except ValidationError as exc:
            raise _fail(path, f"{key}[{i}]", exc) from None
        if target.id in seen:
            raise ScenarioError(
                path,
                f"{key}[{i}].id",
                f"duplicate id {target.id!r}",
                "give each target and validation entry its own id (e.g. S18-openai)",
            )
        seen.add(target.id)
        out.append(target)
    return out


def load_targets(path: Path) -> list[Target]:
    """Read and validate the ``targets:`` of calibration/targets.yaml.

    Raises:
        ScenarioError: naming the file, the entry and the field, with a fix.
    """
    path = Path(path)
    data = read_yaml(path)
    entries = data.get("targets")
    if not isinstance(entries, list) or not entries:
        raise ScenarioError(
            path,
            "targets",
            "needs a non-empty list of targets",
            "write targets: followed by '- id: S1 ...' entries",
        )
    return _entries(path, "targets", entries, Target, set())


def load_validation(path: Path) -> list[Check]:
    """Read and validate the ``validation:`` of calibration/targets.yaml (none if absent).

    Raises:
        ScenarioError: naming the file, the entry and the field, with a fix; also when an id
            repeats one of ``targets:``.
    """
    path = Path(path)
    data = read_yaml(path)
    entries = data.get("validation")
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise ScenarioError(
            path,
            "validation",
            "must be a list of entries",
            "write validation: followed by '- id: P20 ...' entries (the format of targets:)",
        )
    seen = {t.id for t in load_targets(path)}
    return _entries(path, "validation", entries, Check, seen)


def load_priors(path: Path) -> list[FreeParam]:
    """Read and validate calibration/priors.yaml; paths are checked against the schema.

    Raises:
        ScenarioError: naming the file, the parameter and the field, with a fix.
    """
    path = Path(path)
    data = read_yaml(path)
    entries = data.get("parameters")
    if not isinstance(entries, dict) or not entries:
        raise ScenarioError(
            path,
            "parameters",
            "needs a mapping of dotted paths to ranges",
            "write parameters: followed by 'world.x.y: {low:, high:, ...}'",
        )
    out = []
    for key, entry in entries.items():
        if not isinstance(entry, dict):
            raise ScenarioError(
                path,
                f"parameters.{key}",
                "must be a mapping",
                "give low:, high:, unit:, targets: and reason:",
            )
        try:
            param = FreeParam.model_validate({"path": key, **entry})
            Scenario.model_validate(
                {
                    "name": "check",
                    "uncertainties": {key: {"dist": "uniform", "low": param.low, "high": param.high}},
                }
            )
        except ValidationError as exc:
            raise _fail(path, f"parameters.{key}", exc) from None
        out.append(param)
    return out


# --------------------------------------------------------------------------- quantities


def _series(name: str, series: dict[str, np.ndarray]) -> np.ndarray:
    if name in DERIVED:
        return sum(series[n] for n in DERIVED[name])
    return series[name]


def _reduce(q: Quantity, series: dict[str, np.ndarray]) -> np.ndarray:
    """One number per run from the monthly series of one simulation."""
    start = int(series["_start"])
    x = _series(q.series, series)
    if q.divide_by is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            den = _series(q.divide_by, series)
            x = np.where(den != 0, x / np.where(den != 0, den, 1.0), 0.0)
    if q.op == "at":
        return x[month_index(q.month) - start]
    a, b = month_index(q.from_) - start, month_index(q.to) - start + 1
    if a < 0 or b > x.shape[0]:
        raise ScenarioError(
            None,
            "quantity",
            f"months {q.from_}..{q.to} are outside the run",
            "choose months inside the simulated horizon",
        )
    w = x[a:b]
    if q.op == "mean":
        return w.mean(axis=0)
    if q.op == "sum":
        return w.sum(axis=0)
    if q.op == "min":
        return w.min(axis=0)
    if q.op == "max":
        return w.max(axis=0)
    if q.op == "change":
        return w[-1] - w[0]
    if q.op == "growth":
        return _growth(q, w)
    # max_increase: the largest rise over `window` months within the period
    k = int(q.window)
    padded = x[max(a - k, 0) : b]
    return np.max(padded[k:] - padded[:-k], axis=0) if padded.shape[0] > k else w[-1] - w[0]


def _growth(q: Quantity, w: np.ndarray) -> np.ndarray:
    """Annual growth factor from the first to the last month of the window [x/year], per run."""
    first, last = w[0], w[-1]
    bad = ~((first > 0) & (last > 0) & np.isfinite(first) & np.isfinite(last))
    if np.any(bad):
        raise ScenarioError(
            None,
            "quantity",
            f"op: growth of {q.series} needs positive values at {q.from_} and {q.to}, but "
            f"{int(bad.sum())} of {bad.size} runs have a value <= 0 or not finite",
            "use op: change, or a series that stays positive",
        )
    return (last / first) ** (12.0 / (w.shape[0] - 1))


def evaluate_quantity(
    q: Quantity,
    base: dict[str, np.ndarray],
    counterfactual: dict[str, np.ndarray] | None,
    scenario: Scenario,
) -> np.ndarray:
    """Compute a target's quantity per run [target unit], shape (runs,)."""
    runs = next(v for k, v in base.items() if not k.startswith("_")).shape[1]
    if q.catalogue is not None:
        spec = scenario.world.chips[q.catalogue]
        return np.full(runs, q.gw * 1e6 / spec.kw_all_in * q.scale)
    value = _reduce(q, base)
    if q.without_history is not None:
        value = _reduce(q, counterfactual) - value
    return np.asarray(value, dtype=float) * q.scale


def normalised_error(t: Target, model: Any) -> Any:
    """Error of a model value in units of tolerance (0 inside a one-sided bound) [-]."""
    model = np.asarray(model, dtype=float)
    if t.kind == "point":
        err = model - t.value
    elif t.kind == "lower":
        err = np.minimum(model - t.value, 0.0)
    else:
        err = np.maximum(model - t.value, 0.0)
    out = err / t.tolerance
    return float(out) if out.ndim == 0 else out


def passes(t: Target, model: float) -> bool:
    """Whether a model value meets the target within tolerance."""
    return abs(normalised_error(t, model)) <= 1.0


def target_dump(t: Target) -> dict[str, Any]:
    """Dump a target as plain data (for the JSON report)."""
    return t.model_dump(mode="json", by_alias=True, exclude_none=True)
