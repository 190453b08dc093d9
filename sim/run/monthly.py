"""Per-run monthly series of an ensemble, held in memory while small and spilled to disk beyond.

`sim.run.ensemble.Aggregator` adds each chunk's block as it arrives; the results read one series
of every run at a time, in run order, whatever order the chunks came in.
"""

from __future__ import annotations

import tempfile
import weakref
from collections.abc import Iterator, Mapping
from typing import IO, Any

import numpy as np

#: bytes of per-run monthly series kept in memory before they are moved to a scratch file.
MONTHLY_MEMORY_LIMIT = 64 * 2**20

__all__ = ["MONTHLY_MEMORY_LIMIT", "MonthlyStore"]


class MonthlyStore(Mapping[str, np.ndarray]):
    """Per-run monthly series of an ensemble, added chunk by chunk, read one series at a time.

    ``store[name]`` is the series of every run, shape (months, runs), float32, in run order,
    whatever order the chunks were added in. Blocks stay in memory until they pass
    `memory_limit` bytes; then they, and every later block, are appended to an anonymous scratch
    file (deleted when the store is closed or garbage-collected).

    Args:
        names: the series, in a fixed order.
        n_months: months per series.
        runs: runs of the ensemble.
        memory_limit: bytes kept in memory before spilling to the scratch file.
    """

    def __init__(
        self,
        names: tuple[str, ...] | list[str],
        n_months: int,
        runs: int,
        memory_limit: int = MONTHLY_MEMORY_LIMIT,
    ):
        self.names = tuple(names)
        self.n_months = int(n_months)
        self.runs = int(runs)
        self.memory_limit = int(memory_limit)
        self._memory: dict[int, np.ndarray] = {}
        self._memory_bytes = 0
        self._file: IO[bytes] | None = None
        self._offsets: dict[int, tuple[int, int]] = {}
        self._closer: weakref.finalize | None = None

    def add(self, run_start: int, block: Mapping[str, np.ndarray]) -> None:
        """Store one chunk's series: {name: values (months, n_runs)}."""
        data = np.stack([np.asarray(block[name], dtype=np.float32) for name in self.names])
        if data.shape[1] != self.n_months:
            raise ValueError(f"expected {self.n_months} months, got {data.shape[1]}")
        if self._file is None and self._memory_bytes + data.nbytes <= self.memory_limit:
            self._memory[run_start] = data
            self._memory_bytes += data.nbytes
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="sim-monthly-")
            self._closer = weakref.finalize(self, self._file.close)
            for start, held in sorted(self._memory.items()):
                self._append(start, held)
            self._memory.clear()
            self._memory_bytes = 0
        self._append(run_start, data)

    def _append(self, run_start: int, data: np.ndarray) -> None:
        assert self._file is not None
        self._file.seek(0, 2)
        self._offsets[run_start] = (self._file.tell(), data.shape[2])
        self._file.write(np.ascontiguousarray(data).tobytes())

    @property
    def is_spilled(self) -> bool:
        """Whether the series live in the scratch file rather than in memory."""
        return self._file is not None

    def __getitem__(self, name: str) -> np.ndarray:
        k = self.names.index(name)
        out = np.empty((self.n_months, self.runs), dtype=np.float32)
        for start, data in self._memory.items():
            out[:, start : start + data.shape[2]] = data[k]
        if self._file is not None:
            per_series = 4 * self.n_months
            for start, (offset, n) in self._offsets.items():
                self._file.seek(offset + k * per_series * n)
                raw = self._file.read(per_series * n)
                values = np.frombuffer(raw, dtype=np.float32).reshape(self.n_months, n)
                out[:, start : start + n] = values
        return out

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def close(self) -> None:
        """Delete the scratch file, if any; the store is empty afterwards."""
        if self._closer is not None:
            self._closer()
            self._closer = None
        self._file = None
        self._offsets.clear()
        self._memory.clear()

    def __getstate__(self) -> dict[str, Any]:
        # a pickled store carries its series (the scratch file does not travel)
        state = self.__dict__.copy()
        state["_memory"] = {0: np.stack([self[name] for name in self.names])} if self.runs else {}
        state["_memory_bytes"] = sum(d.nbytes for d in state["_memory"].values())
        state["_file"] = None
        state["_closer"] = None
        state["_offsets"] = {}
        return state
