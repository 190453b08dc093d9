"""The app's computation: load the scenario with the levers applied, run it, pair it with the baseline.

Framework-free, so the benchmark and the tests drive it without a browser. `Engine.compute` runs
in a worker thread (`sim.app.page`), never on the interface thread:

- every request carries a `Token`; when a lever moves again the page cancels the old token, and
  the stale ensemble stops at its next simulated month (`run_ensemble(interrupt=...)`) instead of
  finishing work nobody will see;
- the baseline ensemble of a (runs, seed) pair is cached, so a lever change runs the scenario only;
  `sim app` also keeps the model's drawn shocks (`KEPT_STREAMS`): the scenario reruns the same seed;
- a bad value or a bad YAML raises the same `sim.errors.SimError` (same one-line message) as the
  command line, because loading goes through the same `load_scenario` with the same overrides.
"""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.run.ensemble import EnsembleResult, run_ensemble
from sim.scenario import Scenario, load_scenario, parse_set

#: Baseline ensembles kept, by (file, modification time, runs, seed); a few reruns of each.
BASELINE_CACHE = 4
#: Drawn shocks the app keeps for the next request with the same seed [bytes]
#: (`sim.model.sampling.keep_streams`; about 7 MB per 1,000 runs and seed).
KEPT_STREAMS = 64 * 2**20


class Cancelled(Exception):
    """A computation superseded by a newer request."""


class Token:
    """Cancellation flag of one request, shared by the page and the worker thread."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the computation to stop at its next simulated month."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether `cancel` was called."""
        return self._event.is_set()

    def check(self) -> None:
        """Raise `Cancelled` if the request was cancelled (`run_ensemble`'s interrupt)."""
        if self._event.is_set():
            raise Cancelled


@dataclass(frozen=True)
class Source:
    """Where the scenario comes from: a file, or YAML text pasted or uploaded into the page.

    Attributes:
        path: the scenario file (a pasted YAML: None).
        text: the pasted or uploaded YAML (a file: None).
        name: the file name shown in messages and in the command line.
        folder: where a pasted YAML's `extends:` is looked up (the shipped scenarios).
    """

    path: Path | None = None
    text: str | None = None
    name: str = ""
    folder: Path = Path("scenarios")

    @classmethod
    def file(cls, path: str | Path) -> Source:
        """A scenario file."""
        path = Path(path)
        return cls(path=path, name=str(path), folder=path.parent)

    @classmethod
    def pasted(cls, text: str, name: str, folder: Path) -> Source:
        """YAML text (pasted or uploaded as `name`), its `extends:` looked up in `folder`."""
        return cls(text=text, name=Path(name).name or "pasted.yaml", folder=folder)

    def load(self, overrides: dict[str, Any] | None = None) -> Scenario:
        """The scenario with `overrides` ({dotted path: value}) applied and validated.

        A pasted YAML is written to a hidden file beside the shipped scenarios for the time of
        loading, so `extends: baseline.yaml` resolves as it does for a file there, and every
        message names it by its own name.

        Raises:
            sim.errors.ScenarioError: the one-line message of the command line.
        """
        if self.path is not None:
            return load_scenario(self.path, overrides)
        folder = self.folder if self.folder.is_dir() else Path(tempfile.gettempdir())
        with tempfile.NamedTemporaryFile(
            "w", suffix=".yaml", prefix=".app-", dir=folder, delete=False, encoding="utf-8"
        ) as handle:
            handle.write(self.text or "")
        temp = Path(handle.name)
        try:
            return load_scenario(temp, overrides)
        except ScenarioError as exc:
            for form in (str(temp.resolve()), str(temp)):
                exc.file = exc.file.replace(form, self.name) if exc.file else exc.file
            raise ScenarioError(exc.file, exc.field, exc.problem, exc.fix) from None
        finally:
            temp.unlink(missing_ok=True)


@dataclass(frozen=True)
class Request:
    """What one redraw needs.

    Attributes:
        source: the scenario.
        overrides: {dotted path: value} set by the levers (only those moved from their start).
        sets: further ``PATH=VALUE`` lines typed into the page, as for ``--set``.
        runs: Monte Carlo runs [runs].
        seed: the seed both the scenario and the baseline use.
    """

    source: Source
    overrides: dict[str, Any] = field(default_factory=dict)
    sets: tuple[str, ...] = ()
    runs: int = 1000
    seed: int = 20250101

    def all_overrides(self) -> dict[str, Any]:
        """The levers, then the typed lines, then runs and seed: what `sim run` would be given."""
        out = {**self.overrides, **parse_set(self.sets)}
        out["run.runs"] = int(self.runs)
        out["run.seed"] = int(self.seed)
        return out


@dataclass
class Pair:
    """The scenario's ensemble and the baseline's, on the same runs and seed."""

    request: Request
    scenario: EnsembleResult
    baseline: EnsembleResult
    baseline_name: str
    seconds: float = 0.0


class Engine:
    """Runs requests; caches baseline ensembles.

    Args:
        baseline: the scenario every view is paired with (scenarios/baseline.yaml).
    """

    def __init__(self, baseline: Path):
        self.baseline = Path(baseline)
        self._cache: OrderedDict[tuple[Any, ...], EnsembleResult] = OrderedDict()
        self._lock = threading.Lock()

    def baseline_result(self, runs: int, seed: int, token: Token | None = None) -> EnsembleResult:
        """The baseline ensemble for (runs, seed), from the cache when it was run before."""
        key = (str(self.baseline.resolve()), self.baseline.stat().st_mtime_ns, int(runs), int(seed))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        sc = load_scenario(self.baseline, {"run.runs": int(runs), "run.seed": int(seed)})
        result = run_ensemble(sc, interrupt=token.check if token else None)
        with self._lock:
            self._cache[key] = result
            while len(self._cache) > BASELINE_CACHE:
                self._cache.popitem(last=False)
        return result

    def load(self, request: Request) -> Scenario:
        """The request's scenario, validated (raises the command line's ScenarioError)."""
        return request.source.load(request.all_overrides())

    def compute(self, request: Request, token: Token | None = None) -> Pair:
        """Run the request's scenario and pair it with the cached baseline.

        Raises:
            Cancelled: `token` was cancelled; nothing is returned.
            sim.errors.SimError: a bad value, a bad YAML, or a run that failed.
        """
        import time

        began = time.perf_counter()
        sc = self.load(request)
        if token is not None:
            token.check()
        baseline = self.baseline_result(sc.run.runs, sc.run.seed, token)
        result = run_ensemble(sc, interrupt=token.check if token else None)
        return Pair(request, result, baseline, self.baseline.stem, time.perf_counter() - began)
