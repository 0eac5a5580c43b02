"""Billing: AWS's published worked examples to the cent, rounding edges, every charge, properties."""
import datetime as dt
import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lambdasim
from lambdasim.billing.rules import (FunctionUsage, billed_ms, billed_to_used_ratio, ec2_billed_s, ec2_line_items,
                               init_billed, invocation_billed_ms, lambda_line_items, pc_configured_s, pc_segments,
                               totals)
from lambdasim.errors import CatalogueError
from lambdasim.billing.catalogue import MONTH_S, load_catalogue
from lambdasim.billing.spec import PricingSpec

OLD = load_catalogue("aws-2015")      # 100 ms rounding, $0.00001667 per GB-s as published then
Y2024 = load_catalogue("aws-2024")    # 1 ms, Arm, tiers, PC; INIT free for ZIP + managed
LATEST = load_catalogue("aws-latest")  # INIT billed for every on-demand function


def bill(usages, cat, free_tier=True, **kw):
    items = lambda_line_items(usages if isinstance(usages, list) else [usages], cat, free_tier=free_tier, **kw)
    return totals(items), items


def cents(x):
    return round(x + 1e-12, 2)


# --- AWS's published examples ---------------------------------------------------------
# The Lambda pricing page of the 128-3008 MB / 100 ms era (https://aws.amazon.com/lambda/pricing/,
# archived 2015-2020; also quoted verbatim in many course notes), "Example 1" and "Example 2".
def test_aws_2015_example_1_512mb_3m_1s():
    t, _ = bill(FunctionUsage.from_mean(512, 3_000_000, 1000, OLD), OLD)
    assert cents(t["compute_usd"]) == 18.34 and cents(t["requests_usd"]) == 0.40
    assert cents(t["total_usd"]) == 18.74


def test_aws_2015_example_2_128mb_30m_200ms():
    t, _ = bill(FunctionUsage.from_mean(128, 30_000_000, 200, OLD), OLD)
    assert cents(t["compute_usd"]) == 5.83 and cents(t["requests_usd"]) == 5.80
    assert cents(t["total_usd"]) == 11.63


# The current pricing page (https://aws.amazon.com/lambda/pricing/, 2025-2026 copy), "Lambda Functions
# Pricing" examples.
def test_aws_current_example_mobile_backend():
    # 3 M requests, 120 ms, 1536 MB, x86: $2.33 compute + $0.40 requests = $2.73
    t, _ = bill(FunctionUsage.from_mean(1536, 3_000_000, 120, LATEST), LATEST)
    assert (cents(t["compute_usd"]), cents(t["requests_usd"]), cents(t["total_usd"])) == (2.33, 0.40, 2.73)


def test_aws_current_example_streaming_telemetry_without_free_tier():
    # 10,000 vehicles x 24 x 31 = 7.44 M messages, 2 s at 1024 MB; the page applies no free tier:
    # $1.49 requests + $248.00 compute = $249.49
    t, _ = bill(FunctionUsage.from_mean(1024, 7_440_000, 2000, LATEST), LATEST, free_tier=False)
    assert (cents(t["requests_usd"]), cents(t["compute_usd"]), cents(t["total_usd"])) == (1.49, 248.00, 249.49)


def test_aws_current_example_ml_with_ephemeral_storage():
    # 6 M requests, 280 ms, 4096 MB, 2048 MB ephemeral storage: $105.33 + $1 + $0.08 = $106.41
    u = FunctionUsage.from_mean(4096, 6_000_000, 280, LATEST, ephemeral_storage_mb=2048)
    t, _ = bill(u, LATEST)
    assert (cents(t["compute_usd"]), cents(t["requests_usd"]), cents(t["ephemeral_usd"])) == (105.33, 1.00, 0.08)
    assert cents(t["total_usd"]) == 106.41


def test_aws_current_example_durable_functions_arm_compute_and_requests():
    # "Lambda Durable Functions Pricing" example, its compute and request lines: 1 M executions of 32 s at
    # 1 GB on Arm, 2 M invocations: 31.6 M billable GB-s x $0.0000133334 = $421.34; 1 M billable requests = $0.20
    u = FunctionUsage(1024, requests=2_000_000, billed_ms=32_000_000 * 1000.0, arch="arm64")
    t, _ = bill(u, LATEST)
    assert (cents(t["compute_usd"]), cents(t["requests_usd"])) == (421.34, 0.20)


