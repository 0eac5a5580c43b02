"""Billing: pure functions over usage and a price catalogue.

Nothing here touches a simulation: usage comes in as numbers or arrays
(from records, or typed by hand in ``lambdasim bill``), and a bill comes out
as line items (item, quantity, unit, rate, amount).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .pricing import Catalogue

__all__ = ["billed_ms", "lambda_line_items", "LINE_ITEM_COLUMNS"]

LINE_ITEM_COLUMNS = ["platform", "item", "quantity", "unit", "rate_usd", "amount_usd"]


def billed_ms(duration_s: np.ndarray | float, granularity_ms: float) -> np.ndarray:
    """Each duration rounded up to a multiple of the granularity, in ms.

    Durations are rounded to a nanosecond first so that float noise
    (0.101 s is 101.00000000000001 ms) does not add a billing unit.
    """
    units = np.round(np.asarray(duration_s, dtype=float) * 1000.0 / granularity_ms, 6)
    return np.ceil(units) * granularity_ms


def lambda_line_items(requests: float, gb_s: float, catalogue: Catalogue) -> pd.DataFrame:
    """On-demand Lambda charges for a number of requests and billed GB-seconds."""
    req_rate = catalogue["lambda.request_per_million_usd"] / 1e6
    gb_rate = catalogue["lambda.duration_gb_s_usd"]
    rows = [
        ("lambda", "requests", float(requests), "requests", req_rate, requests * req_rate),
        ("lambda", "compute", float(gb_s), "GB-s", gb_rate, gb_s * gb_rate),
    ]
    return pd.DataFrame(rows, columns=LINE_ITEM_COLUMNS)
