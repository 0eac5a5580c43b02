"""The plain-row path (``lambdasim bill``) gives exactly what the array and frame path gives.

A number is rounded in plain Python, an array by numpy; a bill's rows are totalled in plain Python where the
calculator used pandas before. Each pair is held against the other on drawn values, so the calculator without
numpy and pandas cannot drift from the simulation's bills or from its own earlier output.
"""
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambdasim.billing.catalogue import MONTH_S, load_catalogue
from lambdasim.billing.rules import (CHARGES, COLUMNS, FunctionUsage, alb_line_items, billed_ms, ec2_billed_s,
                                     ec2_line_items, ec2_rows, invocation_billed_ms, lambda_line_items, lambda_rows,
                                     line_items_frame, totals)

HOURLY = load_catalogue(dt.date(2017, 6, 1))   # EC2 per started hour
PER_S = load_catalogue("aws-latest")    # EC2 per second, 60 s minimum; Lambda per ms, INIT billed
OLD = load_catalogue("aws-2015")        # Lambda per 100 ms

durations = st.one_of(st.floats(0, 1e6, allow_nan=False), st.integers(0, 10**6).map(lambda k: k / 1000.0),
                      st.integers(0, 10**7).map(lambda k: k * 1e-4))


@settings(max_examples=400, deadline=None)
@given(durations, st.sampled_from([1.0, 100.0, 7.0]))
def test_a_number_rounds_as_an_array_does(d, g):
    one = billed_ms(d, g)
    assert type(one) is float
    assert one == billed_ms(np.array([d]), g)[0]


@settings(max_examples=300, deadline=None)
@given(durations, st.one_of(st.just(float("nan")), st.floats(0, 1e3, allow_nan=False)), st.booleans(),
       st.sampled_from([OLD, PER_S]))
def test_invocation_billed_ms_of_a_number_is_that_of_an_array(d, init, counted, cat):
    one = invocation_billed_ms(d, init, counted, cat)
    assert type(one) is float
    assert one == invocation_billed_ms(np.array([d]), np.array([init]), np.array([counted]), cat)[0]


@settings(max_examples=300, deadline=None)
@given(st.floats(0, 1e9, allow_nan=False), st.sampled_from([HOURLY, PER_S]))
def test_ec2_billed_seconds_of_one_run_are_those_of_an_array(t, cat):
    one = ec2_billed_s(t, cat)
    assert type(one) is float
    assert one == ec2_billed_s(np.array([t]), cat)[0]


def test_a_bad_lifetime_is_refused_alike():
    for bad in (float("nan"), -1.0, float("inf")):
        with pytest.raises(ValueError, match="finite and >= 0"):
            ec2_billed_s(bad, PER_S)
        with pytest.raises(ValueError, match="finite and >= 0"):
            ec2_billed_s(np.array([bad]), PER_S)


def _pandas_totals(frame: pd.DataFrame) -> dict[str, float]:
    """The totals as the calculator computed them with pandas before the plain-row path."""
    by = frame.groupby("charge")["amount_usd"].sum() if len(frame) else {}
    out = {f"{c}_usd": float(by.get(c, 0.0)) for c in CHARGES}
    out["total_usd"] = float(frame["amount_usd"].sum()) if len(frame) else 0.0
    return out


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([128, 512, 1769, 10240]), st.floats(0, 1e10), st.floats(0, 9e5),
       st.sampled_from([(0.0, 0.0), (1000.0, 2.0), (3.5, 700.0)]), st.sampled_from([0.0, 0.12, 0.17]),
       st.booleans(), st.floats(0, 1e4), st.sampled_from(["x86_64", "arm64"]), st.sampled_from([OLD, PER_S]))
def test_lambda_bill_totals_of_rows_are_the_pandas_totals(mem, req, dur, pc, sp, free, cold, arch, cat):
    if cat is OLD and (arch == "arm64" or pc[0] or sp):
        return  # not billable before 2017-2021 (the calculator refuses them)
    u = FunctionUsage.from_mean(mem, req, dur, cat, arch=arch, pc_concurrency=pc[0], pc_hours=pc[1],
                                cold_starts=cold, init_ms=250.0)
    r = lambda_rows([u], cat, period_s=MONTH_S, free_tier=free, savings_plan=sp)
    assert totals(r) == _pandas_totals(line_items_frame(r)) == totals(line_items_frame(r))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**6), st.floats(0, 1e4), st.sampled_from(["on_demand", "spot", "reserved"]),
       st.sampled_from([None, 0.0, 2.5]), st.sampled_from(["m5.large", "t3.micro"]))
def test_ec2_bill_totals_of_rows_are_the_pandas_totals(n, hours, purchase, lcu, itype):
    discount = 0.0 if purchase == "on_demand" else 0.3
    r = ec2_rows(n * ec2_billed_s(hours * 3600.0, PER_S), itype, PER_S, purchase=purchase, discount=discount,
                 alb_s=None if lcu is None else hours * 3600.0, alb_lcu=lcu or 0.0, period="month")
    assert totals(r) == _pandas_totals(line_items_frame(r))
    # n instances of the same hours bill as n rows of them (below 2**53 billed seconds: exact)
    per = line_items_frame(ec2_rows(float(ec2_billed_s(np.full(min(n, 1000), hours * 3600.0), PER_S).sum()),
                                    itype, PER_S, purchase=purchase, discount=discount))
    assert per["quantity"].iloc[0] == line_items_frame(ec2_rows(min(n, 1000) * ec2_billed_s(hours * 3600.0, PER_S),
                                                                itype, PER_S, purchase=purchase,
                                                                discount=discount))["quantity"].iloc[0]


def test_totals_of_an_empty_bill_are_zero():
    assert set(totals([]).values()) == {0.0} and totals(line_items_frame([])) == totals([])


@pytest.mark.parametrize("cat", [HOURLY, PER_S])
def test_ec2_rows_with_a_load_balancer_are_the_frames_joined(cat):
    lifetimes = np.array([3600.0, 61.2, 7200.5])
    got = ec2_line_items(lifetimes, "m4.large", cat, alb_s=5400.0, alb_lcu=2.0, purchase="spot", discount=0.3)
    alone = line_items_frame(ec2_rows(float(ec2_billed_s(lifetimes, cat).sum()), "m4.large", cat,
                                      purchase="spot", discount=0.3))
    joined = pd.concat([alone, alb_line_items(5400.0, 2.0, cat, platform="ec2")], ignore_index=True)
    pd.testing.assert_frame_equal(got, joined)
    assert list(got.columns) == COLUMNS and len(got) == 4


def test_lambda_rows_are_the_frame_row_by_row():
    u = FunctionUsage.from_mean(1024, 1.2e6, 1000, PER_S, pc_concurrency=1000, pc_hours=2, cold_starts=500,
                                init_ms=300)
    r = lambda_rows([u], PER_S, period_s=MONTH_S, free_tier=True, savings_plan=0.1)
    frame = lambda_line_items([u], PER_S, period_s=MONTH_S, free_tier=True, savings_plan=0.1)
    assert [tuple(x) for x in frame.itertuples(index=False)] == r
    assert all(type(x[k]) is float for x in r for k in (2, 4, 5))
