"""Typed views the agents read: the world with this block's draws, the chip table, the month's policy.

The scenario addresses parameters by dotted path (``world.science.distill_rate``) and the policy
schedule is flat (``us.export.h20.allowed``). The model turns both into attribute access once, so
agents never look anything up by string:

- `overlay` (once per model): the validated `World` with every uncertain ``world.*`` field replaced
  by its draws, an array over runs; certain fields stay plain floats.
- `ChipTable` (once per model): the chip catalogue as arrays of shape (K, R) in catalogue order,
  with the Nvidia and Huawei types and the types US labs buy derived from it.
- `PolicyView` (once per month): the policy in force, as arrays over runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from pydantic import BaseModel


def overlay(model: Any, values: Mapping[str, Any]) -> Any:
    """A copy of a pydantic model (or dict of them) with dotted-path `values` substituted.

    Uses `model_copy(update=...)`, which does not validate, so arrays over runs may stand where
    the schema has floats. Paths are relative to `model` (``science.distill_rate`` under a World).
    """
    leaves: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for path, value in values.items():
        head, _, rest = path.partition(".")
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            leaves[head] = value
    updates = dict(leaves)
    for head, sub in nested.items():
        child = model[head] if isinstance(model, dict) else getattr(model, head)
        updates[head] = overlay(child, sub)
    if isinstance(model, BaseModel):
        return model.model_copy(update=updates)
    if isinstance(model, dict):
        return {**model, **updates}
    raise TypeError(f"cannot overlay {', '.join(values)} on a {type(model).__name__}")


def _runs(value: Any, n_runs: int) -> np.ndarray:
    """A scalar or an array over runs as a float array of shape (R,) (a copy)."""
    return np.broadcast_to(np.asarray(value, dtype=float), (n_runs,)).copy()


@dataclass(frozen=True)
class ChipTable:
    """The chip catalogue as arrays: row k is chip type ``types[k]``, in catalogue order.

    Attributes:
        types: chip types in catalogue order.
        h100e: training throughput [H100e/chip], (K, R).
        inference_h100e: serving throughput [H100e/chip], (K, R).
        kw_all_in: facility power per chip [kW/chip], (K, R).
        price_kusd: list price [thousand USD/chip], (K, R).
        die_units: maker capacity one chip uses [die units/chip], (K, R).
        perf_growth: growth of the throughput of new chips of the type [fraction/year], (K, R).
        nvidia: row indices of Nvidia's types, in catalogue order.
        huawei: row indices of Huawei's types, in catalogue order.
        is_nvidia: whether each type is Nvidia's [bool], (K,).
        is_huawei: whether each type is Huawei's [0/1 float], (K,).
        us_buys: types US labs buy: Nvidia's, except parts made for China [bool], (K,).
    """

    types: tuple[str, ...]
    h100e: np.ndarray
    inference_h100e: np.ndarray
    kw_all_in: np.ndarray
    price_kusd: np.ndarray
    die_units: np.ndarray
    perf_growth: np.ndarray
    nvidia: np.ndarray
    huawei: np.ndarray
    is_nvidia: np.ndarray
    is_huawei: np.ndarray
    us_buys: np.ndarray

    @classmethod
    def build(cls, chips: Mapping[str, Any], n_runs: int) -> ChipTable:
        """From `world.chips` (overlaid: a field may be an array over runs)."""
        types = tuple(chips)
        specs = list(chips.values())

        def table(field: str) -> np.ndarray:
            return np.stack(
                [np.broadcast_to(np.asarray(getattr(s, field), float), (n_runs,)) for s in specs]
            )

        is_nvidia = np.array([s.maker == "nvidia" for s in specs])
        is_huawei = np.array([s.maker == "huawei" for s in specs])
        return cls(
            types=types,
            h100e=table("h100e"),
            inference_h100e=table("inference_h100e"),
            kw_all_in=table("kw_all_in"),
            price_kusd=table("price_kusd"),
            die_units=table("die_units"),
            perf_growth=table("perf_growth"),
            nvidia=np.flatnonzero(is_nvidia),
            huawei=np.flatnonzero(is_huawei),
            is_nvidia=is_nvidia,
            is_huawei=is_huawei.astype(float),
            us_buys=is_nvidia & ~np.array([s.china_only for s in specs]),
        )

    def perf(self, months_since_2025: float) -> np.ndarray:
        """Throughput of a chip made at this month relative to the table's [-], (K, R)."""
        return np.power(1.0 + self.perf_growth, months_since_2025 / 12.0)

    @property
    def n_types(self) -> int:
        """Number of chip types K."""
        return len(self.types)

    @property
    def nvidia_types(self) -> tuple[str, ...]:
        """Nvidia's chip types, in catalogue order."""
        return tuple(self.types[i] for i in self.nvidia)

    def index(self, chip: str) -> int:
        """Row of a chip type (ValueError if the catalogue has no such type)."""
        return self.types.index(chip)