# Provisioned Concurrency examples.
def test_aws_pc_example_2019_1024mb_pc1000_2h():
    # Pricing page Dec 2019 - 2020 (mirrored e.g. at bestmarketstore.com/aws-lambda-pricing-now-per-ms/):
    # 1024 MB, PC 1,000 for 2 hours, 1.2 M executions of 1 s while enabled. Our arithmetic of its lines:
    # PC 7.2 M GB-s x $0.0000041667 = $30.00; duration 1.2 M GB-s x $0.0000097222 = $11.67;
    # requests 1.2 M x $0.20/M = $0.24 (no free tier on PC); total $41.91.
    cat = load_catalogue(dt.date(2020, 6, 1))
    u = FunctionUsage.from_mean(1024, 1_200_000, 1000, cat, pc_concurrency=1000, pc_hours=2)
    assert u.pc_requests == 1_200_000 and u.requests == 0
    t, _ = bill(u, cat)
    assert (cents(t["provisioned_usd"]), cents(t["compute_usd"]), cents(t["requests_usd"])) == (30.00, 11.67, 0.24)
    assert cents(t["total_usd"]) == 41.91


def test_aws_current_pc_example_mobile_app_launch():
    # Current page, PC "Example 1: Mobile application launch": 1536 MB; PC 100 for 8 h serving 500,000
    # requests of 100 ms; 2.5 M more requests of 120 ms on demand. $18 + $0.40 + $0.73 + $0.83 = $19.96.
    # The free tier covers the on-demand part only (AWS's own arithmetic).
    u = FunctionUsage(1536, requests=2_500_000, billed_ms=2_500_000 * 120.0, pc_requests=500_000,
                      pc_billed_ms=500_000 * 100.0, pc_segments=((8 * 3600.0, 100),))
    t, items = bill(u, LATEST)
    assert cents(t["provisioned_usd"]) == 18.00 and cents(t["requests_usd"]) == 0.40
    pc_dur = items.loc[items["item"].str.startswith("duration on provisioned"), "amount_usd"].sum()
    assert cents(pc_dur) == 0.73 and cents(t["compute_usd"] - pc_dur) == 0.83
    assert cents(t["total_usd"]) == 19.96


def test_aws_current_pc_example_cyber_monday():
    # Current page, PC "Example 2": 2 M requests in 24 h, 280 ms, 4096 MB, PC 7: $10.08 + $21.78 + $0.40 = $32.26
    u = FunctionUsage.from_mean(4096, 2_000_000, 280, LATEST, pc_concurrency=7, pc_hours=24)
    t, _ = bill(u, LATEST, free_tier=False)
    assert (cents(t["provisioned_usd"]), cents(t["compute_usd"]), cents(t["requests_usd"])) == (10.08, 21.78, 0.40)
    assert cents(t["total_usd"]) == 32.26


# --- rounding edges -------------------------------------------------------------------
def test_rounding_100ms_and_1ms():
    assert billed_ms(0.101, 100) == 200 and billed_ms(0.101, 1) == 101
    assert billed_ms(0.100, 100) == 100 and billed_ms(0.0001, 1) == 1
    assert invocation_billed_ms(0.101, 0.0, False, OLD) == 200
    assert invocation_billed_ms(0.101, 0.0, False, LATEST) == 101
    # the switch day
    assert load_catalogue(dt.date(2020, 11, 30))["lambda.billing_granularity_ms"] == 100
    assert load_catalogue(dt.date(2020, 12, 1))["lambda.billing_granularity_ms"] == 1


def test_ec2_hour_rounding_before_and_per_second_after_2017_10_02():
    hourly, per_s = load_catalogue(dt.date(2017, 10, 1)), load_catalogue(dt.date(2017, 10, 2))
    assert list(ec2_billed_s([61 * 60, 3600, 0, 7200.5], hourly)) == [7200, 3600, 3600, 10800]
    assert list(ec2_billed_s([30, 60, 61.2, 3661], per_s)) == [60, 60, 62, 3661]
    items = ec2_line_items([61 * 60], "m3.medium", load_catalogue("aws-2015"))
    assert items["quantity"].iloc[0] == 2 and math.isclose(items["amount_usd"].iloc[0], 2 * 0.070)


