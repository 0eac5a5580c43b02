"""Every platform the scenario enables, on the same arrivals: the side-by-side table.

:func:`compare` runs the scenario ``replications`` times on Lambda and on
each server platform it enables (``Scenario.enabled_platforms``: EC2, and
Fargate, LMI and a hybrid when their section is given, or the scenario's
``platforms`` list), each server fleet sized by up to three strategies,
with common random numbers (replication r of every row uses seed
``scenario.seed + r``):

- ``configured``: the platform's own section (by default a fixed fleet
  sized to the offered load at 70 % utilisation of the binding resource);
- ``slo``: the cheapest fixed fleet meeting the SLO (:func:`size_fleet`);
- ``autoscaled``: target tracking at the cheapest utilisation target
  meeting the SLO.

A hybrid row (``hybrid``) is the scenario's base fleet and routing with
Lambda for the overflow, at ``hybrid.base_instances`` or, when none is
given, the cheapest base size meeting the SLO (:func:`lambdasim.optimize`).

The SLO defaults to "p99 latency no worse than Lambda's + 10 %", so the
SLO-sized and autoscaled rows answer: what does EC2 cost at Lambda's
latency? Each metric has its mean over the replications, its values
(``<metric>_values``) and, from 3 replications, a 95 % interval inside the
metric's range (``<metric>_lo``, ``<metric>_hi``: :func:`lambdasim.stats.mean_interval`;
``<metric>_ci95`` is the larger distance from the mean to an end); ``cost_ratio``
is a row's mean cost per million completed requests over Lambda's, and
``monthly_cost_usd`` its cost projected to a month (30.4375 days).

Every row is judged (:func:`judge`): ``meets_slo`` and ``slo_miss`` (which
bound failed and by how much), ``stable`` and ``unstable_why``. An option
that is unstable does not meet the SLO. ``df.attrs["verdict"]`` names the
cheapest option meeting the SLO with its ratio to the others;
``df.attrs["answer"]`` says it in one sentence; ``df.attrs["capacity"]`` is
the EC2 capacity line.
"""
from __future__ import annotations

import math
from typing import Any, TYPE_CHECKING

from lambdasim.ec2.model import ec2_capacity, initial_instances
from lambdasim.comparison import fleets
from lambdasim.comparison.commitments import COMMITMENT_COLUMNS, best_commitments
from lambdasim.comparison.replication import METRICS, Runner
from lambdasim.stats import mean_interval
import lambdasim.labels as labels
from lambdasim.scenario import Scenario, as_scenario
from lambdasim.comparison.sizing import size_fleet

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["compare", "STRATEGIES", "default_slo", "describe", "describe_ec2", "judge", "verdict",
           "SECONDS_PER_MONTH"]

STRATEGIES = ("configured", "slo", "autoscaled")
#: A month of 30.4375 days (365.25 / 12), the unit of every projected monthly cost.
SECONDS_PER_MONTH = 30.4375 * 86_400
#: Above this utilisation (of slots or vCPUs) a fleet counts as overloaded.
SATURATED = 0.99


def judge(row: dict[str, Any], slo: dict[str, float]) -> dict[str, Any]:
    """``meets_slo``, ``slo_miss`` (which bound failed, by how much), ``stable`` and ``unstable_why`` of a row.

    Stable: no dropped or throttled request, slot and vCPU utilisation below 0.99, and at most
    max(10, 0.1 % of the completed) requests still waiting in the queue at the horizon.
    """
    if not row.get("replications"):
        return {"meets_slo": False, "slo_miss": "not run", "stable": False, "unstable_why": "not run"}
    miss = []
    for k, bound in slo.items():
        v = row[k]
        if not (v <= bound):
            miss.append(f"{k} {v:.4g} > {bound:.4g}" + (f" (+{(v / bound - 1) * 100:.0f} %)" if bound > 0 else ""))
    why = []
    if row["dropped"] > 0:
        why.append(f"{row['dropped']:.4g} dropped or throttled")
    for k in ("utilization", "cpu_utilization"):
        if math.isfinite(row.get(k, math.nan)) and row[k] >= SATURATED:
            why.append(f"{k} {row[k]:.3f}")
    if row.get("queue_at_end", 0) > max(10.0, 1e-3 * row["completed"]):
        why.append(f"{row['queue_at_end']:.0f} still queued at the end")
    return {"meets_slo": not miss and not why, "slo_miss": "; ".join(miss + why), "stable": not why,
            "unstable_why": "; ".join(why)}


def verdict(df: pd.DataFrame) -> dict[str, Any]:
    """The cheapest option that meets the SLO (and is stable), its monthly cost and its ratio to the others."""
    ok = df[df["meets_slo"]]
    if ok.empty:
        return {"winner": None, "label": None, "monthly_cost_usd": math.nan, "ratios": {},
                "sentence": "No compared option meets the SLO; see slo_miss for which bound failed and by how much."}
    best = ok.loc[ok["monthly_cost_usd"].idxmin()]
    label = option_label(best)
    ratios = {option_label(r): float(r["monthly_cost_usd"] / best["monthly_cost_usd"])
              for _, r in df.iterrows() if r.name != best.name and best["monthly_cost_usd"] > 0}
    others = "; ".join(f"{k} {v:.2f}x" for k, v in ratios.items())
    sentence = (f"Cheapest option meeting the SLO: {label} ({best['config']}) at "
                f"${best['monthly_cost_usd']:,.2f}/month" + (f"; the others cost {others} as much." if others else "."))
    return {"winner": label, "label": label, "config": best["config"],
            "monthly_cost_usd": float(best["monthly_cost_usd"]), "ratios": ratios, "sentence": sentence}


