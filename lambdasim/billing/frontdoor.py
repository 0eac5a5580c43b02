"""Front doors: what callers reach a function or a fleet through, and what it bills.

* ``rest_api`` (API Gateway REST API): per call, four monthly volume tiers.
* ``http_api`` (API Gateway HTTP API): per call, two tiers; each call is
  metered in 512 KB pieces of its request and of its response (an 800 KB
  request is two calls).
* ``websocket`` (API Gateway WebSocket API): per message (32 KB pieces,
  two tiers) and per connection minute.
* ``function_url`` (Lambda function URL): no charge of its own (a zero line).
* ``alb`` (an application load balancer): per ALB-hour (started hours) and
  per LCU-hour; an LCU is the largest of new connections / 25 per s, active
  connections / 3,000 per minute, processed GB / 1 per hour (0.4 for Lambda
  targets) and rule evaluations / 1,000 per s, taken in each hour (the
  hourly maximum of the dimensions, not an average over the period).

Byte charges come from payload sizes (:class:`PayloadSpec`): the mean
request and response in KB and the shape of their distribution, from which
the expected number of metered pieces follows exactly (no sampling:
E[ceil(X/g)] is closed-form for constant and exponential sizes). Data
transfer out of the responses is billed with the network (``network.py``).
Everything here is pure: counts in, line items out.
"""
from __future__ import annotations

import math
from typing import Literal, TYPE_CHECKING

import numpy as np

from lambdasim.billing.catalogue import MONTH_S, Catalogue
from lambdasim.billing.rules import line_items_frame, tiered
from lambdasim.spec import NonNegative, Spec

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FrontDoorSpec", "PayloadSpec", "FRONT_DOORS", "metered_pieces", "metered_units", "front_door_line_items",
           "api_line_items", "alb_lcu", "FIRST_KEY", "KB", "GB"]

KB = 1024.0
GB = 1024.0 ** 3
FRONT_DOORS = ("rest_api", "http_api", "websocket", "function_url", "alb")
FIRST_KEY = {"rest_api": "apigw.rest_request_per_million_usd", "http_api": "apigw.http_request_per_million_usd",
              "websocket": "apigw.ws_message_per_million_usd", "function_url": "furl.request_per_million_usd",
              "alb": "alb.hour_usd"}


class PayloadSpec(Spec):
    """Sizes of one call's request and response, in KB (1,024 bytes): means and a shape.

    ``shape: constant`` (every call the mean) or ``exponential`` (sizes
    exponential with that mean: many small calls, a few large ones).
    """

    request_kb: NonNegative = 1.0
    response_kb: NonNegative = 1.0
    shape: Literal["constant", "exponential"] = "constant"

    def bytes_per_call(self) -> float:
        return (self.request_kb + self.response_kb) * KB


class FrontDoorSpec(Spec):
    """The front door of a function (or of every function of a scenario).

    ``type``: ``rest_api``, ``http_api``, ``websocket``, ``function_url`` or
    ``alb``. For ``websocket``: ``messages_per_call`` (messages sent and
    received per invocation, e.g. 2 = the client's message and the reply) and
    ``connections`` (clients connected on average over the horizon, billed
    per connection minute). For ``alb``: ``rule_evaluations_per_request``
    beyond the 10 free rules (0 by default).
    """

    type: Literal["rest_api", "http_api", "websocket", "function_url", "alb"]
    messages_per_call: NonNegative = 2.0
    connections: NonNegative = 0.0
    rule_evaluations_per_request: NonNegative = 0.0


def metered_pieces(mean_kb: float, piece_kb: float, shape: str = "constant") -> float:
    """Expected number of ``piece_kb`` pieces one payload is metered as (at least one).

    Constant: ceil(mean / piece). Exponential with mean m: E[ceil(X/g)] =
    1 / (1 - exp(-g/m)) (a geometric count of pieces).
    """
    if mean_kb < 0 or piece_kb <= 0:
        raise ValueError(f"mean_kb must be >= 0 and piece_kb > 0. Got {mean_kb} and {piece_kb} instead.")
    if mean_kb == 0:
        return 1.0
    if shape == "constant":
        return float(max(math.ceil(round(mean_kb / piece_kb, 9)), 1))
    if shape == "exponential":
        return 1.0 / -math.expm1(-piece_kb / mean_kb)
    raise ValueError(f"shape must be 'constant' or 'exponential'. Got {shape!r} instead.")


def metered_units(door: FrontDoorSpec, calls: float, catalogue: Catalogue, payload: PayloadSpec | None = None) -> float:
    """What ``calls`` calls through ``door`` are metered as: calls (REST, function URL), 512 KB calls (HTTP API:
    the larger of request and response pieces), or 32 KB messages (WebSocket: ``messages_per_call``, half
    inbound at the request size, half outbound at the response size)."""
    if calls < 0 or not math.isfinite(calls):
        raise ValueError(f"calls must be a finite number >= 0. Got {calls!r} instead.")
    p = payload or PayloadSpec(request_kb=0.0, response_kb=0.0)
    if door.type == "http_api":
        piece = catalogue["apigw.http_metering_kb"]
        return calls * max(metered_pieces(p.request_kb, piece, p.shape), metered_pieces(p.response_kb, piece, p.shape))
    if door.type == "websocket":
        piece = catalogue["apigw.ws_metering_kb"]
        return calls * door.messages_per_call / 2.0 * (metered_pieces(p.request_kb, piece, p.shape)
                                                       + metered_pieces(p.response_kb, piece, p.shape))
    return float(calls)


