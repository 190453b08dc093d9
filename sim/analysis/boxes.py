"""PRIM boxes: ranges of a few parameters in which the cases of interest are concentrated.

PRIM (Friedman & Fisher 1999, as used for scenario discovery by Bryant & Lempert 2010; the `prim`
package, the standalone version of EMA Workbench's implementation) peels the parameter space down
to boxes. A box is judged by its *coverage* (the share of all cases of interest inside it) and its
*density* (the share of the runs inside it that are cases of interest); see `prim_boxes` for how
a step of the peeling trajectory is chosen. `sim.analysis.discovery` runs the ensemble and writes
the folder.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Box", "prim_boxes"]


@dataclass
class Box:
    """One PRIM box at its selected step of the peeling trajectory."""

    number: int
    step: int
    coverage: float
    density: float
    mass: float
    n_runs: int
    n_interest: int
    limits: pd.DataFrame

    def restricted(self) -> pd.DataFrame:
        """Only the parameters the box restricts."""
        return self.limits[self.limits["restricted"]]


def prim_boxes(
    x: pd.DataFrame,
    y: np.ndarray,
    max_boxes: int = 3,
    min_coverage: float = 0.5,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    max_qp: float = 0.05,
) -> tuple[list[Box], pd.DataFrame]:
    """Find up to `max_boxes` PRIM boxes of the cases y == True in the space of x.

    Args:
        x: one column per parameter, one row per run (floats).
        y: case of interest per run (bool).
        max_boxes: most boxes to look for.
        min_coverage: least share of the not-yet-explained cases a selected step must cover.
        peel_alpha: share of the runs one peel removes [0-1].
        paste_alpha: share of the runs one paste adds back [0-1].
        mass_min: least share of all runs a box may hold [0-1].
        max_qp: restrictions whose quasi-p value exceeds this are dropped from the selected box.

    Returns:
        The boxes, and every box's peeling trajectory as a table (box, step, coverage, density,
        mass, res_dim, selected); `selected` marks the step chosen before insignificant
        restrictions were dropped (the box's own coverage and density are after dropping).
    """
    import prim

    y = np.asarray(y, dtype=bool)
    x = x.astype(float)
    total = int(y.sum())
    boxes: list[Box] = []
    frames = []
    if total == 0 or total == len(y):
        return boxes, pd.DataFrame(
            columns=["box", "step", "coverage", "density", "mass", "res_dim", "selected"]
        )
    full_min, full_max = x.min(), x.max()
    with warnings.catch_warnings():
        # prim 1.0 predates pandas 3; keep its deprecation chatter out of our output
        warnings.filterwarnings("ignore", category=FutureWarning, module="prim")
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="prim")
        finder = prim.Prim(x, y, peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=mass_min)
        explained = np.zeros(len(y), dtype=bool)
        for number in range(1, max_boxes + 1):
            left = int(y[~explained].sum())
            if left == 0:
                break
            # a box must hold the cases more densely than the runs left over and than the whole
            # ensemble; a later box that only beats the leftovers is noise, not a scenario
            bar = max(left / int((~explained).sum()), total / len(y))
            box = finder.find_box()
            if box is None:
                break
            traj = box.peeling_trajectory.reset_index(drop=True)
            # coverage of the cases not yet explained by earlier boxes
            cover_left = traj["coverage"].to_numpy(dtype=float) * total / left
            ok = np.flatnonzero(cover_left >= min_coverage - 1e-12)
            if ok.size == 0:
                ok = np.array([0])
            dens = traj["density"].to_numpy(dtype=float)[ok]
            res = traj["res dim"].to_numpy(dtype=float)[ok]
            order = np.lexsort((-cover_left[ok], res, -dens))
            step = int(ok[order[0]])
            box.select(step)
            frame = pd.DataFrame(
                {
                    "box": number,
                    "step": np.arange(len(traj)),
                    "coverage": traj["coverage"].astype(float),
                    "density": traj["density"].astype(float),
                    "mass": traj["mass"].astype(float),
                    "res_dim": traj["res dim"].astype(int),
                }
            )
            frame["selected"] = frame["step"] == step
            frames.append(frame)
            # drop restrictions that are not significant (quasi-p above max_qp; Bryant & Lempert
            # 2010), the least significant first, as EMA Workbench's drop_restriction does
            chosen = box.limits  # restricted parameters only: min, max, qp values
            while len(chosen) and chosen["qp values"].max() > max_qp:
                box.drop_restriction(chosen["qp values"].idxmax())
                chosen = box.limits
            rows = []
            for name in x.columns:
                restricted = name in chosen.index
                rows.append(
                    {
                        "parameter": name,
                        "min": float(chosen.loc[name, "min"]) if restricted else float(full_min[name]),
                        "max": float(chosen.loc[name, "max"]) if restricted else float(full_max[name]),
                        "full_min": float(full_min[name]),
                        "full_max": float(full_max[name]),
                        "restricted": restricted,
                        "qp": float(chosen.loc[name, "qp values"]) if restricted else np.nan,
                    }
                )
            limits = pd.DataFrame(rows)
            inside = box.yi
            explained[inside] = True
            found = Box(
                number,
                step,
                float(box.coverage),
                float(box.density),
                float(box.mass),
                int(len(inside)),
                int(y[inside].sum()),
                limits,
            )
            if not limits["restricted"].any() or found.density <= bar:
                break
            boxes.append(found)
    trajectory = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["box", "step", "coverage", "density", "mass", "res_dim", "selected"])
    )
    trajectory = trajectory[trajectory["box"].isin([b.number for b in boxes])]
    return boxes, trajectory.reset_index(drop=True)
