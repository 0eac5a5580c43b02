"""What a comparison decides, read from the rows of :func:`lambdasim.comparison.compare.compare`.

An adapter: per option its monthly cost, whether it meets the SLO, and the
one-sentence answer. The comparison package owns the verdict; when its rows
carry ``meets_slo`` and ``monthly_cost_usd`` they are used as they are, and
only what is missing is derived here (monthly cost = the cost of the
simulated time scaled to a 30-day month; meets the SLO = every bound holds
and the option served requests).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from lambdasim.billing.catalogue import MONTH_S
from lambdasim.labels import fmt, fmt_metric, label, metric, option_label

__all__ = ["Option", "options", "answer", "slo_text"]


@dataclass(frozen=True)
class Option:
    name: str            # "Lambda", "EC2, autoscaled to the SLO"
    platform: str
    strategy: str
    config: str          # what was simulated ("fixed 3 x m5.large x4 workers")
    monthly_cost_usd: float
    meets_slo: bool
    why_not: str         # "" when it meets the SLO, else the bound it misses
    row: dict


def _misses(row: dict, slo: dict[str, float]) -> str:
    if not row.get("replications"):
        return row.get("config") or "no configuration found"
    for metric, bound in slo.items():
        v = row.get(metric, math.nan)
        if not (isinstance(v, (int, float)) and math.isfinite(v)) or v > bound:
            return f"{_bound(metric, v, '>', bound)}"
    return ""


def options(df: pd.DataFrame, horizon_s: float) -> list[Option]:
    """The options of a comparison, in its row order."""
    slo = df.attrs.get("slo") or {}
    out = []
    for row in df.to_dict(orient="records"):
        monthly = row.get("monthly_cost_usd", row["cost_usd"] * MONTH_S / horizon_s)
        why = _misses(row, slo) if "meets_slo" not in row else ("" if row["meets_slo"] else _misses(row, slo))
        out.append(Option(option_label(row["platform"], row["strategy"]), row["platform"], row["strategy"],
                          str(row["config"]), float(monthly), not why, why, row))
    return out


def slo_text(slo: dict[str, float]) -> str:
    return " and ".join(_bound(k, None, "≤", v) for k, v in slo.items()) or "none set"


def _bound(key: str, value, op: str, bound: float) -> str:
    """``p99 latency ≤ 0.5 s`` (value None) or ``p99 latency 0.61 s > 0.5 s``."""
    m = metric(key)
    unit = f" {m.unit}" if m is not None and m.unit not in ("", "$", "%", "×") else ""
    name = m.name if m else label(key)
    got = "" if value is None else f" {fmt_metric(key, value)}{unit}"
    return f"{name}{got} {op} {fmt_metric(key, bound)}{unit}"


def answer(opts: list[Option], slo: dict[str, float]) -> str:
    """One sentence: the cheapest option among those meeting the SLO, and what it saves."""
    ok = sorted((o for o in opts if o.meets_slo and math.isfinite(o.monthly_cost_usd)), key=lambda o: o.monthly_cost_usd)
    if not ok:
        cheapest = min(opts, key=lambda o: o.monthly_cost_usd if math.isfinite(o.monthly_cost_usd) else math.inf)
        return (f"No option meets the SLO ({slo_text(slo)}); the cheapest, {cheapest.name}, "
                f"would cost {fmt(cheapest.monthly_cost_usd, 'usd')} per month.")
    best = ok[0]
    text = f"{best.name} is the cheapest option that meets the SLO ({slo_text(slo)}): {fmt(best.monthly_cost_usd, 'usd')} per month"
    if len(ok) > 1:
        nxt = ok[1]
        text += f", against {fmt(nxt.monthly_cost_usd, 'usd')} for {nxt.name}"
    return text + "."
