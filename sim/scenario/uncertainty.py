"""The `uncertainties:` block: distributions of uncertain parameters, keyed by dotted path.

Each run draws every uncertain parameter by inverse CDF (`sim.model.sampling.ppf`), so one
declaration serves the Monte Carlo, the sensitivity analysis (as SALib bounds) and calibration.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

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


Distribution = Annotated[Uniform | Normal | LogNormal | Triangular | Fixed, Field(discriminator="dist")]
