"""Lambda Managed Instances billing: instance-hours x price x (1 + fee) + requests x request price."""
from __future__ import annotations

import pytest

from lambdasim.billing.catalogue import load_catalogue
from lambdasim.billing.lmi import lmi_line_items
from lambdasim.billing.rules import totals
from lambdasim.errors import CatalogueError

CAT = load_catalogue("aws-latest")


def test_a_fixed_fleet_for_a_month():
    # 3 x m5.large ($0.096/h) for 720 h, 15 % fee, 10 M requests at $0.20 per million:
    # 2,160 h x 0.096 x 1.15 + 10 x 0.20 = 238.464 + 2.00 = $240.464
    bill = totals(lmi_line_items([720 * 3600.0] * 3, "m5.large", 10_000_000, CAT))
    assert round(bill["total_usd"], 2) == 240.46
    assert bill["total_usd"] == pytest.approx(2160 * 0.096 * 1.15 + 2.0, abs=1e-9)
    assert bill["requests_usd"] == pytest.approx(2.0, abs=1e-12)


def test_a_savings_plan_discounts_the_instances_not_the_fee():
    bill = totals(lmi_line_items([720 * 3600.0], "m7g.large", 0, CAT, discount=0.5))
    # m7g.large $0.0816/h: 720 x 0.0816 x (1 - 0.5 + 0.15)
    assert bill["total_usd"] == pytest.approx(720 * 0.0816 * 0.65, abs=1e-9)
    with pytest.raises(CatalogueError, match=r"must be in \[0, 0.72\].*got 0.9"):
        lmi_line_items([3600.0], "m7g.large", 0, CAT, discount=0.9)


def test_instances_bill_per_second_with_ec2_minimum_and_lmi_needs_its_launch_date():
    bill = totals(lmi_line_items([30.0], "m5.large", 0, CAT))
    assert bill["total_usd"] == pytest.approx(60 / 3600 * 0.096 * 1.15, abs=1e-12)
    with pytest.raises(CatalogueError, match="no 'lmi.management_fee_fraction' .* on 2024-06-01; it is in force from 2025-11-30"):
        lmi_line_items([3600.0], "m5.large", 0, load_catalogue("aws-2024"))