def answer(df: pd.DataFrame, rate_per_s: float) -> str:
    """One sentence: Lambda's monthly cost and SLO status, and the cheapest EC2 option meeting the SLO."""
    lam = df[df["platform"] == "lambda"].iloc[0]
    ok = "meets the SLO" if lam["meets_slo"] else f"misses the SLO ({lam['slo_miss']})"
    text = f"At {rate_per_s:.3g} req/s Lambda costs ${lam['monthly_cost_usd']:,.2f}/month and {ok}"
    ec2 = df[(df["platform"] == "ec2") & df["meets_slo"]]
    if ec2.empty:
        return text + "; no EC2 option compared meets it."
    best = ec2.loc[ec2["monthly_cost_usd"].idxmin()]
    ratio = best["monthly_cost_usd"] / lam["monthly_cost_usd"] if lam["monthly_cost_usd"] > 0 else math.nan
    return (text + f"; the cheapest EC2 option that meets it, {best['config']}, costs "
            f"${best['monthly_cost_usd']:,.2f}/month ({ratio:.2f}x Lambda).")


def option_label(row) -> str:
    """A row's option in words (:func:`lambdasim.labels.option_label`): "Lambda", "EC2, the scenario's fleet", ..."""
    return labels.option_label(row["platform"], row["strategy"])


def default_slo(runner: Runner, sc: Scenario) -> dict[str, float]:
    """Lambda's mean p99 latency over the replications, plus 10 %."""
    return {"latency_p99_s": round(1.1 * runner.mean(sc, "lambda")["latency_p99_s"], 6)}


def describe_ec2(sc: Scenario) -> str:
    """A short text for a fleet: "fixed 15 x m5.large" or "target_tracking utilization 0.6, m5.large"."""
    ec2, p = sc.ec2, sc.ec2.scaling
    kind = ec2.instance_type if ec2.workers_per_instance is None else \
        f"{ec2.instance_type} x{ec2.workers_per_instance} workers"
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
        values = [r[k] for r in runs]
        row[k], row[f"{k}_lo"], row[f"{k}_hi"] = mean_interval(values)
        row[f"{k}_ci95"] = max(row[k] - row[f"{k}_lo"], row[f"{k}_hi"] - row[k])  # nan below 3 replications
        row[f"{k}_values"] = values
    return row


