"""Commitments: the hourly Savings Plan (or reservation) that minimises a run's bill.

A commitment of ``c`` USD per hour at discount ``d`` buys, every hour,
``c / (1 - d)`` USD of on-demand-priced usage. In an hour that uses ``u``
USD at on-demand prices, the bill is ``c + max(u - c / (1 - d), 0)``: the
commitment is paid whether used or not (the unused part,
``max(c - (1 - d) u, 0)``, is wasted) and usage above it is paid on demand.

The total over hours is convex and piecewise linear in ``c``, with corners
where the covered usage ``c / (1 - d)`` equals an hour's usage; the optimum
is the corner at the ``d``-quantile of the hourly usage (covering an hour
more pays only if at least a fraction ``1 - d`` of the hours use it).
:func:`best_commitment` evaluates every corner exactly (sorted cumulative
sums) and returns the cheapest, with the saving against on-demand.
The discount itself is the caller's; :func:`max_discount` gives the largest
published one by platform and plan (Compute Savings Plans on Lambda,
Fargate or EC2; EC2 Instance Savings Plans and Reserved Instances), and
:func:`commitment_discount` the one of a plan, term (1 or 3 years) and
payment option (no, partial or all upfront) on a platform, from the dated
table in ``data/pricing/commitments.yaml``: every plan on EC2 (effective
hourly rates, an upfront payment amortised over the term; the EC2 Savings
Plans' partial- and all-upfront cells derived by a documented rule,
``confidence: low``), Compute Savings Plans on Lambda and Fargate. Pure.

The hourly usage itself is priced here too, from a run's records:
:func:`lambda_hourly_usd` (duration and PC configured, first-tier rates) and
:func:`spread_hourly_usd` (a server platform's bill spread over the hours by its live servers).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from lambdasim.billing.catalogue import Catalogue
from lambdasim.billing.rules import rate_key
from lambdasim.timeseries import bin_edges, occupancy

__all__ = ["Commitment", "commitment_cost", "best_commitment", "max_discount", "commitment_discount",
           "commitment_key", "PLANS", "TERMS", "PAYMENTS", "PLATFORM_PLANS", "lambda_hourly_usd", "spread_hourly_usd"]

#: (platform, plan) -> the catalogue key of the largest published discount.
_MAX_KEY = {("lambda", "compute"): "lambda.savings_plan_max_discount",
            ("fargate", "compute"): "fargate.savings_plan_max_discount",
            ("ec2", "compute"): "savings_plans.compute_max_discount",
            ("ec2", "instance"): "ec2.reserved_max_discount"}


@dataclass(frozen=True)
class Commitment:
    """A commitment and what it does to a run's hourly usage (all USD over the run's hours)."""

    hourly_usd: float      # committed per hour
    discount: float
    hours: int
    on_demand_usd: float   # the bill without a commitment
    total_usd: float       # commitment paid + usage above it on demand
    wasted_usd: float      # commitment paid but not used
    saving_usd: float      # on_demand_usd - total_usd

    @property
    def saving_fraction(self) -> float:
        return self.saving_usd / self.on_demand_usd if self.on_demand_usd > 0 else 0.0


def _hourly(hourly_usd) -> np.ndarray:
    u = np.asarray(hourly_usd, dtype=float).ravel()
    if u.size == 0 or not np.all(np.isfinite(u)) or u.min() < 0:
        raise ValueError("hourly_usd must be a non-empty array of finite on-demand costs >= 0 (USD per hour).")
    return u


def _check_discount(discount: float) -> float:
    if not 0 <= discount < 1:
        raise ValueError(f"discount must be in [0, 1). Got {discount!r} instead.")
    return float(discount)


def commitment_cost(hourly_usd, commitment_usd: float, discount: float) -> Commitment:
    """The bill of hourly on-demand usage ``hourly_usd`` under a commitment of ``commitment_usd`` per hour."""
    u, d = _hourly(hourly_usd), _check_discount(discount)
    if not commitment_usd >= 0:
        raise ValueError(f"commitment_usd must be >= 0. Got {commitment_usd!r} instead.")
    covered = commitment_usd / (1.0 - d)
    over = float(np.maximum(u - covered, 0.0).sum())
    total = commitment_usd * u.size + over
    wasted = float(np.maximum(commitment_usd - (1.0 - d) * u, 0.0).sum())
    od = float(u.sum())
    return Commitment(float(commitment_usd), d, int(u.size), od, float(total), wasted, float(od - total))


def best_commitment(hourly_usd, discount: float) -> Commitment:
    """The hourly commitment minimising the total (the smallest one if several tie)."""
    u, d = _hourly(hourly_usd), _check_discount(discount)
    x = np.concatenate([[0.0], np.sort(u)])          # candidate covered levels (USD on-demand per hour)
    s = np.sort(u)
    tail = np.concatenate([[s.sum()], s.sum() - np.cumsum(s)])   # sum of u above the k smallest
    above = np.concatenate([[u.size], u.size - np.arange(1, u.size + 1)])
    totals = u.size * (1.0 - d) * x + tail - above * x
    k = int(np.argmin(np.round(totals, 9)))
    return commitment_cost(u, (1.0 - d) * x[k], d)


def max_discount(platform: str, catalogue: Catalogue, plan: str | None = None) -> float:
    """The largest published commitment discount on the catalogue's date.

    ``plan``: ``compute`` (Compute Savings Plans: Lambda 17 %, Fargate 52 %,
    EC2 66 %) or ``instance`` (EC2 Instance Savings Plans and Reserved
    Instances, 72 %); default ``instance`` for EC2, ``compute`` otherwise.
    """
    plan = plan or ("instance" if platform == "ec2" else "compute")
    if (platform, plan) not in _MAX_KEY:
        known = ", ".join(f"{p}/{q}" for p, q in _MAX_KEY)
        raise ValueError(f"platform/plan must be one of {known}. Got {platform}/{plan} instead.")
    return catalogue[_MAX_KEY[(platform, plan)]]


#: The commitment table's axes (``commitment.<plan>.<term>.<payment>`` catalogue keys).
PLANS = ("compute_sp", "ec2_instance_sp", "ri_standard", "ri_convertible")
TERMS = ("1y", "3y")
PAYMENTS = ("no_upfront", "partial_upfront", "all_upfront")
#: The plans each platform's table has: every plan on EC2; Lambda and Fargate only Compute Savings Plans.
PLATFORM_PLANS = {"ec2": PLANS, "lambda": ("compute_sp",), "fargate": ("compute_sp",)}


def commitment_key(platform: str, plan: str, term: str, payment: str) -> str:
    """The catalogue key of a cell: ``commitment.<plan>.<term>.<payment>`` on EC2,
    ``commitment.<platform>.<plan>.<term>.<payment>`` on Lambda and Fargate."""
    return f"commitment.{plan}.{term}.{payment}" if platform == "ec2" else f"commitment.{platform}.{plan}.{term}.{payment}"


def commitment_discount(catalogue: Catalogue, plan: str, term: str = "1y", payment: str = "no_upfront",
                        platform: str = "ec2") -> float:
    """The fraction off on-demand of a commitment on ``platform`` (``ec2``, ``lambda``, ``fargate``): ``plan``
    (``compute_sp``, and on EC2 also ``ec2_instance_sp``, ``ri_standard``, ``ri_convertible``), ``term``
    (``1y``, ``3y``) and ``payment`` (``no_upfront``, ``partial_upfront``, ``all_upfront``), as the dated
    catalogue has it on its date."""
    if platform not in PLATFORM_PLANS:
        raise ValueError(f"platform must be one of {', '.join(PLATFORM_PLANS)}. Got {platform!r} instead.")
    for name, value, allowed in (("plan", plan, PLATFORM_PLANS[platform]), ("term", term, TERMS),
                                 ("payment", payment, PAYMENTS)):
        if value not in allowed:
            where = f" on {platform}" if name == "plan" else ""
            raise ValueError(f"{name} must be one of {', '.join(allowed)}{where}. Got {value!r} instead.")
    return catalogue[commitment_key(platform, plan, term, payment)]  # before its date: refused, naming its start


# --- hourly on-demand usage: the input of best_commitment ----------------------------------------------
def lambda_hourly_usd(functions: Sequence[Any], pc_steps: Sequence[Sequence[tuple[float, float]]],
                      function: np.ndarray, on_pc: np.ndarray, billed_ms: np.ndarray, start_s: np.ndarray,
                      horizon_s: float, catalogue: Catalogue) -> np.ndarray:
    """On-demand USD per hour of what a Compute Savings Plan covers on Lambda.

    Duration of the runs (``function`` index, ran ``on_pc``, ``billed_ms``, by the hour ``start_s`` a run
    started) and PC configured (``pc_steps``: each function's ``(from_s, concurrency)`` steps), at first-tier
    rates, before rounding PC to 5 minutes. ``functions`` have ``memory_mb`` and ``arch``.
    """
    edges = bin_edges(horizon_s, 3600.0)
    gb = np.array([f.memory_mb / 1024.0 for f in functions])
    rates = np.array([[catalogue.get(rate_key(f.arch, k), np.nan) for k in ("rate", "pc_duration", "pc")]
                      for f in functions])
    fn, on_pc = np.asarray(function).astype(int), np.asarray(on_pc).astype(bool)
    usd = gb[fn] * billed_ms / 1000.0 * np.where(on_pc, rates[fn, 1], rates[fn, 0])
    out = np.histogram(start_s, bins=edges, weights=usd)[0].astype(float)
    for i, steps in enumerate(pc_steps):
        if steps:
            ends = [t for t, _ in steps[1:]] + [horizon_s]
            starts = np.repeat([t for t, _ in steps], [n for _, n in steps])
            stops = np.repeat(ends, [n for _, n in steps])
            out += occupancy(starts, stops, edges) * np.diff(edges) * gb[i] * rates[i, 2]
    return out


def spread_hourly_usd(launched_s: np.ndarray, retired_s: np.ndarray, horizon_s: float, usd: float) -> np.ndarray:
    """``usd`` (a bill's compute) spread over the hours in proportion to the servers live in each."""
    edges = bin_edges(horizon_s, 3600.0)
    live = occupancy(launched_s, retired_s, edges) * np.diff(edges)
    return live / live.sum() * usd if live.sum() > 0 else np.zeros(len(live))
