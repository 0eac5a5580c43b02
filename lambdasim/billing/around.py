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

from lambdasim.billing.catalogue import Catalogue
from lambdasim.billing.frontdoor import FIRST_KEY, KB, FrontDoorSpec, PayloadSpec, alb_lcu, api_line_items, metered_units
from lambdasim.billing.network import NetworkSpec, network_line_items
from lambdasim.billing.rules import alb_line_items, line_items_frame

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Traffic", "around_line_items", "response_bytes", "processed_bytes"]


@dataclass(frozen=True)
class Traffic:
    """One function's traffic over the horizon."""

    door: FrontDoorSpec | None
    payload: PayloadSpec | None
    calls: float        # reached the front door (throttled or dropped included)
    executions: float   # ran (and logged)


def response_bytes(traffic: list[Traffic]) -> float:
    return sum(t.executions * t.payload.response_kb * KB for t in traffic if t.payload is not None)


def processed_bytes(traffic: list[Traffic]) -> float:
    """Request bytes of every call plus response bytes of every execution."""
    return sum(t.calls * t.payload.request_kb * KB + t.executions * t.payload.response_kb * KB
               for t in traffic if t.payload is not None)


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
        lcu = alb_lcu(sum(t.calls for t in behind), processed_bytes(behind), horizon_s, cat, lambda_targets=True,
                      rule_evaluations=sum(t.calls * t.door.rule_evaluations_per_request for t in behind))
        parts.append(alb_line_items(horizon_s, lcu, cat, platform=platform, scale=scale, period=period))
    if network is not None:
        parts.append(network_line_items(network, cat, calls=sum(t.calls for t in traffic),
                                        executions=sum(t.executions for t in traffic),
                                        response_bytes=response_bytes(traffic), seconds=horizon_s, platform=platform,
                                        lambda_logs=platform == "lambda", scale=scale, period=period))
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else line_items_frame([])
