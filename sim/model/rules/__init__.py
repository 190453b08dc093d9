"""Pure formulas of the model: no Mesa, no files, no randomness of their own.

Every function works on numpy arrays whose last axis is the run axis (shape ``(R,)`` or
``(..., R)``); scalars broadcast. Units are in brackets. One module per concept, all re-exported
here so callers write ``rules.total(...)``:

- `common`: fixed-order sums, growth factors;
- `market`: rationing, buyers' choice, price adjustment, smuggling, the export terms;
- `supply`: domestic die yield and output;
- `capability`: frontier compute, training runs, algorithmic progress, catch-up;
- `lag`: the capability lag in months;
- `talent`: attractiveness and migration.
"""

from sim.model.rules.capability import (
    SECONDS_PER_MONTH,
    algo_progress,
    capability,
    catch_up,
    frontier_share,
    imitated,
    monthly_flop,
    run_flop_update,
    run_length,
    toward,
)
from sim.model.rules.common import growth_factor, total, weighted_total
from sim.model.rules.lag import capability_lag, first_reach, lag_at_end
from sim.model.rules.market import (
    ExportTerms,
    choice_shares,
    export_terms,
    ration,
    smuggling_capacity,
    tatonnement,
)
from sim.model.rules.supply import domestic_output, yield_at
from sim.model.rules.talent import attractiveness, migration_flow

__all__ = [
    "SECONDS_PER_MONTH",
    "ExportTerms",
    "algo_progress",
    "attractiveness",
    "capability",
    "capability_lag",
    "catch_up",
    "choice_shares",
    "domestic_output",
    "export_terms",
    "first_reach",
    "frontier_share",
    "imitated",
    "growth_factor",
    "lag_at_end",
    "migration_flow",
    "monthly_flop",
    "ration",
    "run_flop_update",
    "run_length",
    "smuggling_capacity",
    "tatonnement",
    "toward",
    "total",
    "weighted_total",
    "yield_at",
]
