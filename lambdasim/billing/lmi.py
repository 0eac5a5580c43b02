"""The Lambda Managed Instances bill: instances, the management fee and requests.

Lambda Managed Instances run a function's execution environments on EC2
instances that Lambda manages. The bill has three parts (``data/pricing/lmi.yaml``):
every instance run at the EC2 on-demand price of its type
(``ec2.<type>.hour_usd``, per second with EC2's minimum), less a Savings Plan
or Reserved Instance discount if one is given; a management fee of
``lmi.management_fee_fraction`` of the **on-demand** instance price (the
discount does not reduce it: our reading of "a 15 % premium on the EC2
on-demand instance price"); and ``lmi.request_per_million_usd`` per request.
There is no duration (GB-s) charge.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lambdasim.billing.catalogue import Catalogue, check_discount, instance_spec
from lambdasim.billing.rules import ec2_billed_s, line_items_frame

__all__ = ["lmi_line_items"]


def lmi_line_items(lifetimes_s: np.ndarray, instance_type: str, requests: float, catalogue: Catalogue, *,
                   discount: float | None = None, scale: float = 1.0, period: str = "horizon") -> pd.DataFrame:
    """LMI charges of instances of one type (one row of ``lifetimes_s`` per run) serving ``requests``.

    ``discount`` is a Savings Plan / Reserved Instance fraction off the
    instance charge, at most ``ec2.reserved_max_discount`` (None: the
    catalogue's ``ec2_discount`` when ``ec2_purchase`` is ``reserved``, else 0).
    ``scale`` multiplies billed usage and requests (e.g. 30 days / horizon).
    """
    cat, spec = catalogue, instance_spec(instance_type, catalogue)
    if discount is None:
        discount = cat.spec.ec2_discount if cat.spec is not None and cat.spec.ec2_purchase == "reserved" else 0.0
    check_discount("discount", "reserved", discount, cat)
    hours = float(ec2_billed_s(lifetimes_s, cat).sum()) / 3600.0 * scale
    fee = cat["lmi.management_fee_fraction"]
    n = float(requests) * scale
    rows = [("lmi", f"{instance_type} instances (on-demand)", hours, "instance-hours", spec.hour_usd,
             hours * spec.hour_usd, "instances", period),
            ("lmi", f"management fee ({fee:.0%} of on-demand)", hours, "instance-hours", fee * spec.hour_usd,
             hours * fee * spec.hour_usd, "instances", period),
            ("lmi", "requests", n / 1e6, "million requests", cat["lmi.request_per_million_usd"],
             n / 1e6 * cat["lmi.request_per_million_usd"], "requests", period)]
    if discount > 0:
        covered = hours * spec.hour_usd
        rows.append(("lmi", "savings plan discount (instances)", covered, "USD covered", -discount,
                     -discount * covered, "discount", period))
    return line_items_frame(rows)