@dataclass(frozen=True)
class ExportView:
    """US export rules by Nvidia type (rows in `ChipTable.nvidia` order), shape (n_nvidia, R).

    Attributes:
        allowed: may be sold to Chinese buyers [bool].
        cap: most units licensed per calendar year [chips/year]; inf = no cap.
        fee: licence fee or tariff on the price [fraction].
        enforcement: how well diversion is stopped [0-1].
    """

    allowed: np.ndarray
    cap: np.ndarray
    fee: np.ndarray
    enforcement: np.ndarray


@dataclass(frozen=True)
class PolicyView:
    """The policy in force in one month, typed like the schema, as arrays over runs.

    ``policy.us`` and ``policy.china`` are the schema's `USPolicy` and `ChinaPolicy` with every
    scalar lever as an array (R,) (NaN where the schema has null; months as month indices), so
    a lever added to the schema is readable here with no change to this class. The chip-keyed
    mappings are resolved per chip type: ``policy.us.export`` is an `ExportView` and
    ``policy.china.customs`` an array (n_nvidia, R) (`ChipTable.nvidia` order).
    """

    us: Any
    china: Any

    @classmethod
    def read(cls, state: Mapping[str, Any], nvidia_types: tuple[str, ...], n_runs: int) -> PolicyView:
        """From one month of `sim.scenario.policy_schedule` (bools 0/1, None NaN, months indices).

        The only place the model reads policy by name.
        """
        from sim.scenario import ChinaPolicy, USPolicy

        def by_type(key: str) -> np.ndarray:
            rows = [_runs(state[key.format(chip=chip)], n_runs) for chip in nvidia_types]
            return np.stack(rows) if rows else np.zeros((0, n_runs))

        cap = by_type("us.export.{chip}.cap_units")
        export = ExportView(
            allowed=by_type("us.export.{chip}.allowed") > 0.5,
            cap=np.where(np.isnan(cap), np.inf, cap),
            fee=by_type("us.export.{chip}.fee"),
            enforcement=by_type("us.export.{chip}.enforcement"),
        )
        customs = by_type("china.customs.{chip}")
        levers: dict[str, dict[str, Any]] = {"us": {"export": export}, "china": {"customs": customs}}
        for path, value in state.items():
            nation, _, field = path.partition(".")
            if "." not in field:  # a scalar lever; the chip-keyed mappings are read above
                levers[nation][field] = _runs(value, n_runs)
        return cls(us=overlay(USPolicy(), levers["us"]), china=overlay(ChinaPolicy(), levers["china"]))

    @property
    def export(self) -> ExportView:
        """US export rules by Nvidia type."""
        return self.us.export

    @property
    def customs(self) -> np.ndarray:
        """Share of legal imports China's customs stop, by Nvidia type [0-1], (n_nvidia, R)."""
        return self.china.customs

    def with_export(self, export: ExportView) -> PolicyView:
        """This view with other export rules (a reactive US tightening)."""
        return replace(self, us=self.us.model_copy(update={"export": export}))

    def with_customs(self, customs: np.ndarray) -> PolicyView:
        """This view with other customs blocks (a reactive Chinese block)."""
        return replace(self, china=self.china.model_copy(update={"customs": customs}))
