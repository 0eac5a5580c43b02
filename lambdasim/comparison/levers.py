"""Cold-start levers, simulated and priced against doing nothing.

* ``keep_warm``: a scheduled ping every ``every_s`` seconds, ``environments``
  at a time (that many concurrent pings keep that many environments warm).
  Pings are invocations of the function itself (a superposed deterministic
  workload), billed like any call; they run the function's duration (a
  handler that returns at once on a ping would cost less).
* ``provisioned``: provisioned concurrency of ``concurrency`` (a number, a
  schedule or a target-tracking policy ``{policy: target_tracking, ...}``:
  :mod:`lambdasim.awslambda.provisioned`), billed per GB-s configured.
* ``snapstart``: the function's ``snapstart: {runtime, restore}`` field
  (:mod:`lambdasim.awslambda.snapstart`): each cold start takes a draw of
  ``restore`` instead of ``init``; for ``runtime`` ``python`` and
  ``dotnet`` (from 2024-11-18) the bill has the cache and restore charges
  (``billing.rules.snapstart_line_items``), for ``java`` (from 2022-11-28) none.

:func:`cold_start_levers` runs the scenario with nothing and with each
lever (common random numbers: the function's own arrivals are the same in
every row) and reports, for the function's real calls (pings excluded),
cold starts and P(cold), the bill, and the cost per avoided cold start.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from lambdasim.scenario import Scenario, as_scenario
from lambdasim.simulation import simulate

__all__ = ["keep_warm", "with_lever", "cold_start_levers", "ping_times"]


def _index(sc: Scenario, function: str) -> int:
    names = [f.name for f in sc.functions]
    if function not in names:
        raise ValueError(f"function must name one of the scenario's functions ({', '.join(names)}). "
                         f"Got {function!r} instead.")
    return names.index(function)


def _offset(every_s: float) -> float:
    return every_s / 2.0 + 0.000123  # off any round-number grid of the real calls


def _with_components(sc: Scenario, i: int, extra: list[dict[str, Any]]) -> Scenario:
    base = sc.to_dict()["functions"][i]["workload"]
    return sc.with_overrides({f"functions.{i}.workload": {"kind": "superpose", "components": [base, *extra]}})


def keep_warm(scenario: Scenario | str | dict, function: str, every_s: float, environments: int = 1) -> Scenario:
    """The scenario with ``environments`` concurrent pings of ``function`` every ``every_s`` seconds."""
    sc = as_scenario(scenario)
    if not every_s > 0 or not (isinstance(environments, int) and environments >= 1):
        raise ValueError(f"every_s must be > 0 and environments an int >= 1. Got {every_s!r} and {environments!r}.")
    ping = {"kind": "deterministic", "interval_s": float(every_s), "start_s": _offset(every_s)}
    return _with_components(sc, _index(sc, function), [ping] * environments)


def ping_times(arrivals: np.ndarray, every_s: float) -> np.ndarray:
    """Which arrivals are keep-warm pings (on the ping grid of :func:`keep_warm`)."""
    k = (np.asarray(arrivals, dtype=float) - _offset(every_s)) / every_s
    return (k > -1e-9) & (np.abs(k - np.round(k)) * every_s < 1e-6)


def with_lever(scenario: Scenario, function: str, lever: Mapping[str, Any]) -> Scenario:
    """The scenario with one lever applied: ``{lever: none | keep_warm | provisioned, ...}``."""
    kind = lever.get("lever")
    i = _index(scenario, function)
    if kind == "none":
        return _with_components(scenario, i, [])  # same arrival stream as the levers (a one-component superpose)
    if kind == "keep_warm":
        return keep_warm(scenario, function, lever["every_s"], lever.get("environments", 1))
    if kind == "provisioned":
        sc = _with_components(scenario, i, [])
        return sc.with_overrides({f"functions.{i}.provisioned_concurrency": lever["concurrency"]})
    if kind == "snapstart":
        sc = _with_components(scenario, i, [])
        return sc.with_overrides({f"functions.{i}.snapstart": {"runtime": lever.get("runtime", "java"),
                                                               "restore": lever["restore"]}})
    raise ValueError(f"lever must be none, keep_warm, provisioned or snapstart. Got {kind!r} instead.")


def _label(lever: Mapping[str, Any]) -> str:
    if lever["lever"] == "keep_warm":
        return f"keep-warm every {lever['every_s'] / 60:g} min x {lever.get('environments', 1)}"
    if lever["lever"] == "provisioned":
        pc = lever["concurrency"]
        if isinstance(pc, dict):
            return (f"provisioned concurrency, target tracking {pc.get('target', 0.7):.0%} "
                    f"({pc.get('min', 1)}-{pc['max']})").replace("%", " %")
        return f"provisioned concurrency {pc}"
    if lever["lever"] == "snapstart":
        return f"SnapStart ({lever.get('runtime', 'java')})"
    return "nothing"


def cold_start_levers(scenario: Scenario | str | dict, function: str, levers: Sequence[Mapping[str, Any]],
                      replications: int = 1) -> pd.DataFrame:
    """One row for doing nothing and one per lever: real calls' cold starts, the bill, cost per avoided cold start.

    Means over ``replications`` (seeds ``seed + r``); the function's real
    calls exclude pings; ``cost_usd`` is the whole horizon's bill.
    """
    sc = as_scenario(scenario)
    i = _index(sc, function)
    rows = []
    for lever in [{"lever": "none"}, *levers]:
        variant = with_lever(sc, function, lever)
        acc = np.zeros(5)
        for r in range(replications):
            res = simulate(variant, seed=sc.seed + r, records="full")
            inv = res.invocations
            mine = inv[inv["function"] == function]
            pings = (ping_times(mine["arrival_s"].to_numpy(), lever["every_s"]) if lever["lever"] == "keep_warm"
                     else np.zeros(len(mine), dtype=bool))
            real = mine[~pings]
            cost = float(res.cost["amount_usd"].sum())  # with SnapStart's own charges (functions[].snapstart)
            lat = (real["end_s"] - real["arrival_s"]).to_numpy()
            acc += [len(real), float(real["cold"].sum()), float(pings.sum()), cost, float(np.nanmean(lat))]
        calls, cold, n_pings, cost, latency = acc / replications
        rows.append({"lever": _label(lever), "calls": calls, "pings": n_pings, "cold_starts": cold,
                     "p_cold": cold / calls if calls else math.nan, "latency_mean_s": latency, "cost_usd": cost})
    df = pd.DataFrame(rows)
    base = df.iloc[0]
    df["extra_cost_usd"] = df["cost_usd"] - base["cost_usd"]
    df["avoided_cold_starts"] = base["cold_starts"] - df["cold_starts"]
    df["cost_per_avoided_cold_start_usd"] = np.where(df["avoided_cold_starts"] > 0,
                                                     df["extra_cost_usd"] / df["avoided_cold_starts"].where(
                                                         df["avoided_cold_starts"] > 0, 1), math.nan)
    df.attrs.update(function=function, scenario=sc.name, replications=replications, function_index=i)
    return df
