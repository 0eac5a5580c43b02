"""The hybrid optimizer: sweep the base fleet size and the routing policy, keep the cost/SLO Pareto front.

:func:`optimize` runs :func:`lambdasim.hybrid.model.run_hybrid` for every
base size in ``sizes`` and every routing policy in ``routings`` on the same
arrivals (common random numbers), with the base fleet on ``base`` (``ec2``,
``fargate`` or ``lmi``; default the scenario's ``hybrid.base``), and returns
one row per configuration: cost, p99 latency, the share sent to Lambda,
whether it meets the SLO, and whether it is on the Pareto front (no other
configuration is both cheaper and faster). Both pure forms are on the menu:
a base of 0 is pure Lambda, and one more row (routing ``none``) is the pure
base platform at the smallest fixed fleet meeting the SLO
(:func:`lambdasim.comparison.sizing.size_fleet`, same seed). So
``df.attrs["best"]``, the cheapest configuration that meets the SLO (None if
none does), is never dearer than either pure form that meets it.
"""
from __future__ import annotations

import math
from typing import Any

import pandas as pd

from lambdasim.billing.catalogue import load_catalogue
from lambdasim.comparison import fleets
from lambdasim.comparison.replication import Runner
from lambdasim.comparison.sizing import size_fleet
from lambdasim.hybrid.model import run_hybrid
from lambdasim.scenario import Scenario, as_scenario

__all__ = ["optimize", "pareto_front", "ROUTINGS"]

#: The default routing menu: (policy, queue limit).
ROUTINGS = (("busy", 0), ("queue", 4), ("booting", 0))


def pareto_front(cost: pd.Series, latency: pd.Series) -> pd.Series:
    """True where no other point has lower-or-equal cost and latency with one strictly lower."""
    keep = []
    for c, l in zip(cost, latency):
        keep.append(not any((c2 <= c and l2 <= l) and (c2 < c or l2 < l) for c2, l2 in zip(cost, latency)))
    return pd.Series(keep, index=cost.index)


def optimize(scenario: Scenario | str | dict, *, slo: dict[str, float] | None = None,
             sizes: list[int] | None = None, routings: tuple[tuple[str, int], ...] = ROUTINGS,
             base: str | None = None, pure_base: bool = True) -> pd.DataFrame:
    """Cost/SLO table of hybrid configurations (base size x routing), with the Pareto front and the best.

    ``slo`` defaults to pure Lambda's p99 latency + 10 % (the base of size 0).
    ``sizes`` defaults to 0 up to twice the fleet that keeps the binding resource 70 % busy.
    ``pure_base`` adds the pure base platform sized to the SLO (routing ``none``).
    """
    sc = as_scenario(scenario)
    base = fleets.check_platform(base or sc.hybrid.base)
    cat = load_catalogue(sc.pricing)
    if sizes is None:
        full = max(1, math.ceil(fleets.offered_load(sc, base) / 0.7))
        sizes = sorted({0, *(max(1, round(full * k / 4)) for k in range(1, 9))})
    rows: list[dict[str, Any]] = []
    for n in sizes:
        for routing, limit in (routings if n > 0 else (("busy", 0),)):
            s = run_hybrid(sc, cat, n, routing, limit, base=base).summary
            rows.append(_row(n, routing, limit if routing == "queue" else 0, s, base))
    df = pd.DataFrame(rows)
    if slo is None:
        slo = {"latency_p99_s": round(1.1 * df.loc[df["base_instances"] == 0, "latency_p99_s"].iloc[0], 6)} \
            if (df["base_instances"] == 0).any() else {}
    if pure_base and slo:
        runner = Runner(1)
        n = size_fleet(sc, slo, platform=base, target_tracking=False, runner=runner).instances
        if n is not None:
            m = runner.mean(fleets.with_fixed(sc, base, n), base)
            df = pd.concat([df, pd.DataFrame([{**_row(n, "none", 0, {**m, "overflow_share": 0.0,
                                                                     "base_cost_usd": m["cost_usd"],
                                                                     "lambda_cost_usd": 0.0}, base)}])],
                           ignore_index=True)
    df["meets_slo"] = (df["dropped"] == 0) if "dropped" in df else True
    for k, v in slo.items():
        df["meets_slo"] &= df[k] <= v
    df["pareto"] = pareto_front(df["cost_usd"], df["latency_p99_s"])
    ok = df[df["meets_slo"]]
    df.attrs.update({"scenario": sc.name, "slo": slo, "base": base, "base_fleet": fleets.describe(sc, base),
                     "instance_type": sc.ec2.instance_type if base == "ec2" else fleets.capacity(sc, base).instance_type,
                     "best": ok.loc[ok["cost_usd"].idxmin()].to_dict() if len(ok) else None})
    return df


def _row(n: int, routing: str, limit: int, s: dict[str, Any], base: str) -> dict[str, Any]:
    return {"base": base, "base_instances": n, "routing": routing, "queue_limit": limit,
            "cost_usd": s["cost_usd"], "latency_p99_s": s["latency_p99_s"], "dropped": s["dropped"],
            "overflow_share": s["overflow_share"], "base_cost_usd": s["base_cost_usd"],
            "lambda_cost_usd": s["lambda_cost_usd"]}
