"""Memory x architecture for one function, as AWS Lambda Power Tuning does it, but simulated.

Each configuration (memory size, architecture) runs the whole scenario with
its real arrivals and cold starts (common random numbers: same seed in
every row); a row reports the function's mean run time, p99 latency,
cold-start rate and its Lambda cost per invocation (requests, duration, PC,
ephemeral storage: the part memory changes). Strategies pick a row:

* ``cost``: the cheapest per invocation;
* ``speed``: the fastest mean run time;
* ``balanced`` with ``weight`` w in [0, 1] (Power Tuning's balancedWeight):
  minimise w * cost / min(cost) + (1 - w) * time / min(time).

How run time depends on memory is the function's work (``lambdasim/work.py``):
for a ``work`` function, CPU seconds at one vCPU divided by the memory's CPU
speed plus waiting seconds; for a ``duration`` function, its ``cpu_scaling``.
Measured mean durations per memory size fit that split by least squares on
d(m) = a + b / speed(m) (a: waiting, b: CPU at one vCPU): :func:`fit_work`
gives a ``work`` function's CPU and waiting means, :func:`fit_cpu_split` a
``duration`` function's ``cpu_scaling``; :func:`fitted_overrides` picks the
one that fits the function.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

from lambdasim.distributions import Constant
from lambdasim.work import CpuScaling, Work, cpu_speed
from lambdasim.billing.rules import COMPUTE_CHARGES
from lambdasim.scenario import Scenario, as_scenario
from lambdasim.simulation import simulate

__all__ = ["tune", "pick", "fit_cpu_split", "fit_work", "fitted_overrides", "read_measurements", "STRATEGIES",
           "DEFAULT_MEMORY_MB"]

STRATEGIES = ("cost", "speed", "balanced")
DEFAULT_MEMORY_MB = (128, 256, 512, 1024, 1536, 1769, 2048, 3008, 4096, 6144, 8192, 10240)


def _index(sc: Scenario, function: str) -> int:
    names = [f.name for f in sc.functions]
    if function not in names:
        raise ValueError(f"function must name one of the scenario's functions ({', '.join(names)}). "
                         f"Got {function!r} instead.")
    return names.index(function)


def tune(scenario: Scenario | str | dict, function: str, memory_mb: Sequence[int] = DEFAULT_MEMORY_MB,
         archs: Sequence[str] = ("x86_64",), *, cpu_scaling: CpuScaling | None = None,
         overrides: dict | None = None) -> pd.DataFrame:
    """One row per (arch, memory_mb): the function's mean run time, p99 latency, cold starts, cost per call.

    ``cpu_scaling`` (a ``duration`` function) or ``overrides`` (dotted scenario paths, e.g. from
    :func:`fitted_overrides`) change the function before the sweep."""
    sc = as_scenario(scenario)
    i = _index(sc, function)
    if cpu_scaling is not None:
        sc = sc.with_overrides({f"functions.{i}.cpu_scaling": cpu_scaling.model_dump()})
    if overrides:
        sc = sc.with_overrides(dict(overrides))
    rows = []
    for arch in archs:
        for m in memory_mb:
            variant = sc.with_overrides({f"functions.{i}.memory_mb": int(m), f"functions.{i}.arch": arch},
                                        source=f"tune {function} at {m} MB on {arch}")
            r = simulate(variant, records="full")
            inv = r.invocations
            mine = inv[(inv["function"] == function) & inv["status"].isin(["completed", "failed"])]
            bf = r.by_function.loc[function]
            cost = r.cost[(r.cost["platform"] == "lambda") & r.cost["charge"].isin(COMPUTE_CHARGES)]
            calls = len(mine)
            # this function's share of the Lambda compute bill: its billed GB-s share (one function: all of it)
            share = bf["billed_gb_s"] / r.summary["billed_gb_s"] if r.summary["billed_gb_s"] > 0 else 1.0
            rows.append({"arch": arch, "memory_mb": int(m), "invocations": calls,
                         "duration_mean_ms": float(mine["duration_s"].mean() * 1000) if calls else math.nan,
                         "latency_p99_s": float(np.quantile(mine["end_s"] - mine["arrival_s"], 0.99)) if calls
                         else math.nan,
                         "cold_start_rate": float(bf["cold_start_rate"]),
                         "cost_per_million_usd": float(cost["amount_usd"].sum()) * share / calls * 1e6 if calls
                         else math.nan})
    df = pd.DataFrame(rows)
    df.attrs.update(function=function, scenario=sc.name)
    return df


def pick(df: pd.DataFrame, strategy: str = "cost", weight: float = 0.5) -> pd.Series:
    """The row a strategy chooses (ties: the smaller memory)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}. Got {strategy!r} instead.")
    if not 0 <= weight <= 1:
        raise ValueError(f"weight must be in [0, 1]. Got {weight!r} instead.")
    ok = df.dropna(subset=["cost_per_million_usd", "duration_mean_ms"])
    if strategy == "cost":
        score = ok["cost_per_million_usd"]
    elif strategy == "speed":
        score = ok["duration_mean_ms"]
    else:
        score = (weight * ok["cost_per_million_usd"] / ok["cost_per_million_usd"].min()
                 + (1 - weight) * ok["duration_mean_ms"] / ok["duration_mean_ms"].min())
    best = score.round(12).min()
    return ok[score.round(12) == best].sort_values("memory_mb").iloc[0]