def test_pc_rounded_up_to_5_minutes_per_period():
    assert pc_configured_s(((300.0, 1),), LATEST) == 300
    assert pc_configured_s(((301.0, 1),), LATEST) == 600
    assert pc_configured_s(((1.0, 10), (600.0, 2)), LATEST) == 300 * 10 + 600 * 2
    assert pc_segments(((0, 5), (100, 0), (400, 2)), 1000) == ((100.0, 5.0), (600.0, 2.0))
    assert pc_segments(3, 50) == ((50.0, 3.0),) and pc_segments(None, 50) == ()


def test_tier_boundaries():
    gb = 1024  # 1 GB: billed ms / 1000 = GB-s
    def compute(gb_s, arch="x86_64"):
        t, _ = bill(FunctionUsage(gb, billed_ms=gb_s * 1000.0, arch=arch), LATEST, free_tier=False)
        return t["compute_usd"]
    assert math.isclose(compute(6e9), 6e9 * 0.0000166667)
    assert math.isclose(compute(6e9 + 1e6), 6e9 * 0.0000166667 + 1e6 * 0.000015)
    assert math.isclose(compute(15e9 + 1e6), 6e9 * 0.0000166667 + 9e9 * 0.000015 + 1e6 * 0.0000133334)
    assert math.isclose(compute(7.5e9 + 1e6, "arm64"), 7.5e9 * 0.0000133334 + 1e6 * 0.0000120001)
    assert math.isclose(compute(20e9, "arm64"),
                        7.5e9 * 0.0000133334 + 11.25e9 * 0.0000120001 + 1.25e9 * 0.0000106667)
    # before 2022-08 there were no tiers
    t, _ = bill(FunctionUsage(gb, billed_ms=20e9 * 1000), load_catalogue(dt.date(2022, 7, 31)), free_tier=False)
    assert math.isclose(t["compute_usd"], 20e9 * 0.0000166667)


def test_tier_limits_prorated_over_a_shorter_period():
    u = FunctionUsage(1024, billed_ms=3e9 * 1000)  # half a month: the 6 B GB-s first tier becomes 3 B
    t, _ = bill(u, LATEST, free_tier=False, period_s=MONTH_S / 2)
    assert math.isclose(t["compute_usd"], 3e9 * 0.0000166667)
    t, _ = bill(FunctionUsage(1024, billed_ms=4e9 * 1000), LATEST, free_tier=False, period_s=MONTH_S / 2)
    assert math.isclose(t["compute_usd"], 3e9 * 0.0000166667 + 1e9 * 0.000015)


# --- the other charges ------------------------------------------------------------------
def test_free_tier_never_covers_provisioned_concurrency():
    u = FunctionUsage(1024, pc_requests=500_000, pc_billed_ms=500_000 * 100.0, pc_segments=((3600.0, 1),))
    on, _ = bill(u, LATEST, free_tier=True)
    off, _ = bill(u, LATEST, free_tier=False)
    assert on == off and math.isclose(on["requests_usd"], 0.10)


def test_free_tier_is_shared_x86_first():
    x86 = FunctionUsage(1024, billed_ms=300_000 * 1000.0)
    arm = FunctionUsage(1024, billed_ms=300_000 * 1000.0, arch="arm64")
    t, items = bill([x86, arm], LATEST)
    assert math.isclose(t["compute_usd"], 200_000 * 0.0000133334)  # 300k x86 free, 100k of arm free
    assert set(items["item"]) >= {"duration free tier (x86_64)", "duration free tier (arm64)"}


def test_arm_is_20_percent_cheaper_and_absent_before_2021_09_29():
    assert math.isclose(LATEST["lambda.duration_arm_gb_s_usd"] / LATEST["lambda.duration_gb_s_usd"], 0.8, rel_tol=1e-4)
    with pytest.raises(CatalogueError, match="2021-09-29"):
        bill(FunctionUsage(1024, billed_ms=1000.0, arch="arm64"), load_catalogue(dt.date(2021, 9, 28)))


@pytest.mark.parametrize("cat, package, runtime, billed", [
    (Y2024, "zip", "managed", False), (LATEST, "zip", "managed", True), (OLD, "zip", "custom", True),
    (Y2024, "image", "managed", True), (load_catalogue(dt.date(2025, 7, 31)), "zip", "managed", False),
    (load_catalogue(dt.date(2025, 8, 1)), "zip", "managed", True)])
