"""Lambda cost attributed to single executions or functions.

A bill (:func:`lambdasim.billing.rules.lambda_line_items`) applies the free tier
and the monthly volume tiers to a month's usage as a whole; what one execution
or one function *costs* is read at the first tier's on-demand rates, without
the free tier. Used by the application runtime (USD per event and per root)
and by the trace-day study (cost per function).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

from lambdasim.billing.catalogue import Catalogue

__all__ = ["RATE_KEYS", "ExecutionPrices", "first_tier_usd"]

#: The catalogue key of the first-tier GB-s rate, by architecture.
RATE_KEYS = {"x86_64": "lambda.duration_gb_s_usd", "arm64": "lambda.duration_arm_gb_s_usd"}


class ExecutionPrices:
    """Each function's first-tier prices: a request, its GB-s, billed ms rounding and INIT billing."""

    def __init__(self, functions: Sequence[Any], billed_init: Sequence[bool], catalogue: Catalogue):
        """``billed_init[f]``: whether an on-demand INIT of function ``f`` is billed (see ``rules.init_billed``)."""
        cat = catalogue
        self.request_usd = cat["lambda.request_per_million_usd"] / 1e6
        self.gb = [f.memory_mb / 1024.0 for f in functions]
        self.gb_s_usd = [cat[RATE_KEYS[f.arch]] for f in functions]
        self.billed_init = [bool(b) for b in billed_init]
        self.granularity_ms, self.init_cap_s = cat["lambda.billing_granularity_ms"], cat["lambda.init_cap_s"]

    def billed_ms(self, s: float) -> float:
        """``s`` seconds rounded up to the billing granularity, in ms (one float; as ``rules.billed_ms``)."""
        return math.ceil(round(s * 1000.0, 6) / self.granularity_ms) * self.granularity_ms

    def duration_usd(self, f: int, ms: float) -> float:
        """``ms`` billed milliseconds of function ``f``."""
        return self.gb[f] * ms / 1000.0 * self.gb_s_usd[f]

    def execution_usd(self, f: int, run_s: float, init_s: float) -> float:
        """One execution: a request and its billed GB-s (INIT where billed, capped)."""
        extra = min(init_s, self.init_cap_s) if self.billed_init[f] else 0.0
        return self.request_usd + self.duration_usd(f, self.billed_ms(run_s + extra))


def first_tier_usd(requests, gb_s, catalogue: Catalogue, arch: str = "x86_64"):
    """On-demand cost of ``requests`` requests and ``gb_s`` billed GB-s (numbers or arrays), first tier."""
    return requests * catalogue["lambda.request_per_million_usd"] / 1e6 + gb_s * catalogue[RATE_KEYS[arch]]
