"""`ChipMaker`: what Nvidia and Huawei share: a price multiplier on list, and the month's deliveries."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.model import RaceModel
    from sim.model.agents.nation import Nation


class ChipMaker(mesa.Agent, ABC):
    """A chip maker: sets capacity, quotes prices and expected fills, clears its orders.

    Decides each month how much to make, at what price (a multiplier on list that rises with
    excess demand), and how to ration among buyers (pro rata). Subclasses: `Nvidia`, `Huawei`.

    Attributes:
        price_multiplier: price relative to list [-], (R,).
        received: chips each lab received this month, by lab id [chips by type], (K, R).
        paid: what each lab paid this month, by lab id [billion USD], (R,).
    """

    key: str = ""

    def __init__(self, model: RaceModel):
        super().__init__(model)
        self.price_multiplier = np.ones(model.n_runs)
        self.received: dict[str, np.ndarray] = {}
        self.paid: dict[str, np.ndarray] = {}

    def no_offer(self) -> tuple[np.ndarray, np.ndarray]:
        """Price inf and fill 0 for every chip type: what a maker quotes where it does not sell."""
        shape = (self.model.chips.n_types, self.model.n_runs)
        return np.full(shape, np.inf), np.zeros(shape)

    def supply_for(self, buyer: Nation) -> np.ndarray:
        """Chips a nation's labs could get from this maker this month [chips/month], (K, R)."""
        return np.zeros((self.model.chips.n_types, self.model.n_runs))

    @abstractmethod
    def produce(self) -> None:
        """Phase 2: set this month's capacity or output."""

    @abstractmethod
    def quote(self, buyer: Nation) -> tuple[np.ndarray, np.ndarray]:
        """Price [thousand USD/chip] and expected fill [0-1] of each chip type for a nation's labs.

        Types this maker does not make, or does not sell to `buyer`, get price inf and fill 0.
        """

    @abstractmethod
    def sell(self) -> None:
        """Phase 4: clear this month's orders and learn what buyers will expect next month."""
