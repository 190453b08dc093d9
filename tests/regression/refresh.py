"""Rewrite the regression baselines, tests/regression/baselines/<scenario>.json, from fresh runs.

The same function as ``sim calibrate --refresh-baselines`` (`sim.calibration.report.
refresh_baselines`), writing into this folder. Run it only after a deliberate model change, and say
why in the commit::

    python tests/regression/refresh.py
"""

from __future__ import annotations

from pathlib import Path

from sim.calibration.report import refresh_baselines

ROOT = Path(__file__).resolve().parents[2]
BASELINES = Path(__file__).with_name("baselines")


def main() -> list[Path]:
    """Rewrite every baseline file; return the paths written."""
    written = refresh_baselines(ROOT / "scenarios", BASELINES)
    for path in written:
        print(f"wrote {path.relative_to(ROOT)}")
    return written


if __name__ == "__main__":
    main()
