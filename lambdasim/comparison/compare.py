"""Lambda against EC2 on the same arrivals: the side-by-side table.

:func:`compare` runs the scenario ``replications`` times on Lambda and on
EC2 sized by up to three strategies, with common random numbers
(replication r of every row uses seed ``scenario.seed + r``):

- ``configured``: the scenario's own ``ec2:`` section (by default a fixed
  fleet sized to the offered load at 70 % worker utilisation);
- ``slo``: the cheapest fixed fleet meeting the SLO (:func:`size_ec2`);
- ``autoscaled``: target tracking at the cheapest utilisation target
  meeting the SLO.

The SLO defaults to "p99 latency no worse than Lambda's + 10 %", so the
SLO-sized and autoscaled rows answer: what does EC2 cost at Lambda's
latency? Each metric has its mean and the half-width of its 95 %
t-interval over the replications (``<metric>_ci95``); ``cost_ratio`` is a
row's mean cost per million completed requests over Lambda's.
"""
from __future__ import annotations

import math
from typing import Any, TYPE_CHECKING

from lambdasim.ec2.model import initial_instances
from lambdasim.comparison.commitments import COMMITMENT_COLUMNS, best_commitments
from lambdasim.comparison.replication import METRICS, Runner, ci95
from lambdasim.scenario import Scenario, as_scenario
from lambdasim.comparison.sizing import size_ec2, tracking_policy, with_scaling

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["compare", "STRATEGIES", "default_slo", "describe_ec2"]

STRATEGIES = ("configured", "slo", "autoscaled")


def default_slo(runner: Runner, sc: Scenario) -> dict[str, float]:
    """Lambda's mean p99 latency over the replications, plus 10 %."""
    return {"latency_p99_s": round(1.1 * runner.mean(sc, "lambda")["latency_p99_s"], 6)}


def describe_ec2(sc: Scenario) -> str:
    """A short text for a fleet: "fixed 15 x m5.large" or "target_tracking utilization 0.6, m5.large"."""
    ec2, p = sc.ec2, sc.ec2.scaling
    kind = f"{ec2.instance_type} x{ec2.workers_per_instance} workers"
    if p.policy == "fixed":
        return f"fixed {initial_instances(sc)} x {kind}"
    if p.policy == "target_tracking":
        return f"target_tracking {p.metric} {p.target:g} [{p.min}, {p.max}], {kind}"
    return f"{p.policy} from {initial_instances(sc)}, {kind}"


def _row(runner: Runner, sc: Scenario, platform: str, strategy: str, config: str) -> dict[str, Any]:
    runs = runner.summaries(sc, platform)
    row: dict[str, Any] = {"platform": platform, "strategy": strategy, "config": config,
                           "replications": len(runs)}
    for k in METRICS:
        row[k], row[f"{k}_ci95"] = ci95([r[k] for r in runs])
    return row


def compare(scenario: Scenario | str | dict, replications: int = 3, *, slo: dict[str, float] | None = None,
            strategies: tuple[str, ...] = STRATEGIES, sizing_replications: int | None = None,
            runner: Runner | None = None, commitments: bool = False, platforms: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per platform and EC2 strategy: metrics with 95 % CIs, and the cost ratio to Lambda.

    ``sizing_replications`` (default: ``replications``) sets how many
    replications each sizing step averages over. ``df.attrs`` holds the
    SLO and the sizing outcome. ``commitments=True`` adds the best hourly
    commitment of the Lambda and configured-EC2 rows and their bill with it
    (``comparison/commitments.py``; the table in ``df.attrs["commitments"]``).
    ``platforms`` adds one row per further platform (``"fargate"``, ``"lmi"``) as the scenario configures it.
    """
    import pandas as pd
    sc = as_scenario(scenario)
    bad = [s for s in strategies if s not in STRATEGIES]
    if bad:
        raise ValueError(f"strategies must be among {', '.join(STRATEGIES)}. Got {bad!r} instead.")
    runner = runner or Runner(replications)
    rows = [_row(runner, sc, "lambda", "on-demand", f"{len(sc.functions)} function(s)")]
    if "configured" in strategies:
        rows.append(_row(runner, sc, "ec2", "configured", describe_ec2(sc)))
    for extra in platforms:  # the scenario's fargate: / lmi: sections, as configured
        rows.append(_row(runner, sc, extra, "configured", f"{extra} section of the scenario"))
    attrs: dict[str, Any] = {"scenario": sc.name, "replications": replications}
    if "slo" in strategies or "autoscaled" in strategies:
        slo = slo or default_slo(runner, sc)
        sizer = Runner(sizing_replications or replications, cache=runner.cache)
        sizing = size_ec2(sc, slo, target_tracking="autoscaled" in strategies, runner=sizer)
        attrs.update(slo=slo, slo_instances=sizing.instances, slo_target=sizing.target)
        if "slo" in strategies:
            rows.append(_sized_row(runner, sc, "slo", sizing.instances is not None,
                                   {"policy": "fixed", "instances": sizing.instances}))
        if "autoscaled" in strategies:
            rows.append(_sized_row(runner, sc, "autoscaled", sizing.target is not None,
                                   tracking_policy(sc, sizing.target or 0.0)))
    df = pd.DataFrame(rows)
    lam = df.loc[0, "cost_per_million_usd"]
    df["cost_ratio"] = df["cost_per_million_usd"] / lam if lam > 0 else math.nan
    if commitments:
        _add_commitments(df, sc, replications)
    df.attrs.update(attrs)
    return df


def _add_commitments(df: pd.DataFrame, sc: Scenario, replications: int) -> None:
    table = best_commitments(sc, replications)
    for c in COMMITMENT_COLUMNS:
        df[c] = math.nan
    for platform, strategy in (("lambda", "on-demand"), ("ec2", "configured")):
        row = (df["platform"] == platform) & (df["strategy"] == strategy)
        one = table[table["platform"] == platform].iloc[0]
        for c in COMMITMENT_COLUMNS:
            df.loc[row, c] = one[c]
    df["cost_per_million_committed_usd"] = df["cost_per_million_usd"] * (1 - df["commitment_saving_fraction"])
    df.attrs["commitments"] = table.to_dict("records")


def _sized_row(runner, sc, strategy, found, scaling) -> dict[str, Any]:
    if not found:
        return {"platform": "ec2", "strategy": strategy, "config": "no configuration meets the SLO",
                "replications": 0, **{k: math.nan for k in METRICS}, **{f"{k}_ci95": math.nan for k in METRICS}}
    variant = with_scaling(sc, scaling)
    return _row(runner, variant, "ec2", strategy, describe_ec2(variant))
