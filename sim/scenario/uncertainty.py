"""The `uncertainties:` block: distributions of uncertain parameters, keyed by dotted path.

Each run draws every uncertain parameter by inverse CDF (`sim.model.sampling.ppf`), so one
declaration serves the Monte Carlo, the sensitivity analysis (as SALib bounds) and calibration.

`empirical` declares equally likely values. Parameters that name the same `group:` form a joint
distribution (e.g. the calibration's accepted ABC particles): in every run they all take the same
row of their values, so correlations between them survive. Sensitivity designs (Sobol/SALib) still
draw each parameter independently through its inverse CDF, the empirical quantile.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from sim.scenario.types import Positive, Strict


class Uniform(Strict):
    """Uniform on [low, high]."""

    dist: Literal["uniform"] = Field(description="Distribution family.")
    low: float = Field(description="Lower bound [unit of the parameter].")
    high: float = Field(description="Upper bound [unit of the parameter].")

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.high > self.low:
            raise ValueError(f"high ({self.high}) must be above low ({self.low})")
        return self


class Normal(Strict):
    """Normal, optionally truncated to [low, high] by clipping."""

    dist: Literal["normal"] = Field(description="Distribution family.")
    mean: float = Field(description="Mean [unit of the parameter].")
    sd: Positive = Field(description="Standard deviation [unit of the parameter].")
    low: float | None = Field(None, description="Clip below [unit of the parameter].")
    high: float | None = Field(None, description="Clip above [unit of the parameter].")


class LogNormal(Strict):
    """Log-normal given by its median and the sd of its log."""

    dist: Literal["lognormal"] = Field(description="Distribution family.")
    median: Positive = Field(description="Median [unit of the parameter].")
    sigma: Positive = Field(description="Standard deviation of the natural log [-].")


class Triangular(Strict):
    """Triangular on [low, high] with its mode."""

    dist: Literal["triangular"] = Field(description="Distribution family.")
    low: float = Field(description="Lower bound [unit of the parameter].")
    mode: float = Field(description="Most likely value [unit of the parameter].")
    high: float = Field(description="Upper bound [unit of the parameter].")

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.high > self.low):
            raise ValueError("need low <= mode <= high and high > low")
        return self


class Fixed(Strict):
    """A fixed value (switches an uncertainty off)."""

    dist: Literal["fixed"] = Field(description="Distribution family.")
    value: float = Field(description="The value [unit of the parameter].")


class Empirical(Strict):
    """Equally likely values; parameters sharing a `group` are drawn jointly (one row per run)."""

    dist: Literal["empirical"] = Field(description="Distribution family.")
    values: list[float] = Field(
        description="The equally likely values [unit of the parameter]; within a group, row i of "
        "every parameter belongs together."
    )
    group: str | None = Field(
        None,
        min_length=1,
        description="Joint draw: every parameter with this group takes the same row of its values "
        "in a run (all need the same number of values); none draws this one independently.",
    )

    @field_validator("values")
    @classmethod
    def _finite(cls, value: list[float]) -> list[float]:
        if not value:
            raise ValueError(
                "needs at least one value\nfix: list the values, e.g. values: [0.2, 0.5, 0.9]"
            )
        for i, v in enumerate(value):
            if not math.isfinite(v):
                raise ValueError(
                    f"value {i} is {v}; every value must be a finite number\n"
                    "fix: replace it (or drop the row from every parameter of its group)"
                )
        return value


DISTRIBUTION_KINDS = ("uniform", "normal", "lognormal", "triangular", "fixed", "empirical")

Distribution = Annotated[
    Uniform | Normal | LogNormal | Triangular | Fixed | Empirical, Field(discriminator="dist")
]


def check_groups(uncertainties: dict[str, Any]) -> None:
    """Every parameter of an empirical group must have as many values as the group's first.

    Raises:
        ValueError: 'path.values: problem' and a fix line (the loader names the field).
    """
    sizes: dict[str, tuple[str, int]] = {}
    for path, dist in uncertainties.items():
        group = getattr(dist, "group", None)
        if group is None:
            continue
        first, n = sizes.setdefault(group, (path, len(dist.values)))
        if len(dist.values) != n:
            raise ValueError(
                f"{path}.values: group {group!r} has {n} values in {first} but "
                f"{len(dist.values)} here\nfix: give every parameter of group {group!r} the same "
                "number of values (row i of each belongs together)"
            )


def support(dist: Any) -> tuple[float, float, bool]:
    """The lowest and highest value a distribution can draw [unit of the parameter].

    Returns:
        (low, high, continuous): `continuous` is True when the end points are drawn with
        probability 0 (uniform, triangular), so they may touch a strict bound of the field.
    """
    if isinstance(dist, Uniform | Triangular):
        return dist.low, dist.high, True
    if isinstance(dist, Normal):
        low = -math.inf if dist.low is None else dist.low
        high = math.inf if dist.high is None else dist.high
        return low, high, False
    if isinstance(dist, LogNormal):
        return 0.0, math.inf, True
    if isinstance(dist, Fixed):
        return dist.value, dist.value, False
    return min(dist.values), max(dist.values), False


_SUPPORT_FIX = {
    "uniform": "keep low and high inside it",
    "triangular": "keep low and high inside it",
    "normal": "give low: and high: inside it (the draws are clipped to them)",
    "lognormal": "use a triangular, or a normal with low: and high: inside it",
    "fixed": "use a value inside it",
    "empirical": "correct or drop the values outside it",
}


def support_problem(path: str, dist: Any, bounds: Any) -> str | None:
    """Why `dist`'s draws can leave the field's valid range `bounds` (a `paths.Bounds`), or None.

    Uncertainties are checked, not clipped: a distribution that can draw a value the field does
    not allow is refused when the scenario is loaded, so `validate` and `run` agree and no run
    quietly uses a different distribution than the file says.
    """
    low, high, continuous = support(dist)
    if bounds.holds(low, high, continuous):
        return None
    return (
        f"{path}: its draws span {low:g} to {high:g}, outside the field's range {bounds}\n"
        f"fix: {_SUPPORT_FIX[dist.dist]}"
    )
