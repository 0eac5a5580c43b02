"""The EC2 bill of a run: the one place that turns a fleet's lifetimes into line items.

Billing itself is the pricing engine's (``billing.ec2_line_items``): each
instance run rounded up to ``ec2.billing_granularity_s`` with at least
``ec2.minimum_billed_s`` (a whole hour before 2017-10-02; per second with a
60 s minimum after), at the dated ``ec2.<type>.hour_usd``, with the
scenario's purchase option (on-demand, spot, reserved). What this adapter
adds is the fleet's view: every instance is billed from launch (boot
included) to termination, clipped to the horizon; and an optional
application load balancer runs for the whole horizon, with its LCUs in
each hour the largest of its dimensions in that hour
(``billing.frontdoor.alb_lcu``): one new connection per request (1 LCU = 25
per second) and, with payloads, the processed bytes (1 GB per LCU-hour).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lambdasim.billing.frontdoor import alb_lcu
from lambdasim.billing.rules import ec2_line_items
from lambdasim.billing.catalogue import Catalogue, instance_spec

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ec2_bill", "hour_price_usd"]


def hour_price_usd(instance_type: str, catalogue: Catalogue) -> float:
    """The on-demand price per hour of one instance of ``instance_type``."""
    return instance_spec(instance_type, catalogue).hour_usd


def ec2_bill(lifetimes_s: np.ndarray, instance_type: str, catalogue: Catalogue, *, requests=0,
             horizon_s: float = 0.0, load_balancer: bool = False, processed_bytes=0.0, seconds=None) -> pd.DataFrame:
    """Line items (platform, item, quantity, unit, rate_usd, amount_usd, ...) of an EC2 fleet.

    ``requests`` and ``processed_bytes`` may be per hour (arrays), with ``seconds`` the seconds of each
    hour (``billing.around.alb_hourly``): the ALB's LCUs are then each hour's largest dimension."""
    alb_s = horizon_s if load_balancer else None
    lcu = (alb_lcu(requests, processed_bytes, horizon_s if seconds is None else seconds, catalogue,
                   lambda_targets=False) if load_balancer and horizon_s > 0 else 1.0)
    return ec2_line_items(np.asarray(lifetimes_s, dtype=float), instance_type, catalogue, alb_s=alb_s, alb_lcu=lcu)