def front_door_line_items(door: FrontDoorSpec, calls: float, catalogue: Catalogue, *,
                          payload: PayloadSpec | None = None, period_s: float = MONTH_S, period: str = "month",
                          platform: str = "lambda") -> pd.DataFrame:
    """Line items of API Gateway (REST, HTTP, WebSocket) or a function URL for ``calls`` calls over ``period_s``.

    Monthly tiers are prorated to the period (as Lambda's are). The ALB is
    billed by :func:`~lambdasim.billing.rules.alb_line_items` (one ALB for all its targets).
    """
    if door.type == "alb":
        raise ValueError("An ALB front door is billed with alb_line_items (one ALB for all its targets).")
    catalogue[FIRST_KEY[door.type]]  # a front door not priced on the date: one clear error naming the key and dates
    return api_line_items(door.type, metered_units(door, calls, catalogue, payload), catalogue,
                          connections=door.connections if door.type == "websocket" else 0.0, period_s=period_s,
                          period=period, platform=platform)


def api_line_items(kind: str, units: float, catalogue: Catalogue, *, connections: float = 0.0,
                   period_s: float = MONTH_S, period: str = "month", platform: str = "lambda") -> pd.DataFrame:
    """One API type's charges for ``units`` metered calls or messages (summed over an account's APIs), tiered."""
    if kind not in FIRST_KEY or kind == "alb":
        raise ValueError(f"kind must be rest_api, http_api, websocket or function_url. Got {kind!r} instead.")
    cat, share, rows = catalogue, period_s / MONTH_S, []

    def add(item, qty, unit, rate):
        rows.append((platform, item, float(qty), unit, float(rate), float(qty * rate), "front_door", period))

    if kind == "function_url":
        add("function URL requests", units, "requests", cat["furl.request_per_million_usd"] / 1e6)
    elif kind == "rest_api":
        limits = [cat["apigw.rest_tier1_requests"], cat["apigw.rest_tier2_requests"], cat["apigw.rest_tier3_requests"]]
        rates = [cat[f"apigw.rest_tier{k}_per_million_usd"] for k in (2, 3, 4)]
        for k, q, rate in tiered(units, cat["apigw.rest_request_per_million_usd"], limits, rates, share):
            add("REST API calls" + (f" tier {k}" if k > 1 else ""), q, "calls", rate / 1e6)
    elif kind == "http_api":
        piece = cat["apigw.http_metering_kb"]
        for k, q, rate in tiered(units, cat["apigw.http_request_per_million_usd"], [cat["apigw.http_tier1_requests"]],
                                 [cat["apigw.http_tier2_per_million_usd"]], share):
            add(f"HTTP API calls ({piece:g} KB units)" + (f" tier {k}" if k > 1 else ""), q, "metered calls", rate / 1e6)
    else:  # websocket
        piece = cat["apigw.ws_metering_kb"]
        for k, q, rate in tiered(units, cat["apigw.ws_message_per_million_usd"], [cat["apigw.ws_tier1_messages"]],
                                 [cat["apigw.ws_tier2_per_million_usd"]], share):
            add(f"WebSocket messages ({piece:g} KB units)" + (f" tier {k}" if k > 1 else ""), q, "messages", rate / 1e6)
        if connections > 0:
            add("WebSocket connection minutes", connections * period_s / 60.0, "connection-minutes",
                cat["apigw.ws_connection_minute_per_million_usd"] / 1e6)
    return line_items_frame(rows)


def alb_lcu(requests, processed_bytes, seconds, catalogue: Catalogue, *, lambda_targets: bool,
            active_connections_per_min: float | None = None, rule_evaluations=0.0) -> float:
    """LCUs of an ALB per hour it ran: in each hour the largest of its four dimensions, averaged over the hours.

    AWS bills, for each hour, only the dimension with the highest usage in
    that hour; so ``requests``, ``processed_bytes`` and ``rule_evaluations``
    may be arrays with one value per hour, ``seconds`` the seconds of each
    hour covered (scalars: one period). Each hour's LCUs use that hour's rates;
    the result is their mean weighted by the seconds covered (LCU-hours =
    ALB-hours x this mean). One new connection per request (no keep-alive
    reuse) and, unless given, as many active connections per minute as new
    ones. Processed bytes count at 1 GB per LCU-hour, or 0.4 GB for Lambda targets.
    """
    req, byt, sec, rules = (np.atleast_1d(np.asarray(x, dtype=float))
                            for x in np.broadcast_arrays(requests, processed_bytes, seconds, rule_evaluations))
    if not np.all(sec > 0):
        raise ValueError(f"seconds must be > 0. Got {seconds} instead.")
    cat = catalogue
    per_gb = cat["alb.lcu_processed_gb_per_h_lambda" if lambda_targets else "alb.lcu_processed_gb_per_h"]
    active = req / sec * 60.0 if active_connections_per_min is None else np.full_like(sec, active_connections_per_min)
    hourly = np.maximum.reduce([req / cat["alb.lcu_new_connections_per_s"] / sec,
                                active / cat["alb.lcu_active_connections_per_min"],
                                byt / GB / (sec / 3600.0) / per_gb,
                                rules / sec / cat["alb.lcu_rule_evaluations_per_s"]])
    return float(hourly[0]) if hourly.size == 1 else float(np.sum(hourly * sec) / np.sum(sec))