def _fit(memory_mb: Sequence[float], duration_ms: Sequence[float], parallel_fraction: float) -> tuple[float, float]:
    """Least squares for d(m) = a + b / speed(m): ``(a, b)`` in ms, each clipped at 0 (a: waiting, b: CPU at 1 vCPU)."""
    m, d = np.asarray(memory_mb, dtype=float), np.asarray(duration_ms, dtype=float)
    if m.size < 2 or m.size != d.size or not (np.all(m > 0) and np.all(d > 0)):
        raise ValueError("need at least two (memory_mb > 0, duration_ms > 0) pairs of equal length.")
    x = np.array([1.0 / cpu_speed(v, parallel_fraction) for v in m])
    if np.ptp(x) == 0:
        raise ValueError("the memory sizes must give different CPU shares (e.g. not all at or above 1,769 MB "
                         "with parallel_fraction 0).")
    b, a = np.polyfit(x, d, 1)
    return max(float(a), 0.0), max(float(b), 0.0)


def fit_work(memory_mb: Sequence[float], duration_ms: Sequence[float], parallel_fraction: float = 0.0) -> Work:
    """The ``work`` whose Lambda run times best fit measured mean durations per memory size: constant CPU
    seconds at one vCPU and waiting seconds at the fitted means (measurements give means, not spreads)."""
    a, b = _fit(memory_mb, duration_ms, parallel_fraction)
    if a + b <= 0:
        raise ValueError("the measurements fit no positive work (CPU and waiting both 0).")
    return Work(cpu=Constant(value_s=b / 1000.0), wait=Constant(value_s=a / 1000.0), parallel_fraction=parallel_fraction)


def fitted_overrides(scenario: Scenario | str | dict, function: str, memory_mb: Sequence[float],
                     duration_ms: Sequence[float]) -> tuple[dict, Work | CpuScaling]:
    """Scenario overrides that give ``function`` the split fitted to the measurements, and the fit itself:
    a ``work`` function gets :func:`fit_work` (keeping its working memory and parallel fraction), a
    ``duration`` function :func:`fit_cpu_split` (its ``cpu_scaling``)."""
    sc = as_scenario(scenario)
    i = _index(sc, function)
    fn = sc.functions[i]
    if fn.work is not None:
        w = fit_work(memory_mb, duration_ms, fn.work.parallel_fraction)
        w = w.model_copy(update={"memory_mb": fn.work.memory_mb})
        return {f"functions.{i}.work": w.model_dump(mode="json", exclude_none=True)}, w
    scaling = fit_cpu_split(memory_mb, duration_ms)
    return {f"functions.{i}.cpu_scaling": scaling.model_dump()}, scaling


def fit_cpu_split(memory_mb: Sequence[float], duration_ms: Sequence[float], parallel_fraction: float = 0.0,
                  reference_memory_mb: int = 1769) -> CpuScaling:
    """The ``cpu_scaling`` whose duration curve best fits measured mean durations per memory size.

    Least squares for d(m) = a + b / speed(m) (a: waiting, b: CPU work at one
    vCPU), then cpu_bound_fraction = (b / speed(ref)) / d(ref), clipped to [0, 1].
    """
    a, b = _fit(memory_mb, duration_ms, parallel_fraction)
    cpu_ref = b / cpu_speed(reference_memory_mb, parallel_fraction)
    c = cpu_ref / (a + cpu_ref) if cpu_ref > 0 else 0.0
    return CpuScaling(cpu_bound_fraction=float(min(max(c, 0.0), 1.0)), parallel_fraction=parallel_fraction,
                      reference_memory_mb=reference_memory_mb)


def read_measurements(path) -> tuple[np.ndarray, np.ndarray]:
    """A CSV with columns ``memory_mb`` and ``duration_ms`` (mean measured duration per memory size)."""
    try:
        df = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{path}: cannot read the measurements CSV ({exc}).") from None
    missing = {"memory_mb", "duration_ms"} - set(df.columns)
    if missing:
        raise ValueError(f"{path}: the CSV must have columns memory_mb and duration_ms; missing {', '.join(sorted(missing))}.")
    try:
        return df["memory_mb"].to_numpy(float), df["duration_ms"].to_numpy(float)
    except ValueError:
        raise ValueError(f"{path}: memory_mb and duration_ms must be numbers.") from None
