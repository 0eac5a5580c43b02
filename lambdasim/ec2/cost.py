"""The EC2 bill of a run: the one place that turns a fleet's lifetimes into line items.

Billing itself is the pricing engine's (``billing.ec2_line_items``): each
instance run rounded up to ``ec2.billing_granularity_s`` with at least
``ec2.minimum_billed_s`` (a whole hour before 2017-10-02; per second with a
60 s minimum after), at the dated ``ec2.<type>.hour_usd``, with the
scenario's purchase option (on-demand, spot, reserved). What this adapter
adds is the fleet's view: every instance is billed from launch (boot
included) to termination, clipped to the horizon; instances on EC2 Spot
(``ec2.spot``) at the Spot discount (``billing.rules.ec2_spot_rows``); and an optional
application load balancer runs for the whole horizon, with its LCUs in
each hour the largest of its dimensions in that hour
(``billing.frontdoor.alb_lcu``): one new connection per request (1 LCU = 25
per second) and, with payloads, the processed bytes (1 GB per LCU-hour).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lambdasim.billing.frontdoor import alb_lcu
from lambdasim.billing.rules import alb_rows, ec2_billed_s, ec2_rows, ec2_spot_rows, line_items_frame
from lambdasim.billing.catalogue import Catalogue, instance_spec

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ec2_bill", "hour_price_usd"]


def hour_price_usd(instance_type: str, catalogue: Catalogue) -> float:
    """The on-demand price per hour of one instance of ``instance_type``."""
    return instance_spec(instance_type, catalogue).hour_usd


def ec2_bill(lifetimes_s: np.ndarray, instance_type: str, catalogue: Catalogue, *, requests=0,
             horizon_s: float = 0.0, load_balancer: bool = False, processed_bytes=0.0, seconds=None,
             spot: np.ndarray | None = None, spot_discount: float | None = None) -> pd.DataFrame:
    """Line items (platform, item, quantity, unit, rate_usd, amount_usd, ...) of an EC2 fleet.

    ``spot``: one flag per instance run, True for an EC2 Spot instance (billed at ``spot_discount`` off
    on-demand, default the catalogue's); the others at the pricing section's purchase option.
    ``requests`` and ``processed_bytes`` may be per hour (arrays), with ``seconds`` the seconds of each
    hour (``billing.around.alb_hourly``): the ALB's LCUs are then each hour's largest dimension."""
    billed = ec2_billed_s(np.asarray(lifetimes_s, dtype=float), catalogue)
    on_spot = np.zeros(len(billed), dtype=bool) if spot is None else np.asarray(spot, dtype=bool)
    rows = []
    if not on_spot.any() or not on_spot.all():  # an all-Spot fleet has no on-demand row
        rows += ec2_rows(float(billed[~on_spot].sum()), instance_type, catalogue)
    if on_spot.any():
        rows += ec2_spot_rows(float(billed[on_spot].sum()), instance_type, catalogue, discount=spot_discount)
    if load_balancer:
        lcu = (alb_lcu(requests, processed_bytes, horizon_s if seconds is None else seconds, catalogue,
                       lambda_targets=False) if horizon_s > 0 else 1.0)
        rows += alb_rows(horizon_s, lcu, catalogue, platform="ec2")
    return line_items_frame(rows)
