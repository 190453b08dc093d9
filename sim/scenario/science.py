"""The science, behaviour and migration blocks of `world:`.

How compute, talent and imitation become capability, how labs split their budgets, how
researchers move.
Each field takes its default, unit and source from `sim/data/world.yaml` (`default_quantity`);
`sim.scenario.world` assembles them into the `World`.
"""

from __future__ import annotations

from sim.scenario.data import default_quantity as _default
from sim.scenario.types import NonNegative, Positive, Probability, Strict


class Science(Strict):
    """How compute, talent and distillation become capability."""

    flop_per_h100e_s: Positive = _default("science.flop_per_h100e_s", "FLOP/s/H100e", "Dense BF16 peak")
    utilisation: Probability = _default(
        "science.utilisation", "fraction", "Model FLOP utilisation of a training run"
    )
    run_months_min: Positive = _default(
        "science.run_months_min", "months", "Shortest frontier training run a lab plans", ge=1.0
    )
    run_months_max: Positive = _default(
        "science.run_months_max",
        "months",
        "Longest frontier training run a lab plans (a longer run is overtaken by a later, bigger one)",
        ge=1.0,
    )
    concentration_rate: Probability = _default(
        "science.concentration_rate",
        "1/month",
        "Share of the gap between its frontier share and its nation's largest cluster share "
        "(frontier_share_max) a lab closes each month: labs build ever larger clusters for one run",
    )
    catch_up_push: NonNegative = _default(
        "science.catch_up_push",
        "1/log10",
        "Extra frontier share per log10 of capability behind the leader",
    )
    facility_life_months: Positive = _default(
        "science.facility_life_months",
        "months",
        "Life over which a data centre's capex is paid (lease or depreciation)",
        ge=1.0,
    )
    chip_life_months: Positive = _default(
        "science.chip_life_months", "months", "Mean service life of an accelerator", ge=1.0
    )
    algo_rate: NonNegative = _default(
        "science.algo_rate", "log10/month", "Algorithmic progress of a reference lab"
    )
    talent_elasticity: NonNegative = _default(
        "science.talent_elasticity",
        "-",
        "Elasticity of algorithmic progress in researchers (at most 2: assumption)",
        le=2.0,
    )
    compute_elasticity: NonNegative = _default(
        "science.compute_elasticity",
        "-",
        "Elasticity of algorithmic progress in experiment compute (at most 2: assumption)",
        le=2.0,
    )
    reference_researchers: Positive = _default(
        "science.reference_researchers", "head", "Researchers of the reference lab", ge=1.0
    )
    reference_h100e: Positive = _default(
        "science.reference_h100e",
        "H100e",
        "Deployed compute of the reference lab at the start",
        ge=1.0,
    )
    algo_shock_sd: NonNegative = _default(
        "science.algo_shock_sd",
        "-",
        "Month-to-month noise of algorithmic progress, as a share of the mean step (at most 2: "
        "assumption)",
        le=2.0,
    )
    algo_returns: NonNegative = _default(
        "science.algo_returns",
        "1/log10",
        "Diminishing returns of algorithmic research: each log10 of efficiency already gained "
        "divides the next month's progress by 10^this",
    )
    distill_uplift_log10: NonNegative = _default(
        "science.distill_uplift_log10",
        "log10",
        "Effective-compute multiplier a lab gains by distilling a stronger lab's models, with "
        "full access; it never lifts the student above the teacher's level of "
        "distill_delay_months ago",
        le=3.0,
    )
    distill_rate: Probability = _default(
        "science.distill_rate",
        "1/month",
        "Share of the gap between a lab's distillation uplift and what its access allows that "
        "closes each month",
    )
    imitation_delay_months: NonNegative = _default(
        "science.imitation_delay_months",
        "months",
        "Months between a model's release and its imitation (distillation, open-weight spill-over)",
        le=36.0,
    )
    distill_compute_share: Probability = _default(
        "science.distill_compute_share",
        "fraction",
        "Share of its experiment compute a lab spends generating and training on a teacher's "
        "outputs, at full access",
    )
    open_spill_rate: Probability = _default(
        "science.open_spill_rate",
        "1/month",
        "Share of the algorithmic-efficiency gap to the best open-weight lab (as it was "
        "imitation_delay_months ago) closed each month",
    )
    china_algo_offset_log10: float = _default(
        "science.china_algo_offset_log10",
        "log10",
        "Chinese labs' own algorithmic efficiency at the start relative to the US frontier's, "
        "before any distillation uplift",
        ge=-3.0,
        le=3.0,
    )
    us_frontier_growth_before_start: Positive = _default(
        "science.us_frontier_growth_before_start",
        "log10/year",
        "Growth of the US frontier before the start month, used for the lag",
    )
    revenue_per_h100e_kusd: Positive = _default(
        "science.revenue_per_h100e_kusd",
        "thousand USD/year",
        "Most annual revenue one deployed H100e can serve",
    )


class Behaviour(Strict):
    """How labs split their budgets."""

    capital_draw: Probability = _default(
        "behaviour.capital_draw", "fraction/month", "Share of capital a lab spends each month"
    )
    share_chips: Probability = _default(
        "behaviour.share_chips",
        "fraction",
        "Share of the monthly budget for chips when unconstrained; the rest pays researchers; "
        "power is leased",
    )
    rationing_shift: Probability = _default(
        "behaviour.rationing_shift",
        "fraction",
        "Share of the rationed chip money moved to talent and efficiency",
    )
    choice_temperature: Positive = _default(
        "behaviour.choice_temperature",
        "-",
        "Spread of chip-type choice around the cheapest cost per H100e; lower is pickier (at most "
        "10: assumption)",
        le=10.0,
    )
    learning_weight: Probability = _default(
        "behaviour.learning_weight",
        "fraction",
        "Weight of the newest month when buyers update the share of an order they expect to "
        "receive; lower damps cobweb swings between chip types",
    )
    inference_weight: Probability = _default(
        "behaviour.inference_weight",
        "fraction",
        "Weight of serving against training throughput when a lab values a chip",
    )
    revenue_reinvested: Probability = _default(
        "behaviour.revenue_reinvested", "fraction", "Share of revenue that returns to the AI budget"
    )
    hiring_speed: Probability = _default(
        "behaviour.hiring_speed", "1/month", "Share of the gap to the target head count closed a month"
    )
    china_appetite: Positive = _default(
        "behaviour.china_appetite",
        "-",
        "Chinese labs' chip orders relative to the chips they expect to be able to get (S12: "
        "supply, not money, binds)",
        le=5.0,
    )
    chip_lead_months: Positive = _default(
        "behaviour.chip_lead_months",
        "months",
        "Months of queued power a lab counts on when ordering chips",
    )


class Migration(Strict):
    """Researchers moving between the two nations (S15, S16, P32, P33)."""

    rate: Probability = _default(
        "migration.rate",
        "fraction/month",
        "Share of a pool that moves a month at one unit of attractiveness gap",
    )
    pay_gap_log: float = _default("migration.pay_gap_log", "log ratio", "US pay premium over China")
    home_bias: NonNegative = _default(
        "migration.home_bias", "log units", "Attractiveness a researcher attaches to staying home"
    )
    visa_cost_scale_kusd: Positive = _default(
        "migration.visa_cost_scale_kusd",
        "thousand USD",
        "Visa cost that cancels one log unit of attractiveness",
    )