def test_init_billing_rules(cat, package, runtime, billed):
    fn = SimpleNamespace(package_type=package, runtime=runtime)
    assert init_billed(fn, cat) is billed
    # a 12 s INIT is billed capped at 10 s, on top of a 50 ms run
    ms = invocation_billed_ms(0.05, 12.0, init_billed(fn, cat), cat)
    g = cat["lambda.billing_granularity_ms"]
    assert ms == billed_ms(10.05 if billed else 0.05, g) and (g == 100 or ms in (10_050, 50))


def test_ephemeral_storage_only_above_512_mb():
    base, _ = bill(FunctionUsage(1024, billed_ms=1e9, ephemeral_storage_mb=512), LATEST)
    more, _ = bill(FunctionUsage(1024, billed_ms=1e9, ephemeral_storage_mb=1536), LATEST)
    assert base["ephemeral_usd"] == 0 and math.isclose(more["ephemeral_usd"], 1e6 * 0.0000000309)
    with pytest.raises(CatalogueError, match="ephemeral"):
        bill(FunctionUsage(1024, billed_ms=1e9, ephemeral_storage_mb=1536), load_catalogue(dt.date(2021, 1, 1)))


def test_savings_plan_discounts_duration_and_pc_not_requests():
    u = FunctionUsage(1024, requests=1e6, billed_ms=1e9, pc_requests=1e5, pc_billed_ms=1e8, pc_segments=((3600.0, 2),))
    full, _ = bill(u, LATEST, free_tier=False)
    sp, _ = bill(u, LATEST, free_tier=False, savings_plan=0.17)
    assert math.isclose(sp["discount_usd"], -0.17 * (full["compute_usd"] + full["provisioned_usd"]))
    assert math.isclose(sp["total_usd"], full["total_usd"] + sp["discount_usd"])
    with pytest.raises(CatalogueError, match="at most 0.17"):
        bill(u, LATEST, savings_plan=0.3)


def test_ec2_options_discounts_and_load_balancer():
    cat = load_catalogue(PricingSpec(preset="aws-latest", ec2_purchase="spot", ec2_discount=0.7))
    t = totals(ec2_line_items([3600.0] * 3, "c5.large", cat, alb_s=3600 * 1.5, alb_lcu=2.0))
    assert math.isclose(t["instances_usd"], 3 * 0.085) and math.isclose(t["discount_usd"], -0.7 * 3 * 0.085)
    assert math.isclose(t["load_balancer_usd"], 2 * 0.0225 + 2 * 2 * 0.008)  # 1.5 h bills 2 ALB-hours
    with pytest.raises(CatalogueError, match="0.9"):
        ec2_line_items([60.0], "c5.large", LATEST, purchase="spot", discount=0.95)
    with pytest.raises(CatalogueError, match="Unknown EC2 instance type"):
        ec2_line_items([60.0], "z9.mega", LATEST)


# --- a simulation's bill -------------------------------------------------------------------
def _scenario(preset, horizon_s=3000.0, init_s=0.5, rate=0.2, **fn):
    return lambdasim.Scenario.from_dict({
        "horizon_s": horizon_s, "seed": 3, "pricing": preset,
        "functions": [{"name": "f", "memory_mb": 512, "duration": {"dist": "constant", "value_s": 0.05},
                       "init": {"dist": "constant", "value_s": init_s},
                       "workload": {"kind": "poisson", "rate_per_s": rate}, **fn}],
        "lambda": {"keep_alive": {"idle_s": 20}}})


def test_simulated_bill_counts_init_only_when_the_rules_say():
    a = lambdasim.simulate(_scenario("aws-2024"))
    b = lambdasim.simulate(_scenario("aws-latest"))
    inv = b.invocations
    done = inv["status"].isin(["completed", "failed"])
    cold = int((done & inv["cold"]).sum())
    assert cold > 5 and a.summary["completed"] == b.summary["completed"]
    assert a.usage[0].billed_ms == 50 * done.sum()
    assert b.usage[0].billed_ms == 50 * done.sum() + 500 * cold
    assert math.isclose(b.summary["cost_usd"], totals(b.cost)["total_usd"])


def test_simulated_bill_2015_rounds_each_run_to_100ms():
    r = lambdasim.simulate(_scenario("aws-2015"))
    n = int(r.invocations["status"].isin(["completed", "failed"]).sum())
    assert r.usage[0].billed_ms == 100 * n
    assert math.isclose(r.summary["billed_gb_s"], n * 0.1 * 0.5)
    assert set(r.cost["period"]) == {"horizon"} and set(r.monthly_cost["period"]) == {"month"}


