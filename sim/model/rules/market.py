"""The chip market: rationing, buyers' choice, prices, smuggling and the export terms.

Pure formulas (no Mesa, no files, no randomness of their own); the last axis is the run axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.rules.common import total


def ration(demand: np.ndarray, supply: np.ndarray) -> np.ndarray:
    """Pro-rata fill ratio when demand exceeds supply.

    Args:
        demand: total demand [units], shape (R,).
        supply: available supply [units], shape (R,).

    Returns:
        Fill ratio in [0, 1] [-]: every buyer gets this share of its order.
    """
    demand = np.asarray(demand, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(demand > 0, np.asarray(supply, dtype=float) / demand, 1.0)
    return np.clip(fill, 0.0, 1.0)


def choice_shares(cost: np.ndarray, availability: np.ndarray, temperature: float) -> np.ndarray:
    """Share of chip money going to each chip type (a logit on cost per H100e).

    A buyer spreads money over the types it can get, favouring the cheapest cost per effective
    H100e; `temperature` sets how picky it is. Types with zero availability get nothing.

    Args:
        cost: cost per H100e of each type [any money unit/H100e], shape (K, R); inf = unavailable.
        availability: expected share of an order that arrives [0-1], shape (K, R).
        temperature: spread [-], relative to the cheapest type.

    Returns:
        Shares [-], shape (K, R), summing to 1 over types where anything is available, else 0.
    """
    cost = np.asarray(cost, dtype=float)
    availability = np.clip(np.asarray(availability, dtype=float), 0.0, 1.0)
    # cost per H100e that actually arrives: unavailable or rationed types look dearer
    with np.errstate(divide="ignore", invalid="ignore"):
        eff = np.where(availability > 1e-9, cost / availability, np.inf)
    best = np.min(eff, axis=0)
    finite = np.isfinite(best)
    rel = np.where(np.isfinite(eff) & finite, eff / np.where(finite, best, 1.0), np.inf)
    weights = np.exp(-(rel - 1.0) / temperature)
    weight_sum = total(weights)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(weight_sum > 0, weights / np.where(weight_sum > 0, weight_sum, 1.0), 0.0)


def tatonnement(
    price_multiplier: np.ndarray,
    demand: np.ndarray,
    supply: np.ndarray,
    response: float,
    low: float = 0.7,
    high: float = 2.0,
) -> np.ndarray:
    """Next month's price multiplier from excess demand.

    Args:
        price_multiplier: current price relative to list [-], shape (R,).
        demand: demand [units/month]; supply: capacity [units/month].
        response: price change per unit of relative excess demand [fraction/month].
        low, high: bounds on the multiplier [-] (assumption: list price -30% to +100%).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        excess = np.where(supply > 0, demand / supply - 1.0, 0.0)
    return np.clip(price_multiplier * (1.0 + response * np.clip(excess, -1.0, 1.0)), low, high)


def smuggling_capacity(
    leak: np.ndarray | float, enforcement: np.ndarray, world_output_units: np.ndarray
) -> np.ndarray:
    """Chips of one type that can be diverted to China in a month [chips/month].

    leak x (1 - enforcement) x the world's monthly output of that type.
    """
    return np.asarray(leak) * (1.0 - np.asarray(enforcement)) * np.asarray(world_output_units)


@dataclass(frozen=True)
class ExportTerms:
    """What Chinese buyers face for each Nvidia type this month, shape (n_nvidia, R) each.

    Attributes:
        allowed: the US lets the type be sold to China [bool].
        room: units licensable this month: what is left of the calendar year's cap, spread
            evenly over the months left [chips/month], >= 0.
        legal_open: the legal channel is open: allowed and room left [bool].
        price_legal: list x (1 + fee) [thousand USD/chip].
        price_smuggled: list x (1 + smuggling premium) [thousand USD/chip].
        arrives: share of a shipment China's customs let through [0-1].
    """

    allowed: np.ndarray
    room: np.ndarray
    legal_open: np.ndarray
    price_legal: np.ndarray
    price_smuggled: np.ndarray
    arrives: np.ndarray

    def channel(self, legal: np.ndarray, smuggled: np.ndarray) -> np.ndarray:
        """`legal` where the legal channel is open, else `smuggled` (prices or fills by type)."""
        return np.where(self.legal_open, legal, smuggled)


def export_terms(
    listed: np.ndarray,
    allowed: np.ndarray,
    cap: np.ndarray,
    fee: np.ndarray,
    smuggling_premium: np.ndarray | float,
    customs: np.ndarray,
    licensed: np.ndarray,
    months_left: int = 1,
) -> ExportTerms:
    """The export rule as Chinese buyers meet it, shared by quoting and selling.

    Args:
        listed: Nvidia's price this month, list x multiplier [thousand USD/chip], (n_nvidia, R).
        allowed: the US allows the type [bool], (n_nvidia, R).
        cap: most units licensed per calendar year [chips/year], inf = no cap, (n_nvidia, R).
        fee: licence fee or tariff [fraction of price], (n_nvidia, R).
        smuggling_premium: extra price of a smuggled chip [fraction of list], (R,) or scalar.
        customs: share of legal imports China's customs stop [0-1], (n_nvidia, R).
        licensed: units licensed so far this calendar year [chips], (n_nvidia, R).
        months_left: months of the calendar year left, this one included [months]: licences are
            granted evenly over them (assumption: P9 ties China's volume to 50% of US sales,
            which spreads shipments through the year), so a cap is not bought out in January.
    """
    room = np.maximum(cap - licensed, 0.0) / max(int(months_left), 1)
    return ExportTerms(
        allowed=allowed,
        room=room,
        legal_open=allowed & (room > 0),
        price_legal=listed * (1.0 + fee),
        price_smuggled=listed * (1.0 + smuggling_premium),
        arrives=1.0 - customs,
    )
