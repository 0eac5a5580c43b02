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
metric's range (``<metric>_lo``, ``<metric>_hi``: :func:`lambdasim.stats.mean_interval`; Lambda's
cold-start rate is pooled over the replications with the Wilson interval on the pooled counts;
``<metric>_ci95`` is the larger distance from the mean to an end); ``cost_ratio``
is a row's mean cost per million completed requests over Lambda's, and
``monthly_cost_usd`` its cost projected to a 30-day month (billing's ``MONTH_S``) from the measured
span (after the scenario's warm-up ``measure_from_s``); ``df.attrs["extrapolated"]`` is true when
that span is under a day.

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
from lambdasim.comparison.break_even import BreakEven, break_even as find_break_even
from lambdasim.billing.catalogue import MONTH_S
from lambdasim.comparison.commitments import COMMITMENT_COLUMNS, best_commitments
from lambdasim.comparison.replication import METRICS, Runner
from lambdasim.comparison.slo import judge
from lambdasim.stats import mean_interval, wilson
import lambdasim.labels as labels
from lambdasim.scenario import Scenario, as_scenario
from lambdasim.comparison.sizing import first_tries, size_fleet

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["compare", "STRATEGIES", "default_slo", "describe", "describe_ec2", "judge", "verdict",
           "SECONDS_PER_MONTH"]

STRATEGIES = ("configured", "slo", "autoscaled")
#: The month every projected monthly cost uses: billing's 30-day ``MONTH_S`` (one home for the rule).
SECONDS_PER_MONTH = MONTH_S
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
    fails = {option_label(r) for _, r in df.iterrows() if not r["meets_slo"]}
    others = "; ".join(f"{k} {v:.2f}x" + (" (fails the SLO)" if k in fails else "") for k, v in ratios.items())
    sentence = (f"Cheapest option meeting the SLO: {label} ({best['config']}) at "
                f"${best['monthly_cost_usd']:,.2f}/month" + (f"; the others cost {others} as much." if others else "."))
    return {"winner": label, "label": label, "config": best["config"],
            "monthly_cost_usd": float(best["monthly_cost_usd"]), "ratios": ratios, "sentence": sentence}


def answer(df: pd.DataFrame, rate_per_s: float, flip: BreakEven | None = None,
           flip_horizon_s: float | None = None) -> str:
    """One sentence: Lambda's monthly cost and SLO status, the cheapest EC2 option meeting the SLO and,
    with a break-even search (``flip``), the request rate where the answer flips or that it does not."""
    lam = df[df["platform"] == "lambda"].iloc[0]
    ok = "meets the SLO" if lam["meets_slo"] else f"misses the SLO ({lam['slo_miss']})"
    text = f"At {_rate(rate_per_s)} req/s Lambda costs ${lam['monthly_cost_usd']:,.2f}/month and {ok}"
    ec2 = df[(df["platform"] == "ec2") & df["meets_slo"]]
    if ec2.empty:
        text += "; no EC2 option compared meets it"
    else:
        best = ec2.loc[ec2["monthly_cost_usd"].idxmin()]
        ratio = best["monthly_cost_usd"] / lam["monthly_cost_usd"] if lam["monthly_cost_usd"] > 0 else math.nan
        text += (f"; the cheapest EC2 option that meets it, {best['config']}, costs "
                 f"${best['monthly_cost_usd']:,.2f}/month ({ratio:.2f}x Lambda)")
    return text + (flip_clause(flip, rate_per_s, flip_horizon_s) if flip is not None else "") + "."


def flip_clause(be: BreakEven, rate_per_s: float, horizon_s: float | None = None) -> str:
    """"; the answer flips below 6.1 req/s (...)", or that it does not flip in the range searched."""
    where = f"{be.low:g}-{be.high:g} req/s" + (f" on {horizon_s:,.0f} s runs" if horizon_s else "") + \
        f", EC2 {'sized to the SLO' if be.strategy == 'slo' else be.strategy}"
    if be.crosses:
        side = "below" if be.value < rate_per_s else "above"
        return f"; the answer flips {side} {_rate(be.value)} req/s (break-even searched over {where})"
    who = {"lambda": "Lambda", "ec2": "EC2", "neither": "neither"}[be.below]
    return f"; the answer does not flip between {be.low:g} and {be.high:g} req/s ({who} cheaper throughout, EC2 " \
           f"{be.strategy}-sized)"


def _rate(x: float) -> str:
    """A request rate for a sentence: 3 significant digits, never an exponent."""
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


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
        if k == "cold_start_rate" and platform == "lambda":  # a proportion: pooled, Wilson interval, any R
            row[k], row[f"{k}_lo"], row[f"{k}_hi"] = wilson(sum(r["cold_starts"] for r in runs),
                                                            sum(r["started"] for r in runs))
        row[f"{k}_ci95"] = max(row[k] - row[f"{k}_lo"], row[f"{k}_hi"] - row[k])  # nan below 3 replications
        row[f"{k}_values"] = values
    return row


def compare(scenario: Scenario | str | dict, replications: int = 3, *, slo: dict[str, float] | None = None,
            strategies: tuple[str, ...] = STRATEGIES, sizing_replications: int | None = None,
            runner: Runner | None = None, commitments: bool | tuple[str, str] = False,
            platforms: tuple[str, ...] | None = None, break_even: tuple[float, float] | None = None,
            break_even_horizon_s: float | None = None) -> pd.DataFrame:
    """One row per platform and sizing strategy: metrics with 95 % CIs, and the cost ratio to Lambda.

    ``platforms`` (default: the scenario's :meth:`~lambdasim.scenario.Scenario.enabled_platforms`) lists
    the platforms to run among ``lambda``, ``ec2``, ``fargate``, ``lmi``, ``hybrid``; Lambda always runs
    (the reference of the ratio and of the default SLO). ``strategies`` size every server platform
    listed. ``sizing_replications`` (default: ``replications``) sets how many replications each sizing
    step averages over. ``df.attrs`` holds the SLO and the sizing outcome (``sizing``: per platform).
    ``commitments=True`` adds the best hourly commitment of the Lambda, configured-EC2 and configured-Fargate
    rows and their bill with it, at the largest published discounts; ``commitments=(term, payment)`` at the
    Compute Savings Plan of that term and payment option on each platform (``comparison/commitments.py``; the
    table in ``df.attrs["commitments"]``).
    ``break_even=(low, high)`` also searches the first function's request rate in [low, high] for where the
    answer flips (:func:`~lambdasim.comparison.break_even.break_even`, EC2 SLO-sized at each rate against
    this comparison's SLO, ``sizing_replications`` replications, on runs of ``break_even_horizon_s``
    (default: the scenario's horizon)); ``df.attrs["break_even"]`` says it in words and the answer
    sentence ends with it.
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
    sized = "slo" in strategies or "autoscaled" in strategies
    k = sizing_replications or replications
    # one batch: every row the SLO does not decide, and the first runs of each sizing search
    runner.prefetch([(sc, "lambda")] + [(sc, p) for p in servers if "configured" in strategies]
                    + [(v, p, k) for p in servers if sized
                       for v in first_tries(sc, p, target_tracking="autoscaled" in strategies)])
    rows = [_row(runner, sc, "lambda", "on-demand", f"{len(sc.functions)} function(s)")]
    if "configured" in strategies:
        for p in servers:
            rows.append(_row(runner, sc, p, "configured", describe(sc, p)))
    attrs: dict[str, Any] = {"scenario": sc.name, "replications": replications, "platforms": ["lambda", *servers]
                             + (["hybrid"] if "hybrid" in listed else [])}
    attrs.update(slo_given=bool(slo))
    slo = slo or default_slo(runner, sc)
    attrs.update(slo=slo, sizing={})
    if sized:
        sizer = runner.sibling(k)
        variants: dict[str, dict[str, Any]] = {}
        for p in servers:
            sizing = size_fleet(sc, slo, platform=p, target_tracking="autoscaled" in strategies, runner=sizer)
            attrs["sizing"][p] = {"instances": sizing.instances, "target": sizing.target, "why": sizing.why}
            if p == "ec2":
                attrs.update(slo_instances=sizing.instances, slo_target=sizing.target, sizing_why=sizing.why)
            variants[p] = {"slo": sizing.instances is not None and fleets.with_fixed(sc, p, sizing.instances),
                           "autoscaled": sizing.target is not None and fleets.with_target(sc, p, sizing.target)}
        runner.prefetch([(v, p) for p in servers for s, v in variants[p].items() if s in strategies and v])
        for p in servers:
            for strategy in ("slo", "autoscaled"):
                if strategy in strategies:
                    rows.append(_sized_row(runner, p, strategy, variants[p][strategy]))
    if "hybrid" in listed:
        rows.append(_hybrid_row(runner, sc, slo, attrs))
    df = pd.DataFrame(rows)
    lam = df.loc[0, "cost_per_million_usd"]
    df["cost_ratio"] = df["cost_per_million_usd"] / lam if lam > 0 else math.nan
    if commitments:
        _add_commitments(df, sc, replications, None if commitments is True else tuple(commitments))
    df["monthly_cost_usd"] = df["cost_usd"] / sc.measured_s * SECONDS_PER_MONTH  # after any warm-up
    judged = pd.DataFrame([judge(r, slo) for r in df.to_dict(orient="records")])
    for c in judged:
        df[c] = judged[c].to_numpy()
    cap = ec2_capacity(sc)
    attrs.update(capacity=cap.describe(), rate_per_s=cap.rate_per_s, horizon_s=sc.horizon_s,
                 measure_from_s=sc.measure_from_s, measured_s=sc.measured_s, extrapolated=sc.measured_s < 86_400,
                 capacities={p: fleets.capacity(sc, p).describe() for p in servers})
    df.attrs.update(attrs)
    df.attrs["verdict"] = verdict(df)
    flip = None
    if break_even is not None:
        h = sc.horizon_s if break_even_horizon_s is None else min(sc.horizon_s, sc.measure_from_s + break_even_horizon_s)
        searched = sc if h == sc.horizon_s else sc.with_overrides(
            {"horizon_s": float(h)}, source=f"scenario {sc.name!r} with break_even_horizon_s")
        flip = _flip_search(searched, break_even, slo, Runner(sizing_replications or replications, cache=runner.cache,
                                                                 tick=runner.tick))
        df.attrs["break_even"] = {"value": flip.value, "ci95": flip.ci95, "low": flip.low, "high": flip.high,
                                  "below": flip.below, "above": flip.above, "horizon_s": searched.horizon_s,
                                  "sentence": flip.sentence}
    df.attrs["answer"] = answer(df, cap.rate_per_s, flip, None if flip is None or searched.horizon_s == sc.horizon_s
                                else searched.horizon_s)
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


def _flip_search(sc: Scenario, bounds, slo: dict[str, float], runner: Runner) -> BreakEven:
    vary = "functions.0.workload.rate_per_s"
    if not (isinstance(bounds, (tuple, list)) and len(bounds) == 2):
        raise ValueError(f"break_even must be a (low, high) pair of request rates. Got {bounds!r} instead.")
    if len(sc.functions) != 1 or "rate_per_s" not in type(sc.functions[0].workload).model_fields:
        raise ValueError("break_even needs a scenario with one function whose workload has a rate_per_s "
                         f"(poisson, diurnal, ...). Got {len(sc.functions)} function(s), workload kind "
                         f"{sc.functions[0].workload.kind!r} instead.")
    low, high = (float(b) for b in bounds)
    return find_break_even(sc, vary, low=low, high=high, strategy="slo", slo=slo, points=5, runner=runner,
                           rtol=0.05)


def _add_commitments(df: pd.DataFrame, sc: Scenario, replications: int, term_payment: tuple[str, str] | None) -> None:
    rows = (("lambda", "on-demand"), ("ec2", "configured"), ("fargate", "configured"))
    present = tuple(p for p, s in rows if ((df["platform"] == p) & (df["strategy"] == s)).any())
    table = best_commitments(sc, replications, platforms=present, term_payment=term_payment)
    for c in COMMITMENT_COLUMNS:
        df[c] = math.nan
    for platform, strategy in rows:
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