def test_scenario_free_tier_option_and_30_day_horizon_agree_with_month():
    sc = _scenario({"preset": "aws-latest", "free_tier": True}, horizon_s=MONTH_S, rate=0.002, memory_mb=10240,
                   duration={"dist": "constant", "value_s": 10.0})  # 518,400 GB-s: beyond the free 400,000
    s = lambdasim.simulate(sc, records="summary").summary
    assert s["cost_usd"] > 0.5 and s["cost_usd"] == pytest.approx(s["monthly_cost_usd"], rel=1e-12)


def test_monthly_projection_scales_usage_before_monthly_rules():
    sc = _scenario({"preset": "aws-latest", "free_tier": False}, horizon_s=3600.0, rate=1.0)
    r = lambdasim.simulate(sc, records="summary")
    assert r.summary["monthly_cost_usd"] == pytest.approx(r.summary["cost_usd"] * 720, rel=1e-9)


# --- properties -------------------------------------------------------------------------------
usage = st.builds(
    FunctionUsage,
    memory_mb=st.integers(128, 10240).map(float),
    requests=st.floats(0, 1e10), billed_ms=st.floats(0, 1e13),
    pc_requests=st.floats(0, 1e8), pc_billed_ms=st.floats(0, 1e11),
    pc_segments=st.lists(st.tuples(st.floats(0, 3e6), st.integers(0, 3000).map(float)), max_size=3).map(tuple),
    arch=st.sampled_from(["x86_64", "arm64"]), ephemeral_storage_mb=st.integers(512, 10240).map(float))
grow = st.tuples(*[st.floats(1, 3)] * 5, st.integers(0, 3000))


@settings(max_examples=150, deadline=None)
@given(u=usage, g=grow, free=st.booleans(), sp=st.sampled_from([0.0, 0.17]))
def test_cost_never_decreases_when_usage_grows(u, g, free, sp):
    bigger = FunctionUsage(u.memory_mb, u.requests * g[0], u.billed_ms * g[1], u.pc_requests * g[2],
                           u.pc_billed_ms * g[3], tuple((s * g[4], n) for s, n in u.pc_segments), u.arch,
                           min(u.ephemeral_storage_mb + g[5], 10240))
    a, _ = bill(u, LATEST, free_tier=free, savings_plan=sp)
    b, _ = bill(bigger, LATEST, free_tier=free, savings_plan=sp)
    assert b["total_usd"] >= a["total_usd"] * (1 - 1e-12) - 1e-9


@settings(max_examples=100, deadline=None)
@given(u=usage, h=st.floats(60, 90 * 86400), free=st.booleans())
def test_horizon_cost_is_the_monthly_cost_prorated(u, h, free):
    u = FunctionUsage(u.memory_mb, u.requests, u.billed_ms, u.pc_requests, u.pc_billed_ms, (), u.arch,
                      u.ephemeral_storage_mb)  # PC rounding is per period, so leave PC out here
    horizon, _ = bill(u, LATEST, free_tier=free, period_s=h)
    month, _ = bill(u.scaled(MONTH_S / h), LATEST, free_tier=free, period_s=MONTH_S)
    assert month["total_usd"] == pytest.approx(horizon["total_usd"] * MONTH_S / h, rel=1e-9, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(t=st.lists(st.floats(0, 1e6), min_size=1, max_size=20), extra=st.floats(0, 1e5),
       day=st.sampled_from([dt.date(2016, 1, 1), dt.date(2024, 1, 1)]))
def test_ec2_cost_never_decreases_with_longer_lifetimes(t, extra, day):
    cat = load_catalogue(day)
    a = ec2_line_items(np.array(t), "m3.medium", cat)["amount_usd"].sum()
    b = ec2_line_items(np.array(t) + extra, "m3.medium", cat)["amount_usd"].sum()
    assert b >= a


def test_billed_to_used_ratio_matches_sampled_rounding():
    rng = np.random.default_rng(1)
    for mean_s in (0.02, 0.15, 1.0):
        x = rng.exponential(mean_s, 400_000)
        sampled = billed_ms(x, 100).sum() / 1000 / x.sum()
        assert sampled == pytest.approx(float(billed_to_used_ratio(mean_s, 100)), rel=0.01)
    assert float(billed_to_used_ratio(0.101, 100, "constant")) == pytest.approx(200 / 101)
    assert float(billed_to_used_ratio(0.05, 1)) == pytest.approx(1.0, abs=0.011)
