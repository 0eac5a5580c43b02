"""The best commitment for each platform of a scenario, from its simulated hourly usage.

For Lambda and for the scenario's EC2 fleet, each replication is run with
full records, its hourly on-demand compute cost taken
(``Result.hourly_compute_usd``: Lambda duration and provisioned
concurrency, which Compute Savings Plans cover; EC2 instance-hours), and
:func:`lambdasim.billing.commitments.best_commitment` finds the hourly
commitment minimising the total. Discounts default to the catalogue's
largest published ones (``billing.commitments.max_discount``: Lambda 17 %,
Fargate 52 % with Compute Savings Plans; EC2 72 %, a 3-year all-upfront
Instance Savings Plan or reservation). ``term_payment=(term, payment)``
takes every platform's from the dated commitment table instead
(``billing.commitments.commitment_discount``: a Compute Savings Plan of that
term and payment option on Lambda, Fargate and EC2); ``ec2_plan=(plan, term,
payment)`` names the EC2 fleet's own plan; ``discounts`` gives discounts outright.
"""
from __future__ import annotations

from typing import Mapping

import pandas as pd

from lambdasim.billing.commitments import best_commitment, commitment_discount, max_discount
from lambdasim.scenario import Scenario, as_scenario
from lambdasim.simulation import simulate

__all__ = ["best_commitments", "COMMITMENT_COLUMNS"]

COMMITMENT_COLUMNS = ["commitment_usd_per_h", "commitment_discount", "cost_with_commitment_usd",
                      "commitment_saving_fraction"]


def best_commitments(scenario: Scenario | str | dict, replications: int = 1, *,
                     discounts: Mapping[str, float] | None = None,
                     platforms: tuple[str, ...] = ("lambda", "ec2"),
                     ec2_plan: tuple[str, str, str] | None = None,
                     term_payment: tuple[str, str] | None = None) -> pd.DataFrame:
    """One row per platform (``lambda``, ``ec2``, ``fargate``): the best hourly commitment and the bill with it
    (means over replications)."""
    sc = as_scenario(scenario)
    if replications < 1:
        raise ValueError(f"replications must be an int >= 1. Got {replications!r} instead.")
    rows = []
    for platform in platforms:
        for r in range(replications):
            res = simulate(sc, platform=platform, seed=sc.seed + r, records="full")
            if platform in (discounts or {}):
                d = discounts[platform]
            elif platform == "ec2" and ec2_plan is not None:
                d = commitment_discount(res.catalogue, *ec2_plan)
            elif term_payment is not None:
                d = commitment_discount(res.catalogue, "compute_sp", *term_payment, platform=platform)
            else:
                d = max_discount(platform, res.catalogue)
            best = best_commitment(res.hourly_compute_usd(), d)
            cost = float(res.cost["amount_usd"].sum())
            rows.append({"platform": platform, "replication": r, "cost_usd": cost,
                         "commitment_usd_per_h": best.hourly_usd, "commitment_discount": d,
                         "on_demand_compute_usd": best.on_demand_usd, "committed_compute_usd": best.total_usd,
                         "wasted_usd": best.wasted_usd, "cost_with_commitment_usd": cost - best.saving_usd,
                         "commitment_saving_fraction": best.saving_usd / cost if cost > 0 else 0.0})
    df = pd.DataFrame(rows)
    return df.drop(columns="replication").groupby("platform", sort=False).mean().reset_index()
