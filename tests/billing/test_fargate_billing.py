"""Fargate billing against the published rates, to the cent (data/pricing/fargate.yaml)."""
from __future__ import annotations

import datetime as dt

import pytest

from lambdasim.billing.catalogue import load_catalogue
from lambdasim.billing.fargate import fargate_billed_s, fargate_line_items, task_size, task_sizes
from lambdasim.billing.rules import totals
from lambdasim.errors import CatalogueError

CAT = load_catalogue("aws-2024")
MONTH_H = 720


def test_one_vcpu_two_gb_x86_task_for_a_30_day_month():
    # us-east-1: $0.04048 per vCPU-hour + $0.004445 per GB-hour; 720 h x (0.04048 + 2 x 0.004445) = $35.5464
    bill = totals(fargate_line_items([MONTH_H * 3600.0], task_size(1, 2, CAT), CAT))
    assert round(bill["total_usd"], 2) == 35.55
    assert bill["total_usd"] == pytest.approx(35.5464, abs=1e-9)
    assert bill["compute_usd"] == bill["total_usd"]


def test_arm_task_uses_the_graviton_rates():
    # 720 h x (0.03238 + 2 x 0.00356) = $28.44
    bill = totals(fargate_line_items([MONTH_H * 3600.0], (1.0, 2.0), CAT, arch="arm64"))
    assert bill["total_usd"] == pytest.approx(28.44, abs=1e-9)


def test_a_request_for_1_2_vcpu_is_placed_on_the_next_valid_size():
    s = task_size(1.2, 2, CAT)
    assert (s.vcpu, s.memory_gib) == (2.0, 4.0)  # 2 vCPU tasks start at 4 GB
    assert s.waste_vcpu == pytest.approx(0.8) and s.waste_memory_gib == pytest.approx(2.0)
    assert s.label == "2 vCPU / 4 GB"


def test_memory_between_allowed_values_rounds_up():
    # 0.25 vCPU allows 0.5, 1 and 2 GB only: 1.5 GB becomes 2 GB (cheaper than 0.5 vCPU / 2 GB)
    s = task_size(0.25, 1.5, CAT)
    assert (s.vcpu, s.memory_gib) == (0.25, 2.0)
    # 1 vCPU allows at most 8 GB: 9 GB needs 2 vCPU
    assert (task_size(1, 9, CAT).vcpu, task_size(1, 9, CAT).memory_gib) == (2.0, 9.0)


def test_the_grid_is_aws_table():
    sizes = task_sizes(CAT)
    by_cpu = {}
    for c, m in sizes:
        by_cpu.setdefault(c, []).append(m)
    assert by_cpu[0.25] == [0.5, 1.0, 2.0]
    assert by_cpu[0.5] == [1.0, 2.0, 3.0, 4.0]
    assert by_cpu[1.0] == [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    assert by_cpu[2.0] == [float(g) for g in range(4, 17)]
    assert by_cpu[4.0] == [float(g) for g in range(8, 31)]
    assert by_cpu[8.0] == [float(g) for g in range(16, 61, 4)]
    assert by_cpu[16.0] == [float(g) for g in range(32, 121, 8)]
    assert len(sizes) == 74
    # before the larger sizes (2022-09) the grid stops at 4 vCPU / 30 GB
    assert task_sizes(load_catalogue(dt.date(2022, 1, 1)))[-1] == (4.0, 30.0)


def test_too_large_a_request_names_the_largest_size():
    with pytest.raises(CatalogueError, match="No Fargate task size holds 20 vCPU.*largest is 16 vCPU / 120 GB"):
        task_size(20, 8, CAT)


def test_per_second_billing_with_a_one_minute_minimum():
    assert list(fargate_billed_s([10.0, 60.0, 60.2, 3600.0], CAT)) == [60.0, 60.0, 61.0, 3600.0]
    bill = totals(fargate_line_items([10.0], (1.0, 2.0), CAT))
    assert bill["total_usd"] == pytest.approx(60 / 3600 * (0.04048 + 2 * 0.004445), abs=1e-12)


def test_spot_takes_seventy_percent_off_compute():
    bill = totals(fargate_line_items([MONTH_H * 3600.0] * 2, (1.0, 2.0), CAT, spot=[False, True]))
    assert bill["compute_usd"] == pytest.approx(2 * 35.5464, abs=1e-9)
    assert bill["discount_usd"] == pytest.approx(-0.7 * 35.5464, abs=1e-9)
    assert bill["total_usd"] == pytest.approx(35.5464 * 1.3, abs=1e-9)


def test_ephemeral_storage_above_the_free_20_gb():
    # 50 GB configured: 30 GB above the free 20 GB, $0.000111 per GB-hour, for 720 h = $2.3976
    bill = totals(fargate_line_items([MONTH_H * 3600.0], (1.0, 2.0), CAT, ephemeral_gb=50))
    assert bill["ephemeral_usd"] == pytest.approx(2.3976, abs=1e-9)
    assert totals(fargate_line_items([3600.0], (1.0, 2.0), CAT, ephemeral_gb=20))["ephemeral_usd"] == 0
    with pytest.raises(CatalogueError, match=r"ephemeral storage must be in \[20, 200\] GB; got 300"):
        fargate_line_items([3600.0], (1.0, 2.0), CAT, ephemeral_gb=300)


def test_sizes_off_the_grid_and_dates_before_the_prices_are_refused():
    with pytest.raises(CatalogueError, match="1.5 vCPU / 2 GB is not an allowed Fargate task size"):
        fargate_line_items([3600.0], (1.5, 2.0), CAT)
    with pytest.raises(CatalogueError, match="no 'fargate.vcpu_hour_usd' .* on 2015-06-01; it is in force from 2021-04-22"):
        task_size(1, 2, load_catalogue("aws-2015"))