def compare(scenario: Scenario | str | dict, replications: int = 3, *, slo: dict[str, float] | None = None,
            strategies: tuple[str, ...] = STRATEGIES, sizing_replications: int | None = None,
            runner: Runner | None = None, commitments: bool = False,
            platforms: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One row per platform and sizing strategy: metrics with 95 % CIs, and the cost ratio to Lambda.

    ``platforms`` (default: the scenario's :meth:`~lambdasim.scenario.Scenario.enabled_platforms`) lists
    the platforms to run among ``lambda``, ``ec2``, ``fargate``, ``lmi``, ``hybrid``; Lambda always runs
    (the reference of the ratio and of the default SLO). ``strategies`` size every server platform
    listed. ``sizing_replications`` (default: ``replications``) sets how many replications each sizing
    step averages over. ``df.attrs`` holds the SLO and the sizing outcome (``sizing``: per platform).
    ``commitments=True`` adds the best hourly commitment of the Lambda and configured-EC2 rows and
    their bill with it (``comparison/commitments.py``; the table in ``df.attrs["commitments"]``).
    """
    import pandas as pd
    sc = as_scenario(scenario)
    bad = [s for s in strategies if s not in STRATEGIES]
    if bad:
        raise ValueError(f"strategies must be among {', '.join(STRATEGIES)}. Got {bad!r} instead.")
    listed = tuple(dict.fromkeys(sc.enabled_platforms() if platforms is None else platforms))
    known = ("lambda", *fleets.SERVER_PLATFORMS, "hybrid")
    if any(p not in known for p in listed):
        raise ValueError(f"platforms must be among {', '.join(known)}. Got {list(listed)!r} instead.")
    servers = [p for p in fleets.SERVER_PLATFORMS if p in listed]
    runner = runner or Runner(replications)
    runner.prefetch([(sc, "lambda")] + [(sc, p) for p in servers if "configured" in strategies])
    rows = [_row(runner, sc, "lambda", "on-demand", f"{len(sc.functions)} function(s)")]
    if "configured" in strategies:
        for p in servers:
            rows.append(_row(runner, sc, p, "configured", describe(sc, p)))
    attrs: dict[str, Any] = {"scenario": sc.name, "replications": replications, "platforms": ["lambda", *servers]
                             + (["hybrid"] if "hybrid" in listed else [])}
    attrs.update(slo_given=bool(slo))
    slo = slo or default_slo(runner, sc)
    attrs.update(slo=slo, sizing={})
    if "slo" in strategies or "autoscaled" in strategies:
        sizer = runner.sibling(sizing_replications or replications)
        for p in servers:
            sizing = size_fleet(sc, slo, platform=p, target_tracking="autoscaled" in strategies, runner=sizer)
            attrs["sizing"][p] = {"instances": sizing.instances, "target": sizing.target, "why": sizing.why}
            if p == "ec2":
                attrs.update(slo_instances=sizing.instances, slo_target=sizing.target, sizing_why=sizing.why)
            variants = {"slo": sizing.instances is not None and fleets.with_fixed(sc, p, sizing.instances),
                        "autoscaled": sizing.target is not None and fleets.with_target(sc, p, sizing.target)}
            runner.prefetch([(v, p) for k, v in variants.items() if k in strategies and v])
            for strategy in ("slo", "autoscaled"):
                if strategy in strategies:
                    rows.append(_sized_row(runner, p, strategy, variants[strategy]))
    if "hybrid" in listed:
        rows.append(_hybrid_row(runner, sc, slo, attrs))
    df = pd.DataFrame(rows)
    lam = df.loc[0, "cost_per_million_usd"]
    df["cost_ratio"] = df["cost_per_million_usd"] / lam if lam > 0 else math.nan
    if commitments:
        _add_commitments(df, sc, replications)
    df["monthly_cost_usd"] = df["cost_usd"] / sc.horizon_s * SECONDS_PER_MONTH
    judged = pd.DataFrame([judge(r, slo) for r in df.to_dict(orient="records")])
    for c in judged:
        df[c] = judged[c].to_numpy()
    cap = ec2_capacity(sc)
    attrs.update(capacity=cap.describe(), rate_per_s=cap.rate_per_s, horizon_s=sc.horizon_s,
                 extrapolated=sc.horizon_s < 86_400,
                 capacities={p: fleets.capacity(sc, p).describe() for p in servers})
    df.attrs.update(attrs)
    df.attrs["verdict"] = verdict(df)
    df.attrs["answer"] = answer(df, cap.rate_per_s)
    return df


def describe(sc: Scenario, platform: str) -> str:
    """The fleet a server platform's row used, in words (EC2 keeps :func:`describe_ec2`)."""
    return describe_ec2(sc) if platform == "ec2" else fleets.describe(sc, platform)


def _hybrid_row(runner: Runner, sc: Scenario, slo: dict[str, float], attrs: dict[str, Any]) -> dict[str, Any]:
    """The scenario's hybrid at its ``base_instances``, or at the cheapest base size meeting the SLO."""
    h = sc.hybrid
    strategy, n = "configured", h.base_instances
    if n is None:
        from lambdasim.comparison.optimize import optimize

        strategy = "slo"
        table = optimize(sc, slo=slo, routings=((h.routing, h.queue_limit),), base=h.base, pure_base=False)
        ok = table[table["meets_slo"] & (table["base_instances"] > 0)]
        n = int(ok.loc[ok["cost_usd"].idxmin(), "base_instances"]) if len(ok) else None
        attrs["sizing"]["hybrid"] = {"instances": n, "tried": table["base_instances"].tolist()}
    if n is None:
        return _sized_row(runner, "hybrid", strategy, None)
    variant = sc.with_overrides({"hybrid.base_instances": n})
    base = fleets.describe(fleets.with_fixed(sc, h.base, n), h.base).replace("fixed ", "", 1)
    when = {"busy": "when every slot is busy", "queue": f"when {h.queue_limit} requests wait",
            "booting": "while base instances boot"}[h.routing]
    return _row(runner, variant, "hybrid", strategy, f"{base} + Lambda {when}")


def _add_commitments(df: pd.DataFrame, sc: Scenario, replications: int) -> None:
    table = best_commitments(sc, replications)
    for c in COMMITMENT_COLUMNS:
        df[c] = math.nan
    for platform, strategy in (("lambda", "on-demand"), ("ec2", "configured")):
        row = (df["platform"] == platform) & (df["strategy"] == strategy)
        if not row.any():
            continue
        one = table[table["platform"] == platform].iloc[0]
        for c in COMMITMENT_COLUMNS:
            df.loc[row, c] = one[c]
    df["cost_per_million_committed_usd"] = df["cost_per_million_usd"] * (1 - df["commitment_saving_fraction"])
    df.attrs["commitments"] = table.to_dict("records")


def _sized_row(runner, platform, strategy, variant) -> dict[str, Any]:
    """The row of ``variant`` (the scenario with the sized fleet), or an empty row when nothing met the SLO."""
    if not variant:
        return {"platform": platform, "strategy": strategy, "config": "no configuration meets the SLO",
                "replications": 0, **{k: math.nan for k in METRICS},
                **{f"{k}_{e}": math.nan for k in METRICS for e in ("lo", "hi", "ci95")},
                **{f"{k}_values": [] for k in METRICS}}
    return _row(runner, variant, platform, strategy, describe(variant, platform))
