"""The bill around compute of one run: front doors, logs, data transfer, NAT, public addresses.

Every platform's result calls :func:`around_line_items` with what each
function saw (:class:`Traffic`: its front door and payload, the calls that
reached it and the executions that ran) and the scenario's ``network``
section. API Gateway's monthly tiers are per account and API type, so calls
are summed by type before tiering; all functions behind an ALB share one
ALB (Lambda targets count processed bytes at 0.4 GB per LCU-hour). On EC2
the fleet's own ALB (``ec2.load_balancer``) is the front door of
``alb`` and ``function_url`` functions, billed with the instances; API
Gateway in front of the fleet is billed as for Lambda. A missing payload
means bytes are not modelled: no byte charges, one metered piece per call.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass

import numpy as np

from lambdasim.billing.catalogue import Catalogue
from lambdasim.billing.frontdoor import FIRST_KEY, KB, FrontDoorSpec, PayloadSpec, alb_lcu, api_line_items, metered_units
from lambdasim.billing.network import NetworkSpec, network_line_items
from lambdasim.billing.rules import alb_line_items, line_items_frame
from lambdasim.timeseries import bin_edges

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Traffic", "around_line_items", "response_bytes", "processed_bytes", "alb_hourly"]


@dataclass(frozen=True)
class Traffic:
    """One function's traffic over the horizon."""

    door: FrontDoorSpec | None
    payload: PayloadSpec | None
    calls: float        # reached the front door (throttled or dropped included)
    executions: float   # ran (and logged)
    hourly_calls: np.ndarray | None = None  # calls per hour of the horizon (an ALB's LCUs are hourly), if counted


def response_bytes(traffic: list[Traffic]) -> float:
    return sum(t.executions * t.payload.response_kb * KB for t in traffic if t.payload is not None)


def processed_bytes(traffic: list[Traffic]) -> float:
    """Request bytes of every call plus response bytes of every execution."""
    return sum(t.calls * t.payload.request_kb * KB + t.executions * t.payload.response_kb * KB
               for t in traffic if t.payload is not None)


def alb_hourly(traffic: list[Traffic], horizon_s: float) -> tuple[np.ndarray, ...]:
    """Requests, processed bytes and rule evaluations per hour of the functions in ``traffic``, and the
    seconds of each hour: by hour where every function's calls were counted by hour, else one period."""
    if traffic and all(t.hourly_calls is not None for t in traffic):
        seconds = np.diff(bin_edges(horizon_s, 3600.0))
        calls = [np.asarray(t.hourly_calls, dtype=float) for t in traffic]
    else:
        seconds, calls = np.array([horizon_s]), [np.array([t.calls]) for t in traffic]
    zero = np.zeros(len(seconds))
    requests = sum(calls, zero)
    per_call = [(t.payload.request_kb * KB + (t.executions / t.calls if t.calls else 0.0) * t.payload.response_kb * KB)
                if t.payload is not None else 0.0 for t in traffic]
    processed = sum((c * b for c, b in zip(calls, per_call)), zero)
    rules = sum((c * (t.door.rule_evaluations_per_request if t.door is not None and t.door.type == "alb" else 0.0)
                 for c, t in zip(calls, traffic)), zero)
    return requests, processed, rules, seconds


def around_line_items(traffic: list[Traffic], network: NetworkSpec | None, catalogue: Catalogue, *, platform: str,
                      horizon_s: float, scale: float = 1.0, period: str = "horizon") -> pd.DataFrame:
    """Line items of the front doors and the network of a run (``scale``: a monthly projection's factor)."""
    import pandas as pd
    cat, parts, period_s = catalogue, [], horizon_s * scale
    for kind in ("rest_api", "http_api", "websocket", "function_url"):
        mine = [t for t in traffic if t.door is not None and t.door.type == kind]
        if not mine or (kind == "function_url" and platform != "lambda"):
            continue
        units = sum(metered_units(t.door, t.calls, cat, t.payload) for t in mine) * scale
        connections = sum(t.door.connections for t in mine) if kind == "websocket" else 0.0
        cat[FIRST_KEY[kind]]  # not priced on the date: one clear error
        parts.append(api_line_items(kind, units, cat, connections=connections, period_s=period_s, period=period,
                                    platform=platform))
    behind = [t for t in traffic if t.door is not None and t.door.type == "alb"]
    if behind and platform == "lambda":
        requests, processed, rules, seconds = alb_hourly(behind, horizon_s)
        lcu = alb_lcu(requests, processed, seconds, cat, lambda_targets=True, rule_evaluations=rules)
        parts.append(alb_line_items(horizon_s, lcu, cat, platform=platform, scale=scale, period=period))
    if network is not None:
        parts.append(network_line_items(network, cat, calls=sum(t.calls for t in traffic),
                                        executions=sum(t.executions for t in traffic),
                                        response_bytes=response_bytes(traffic), seconds=horizon_s, platform=platform,
                                        lambda_logs=platform == "lambda", scale=scale, period=period))
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else line_items_frame([])
