"""Intervals that respect each metric's range (lambdasim.stats)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambdasim.stats import MIN_REPLICATIONS, LogHistogram, mean_interval, wilson

values = st.lists(st.floats(min_value=0.0, max_value=1e6, allow_nan=False), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(values)
def test_no_mean_interval_leaves_the_range_of_its_values(xs):
    m, lo, hi = mean_interval(xs)
    if len(xs) < MIN_REPLICATIONS:
        assert math.isnan(lo) and math.isnan(hi)  # too few: show the values, not an interval
    else:
        assert min(xs) <= lo <= m <= hi <= max(xs) or math.isclose(lo, m) or math.isclose(hi, m)
        assert lo >= 0.0  # latencies, costs and counts never below 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=3, max_size=12))
def test_rate_intervals_stay_inside_zero_one(xs):
    _, lo, hi = mean_interval(xs)
    assert 0.0 <= lo <= hi <= 1.0


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**7), st.integers(1, 10**7))
def test_wilson_stays_inside_zero_one_and_holds_the_proportion(k, n):
    k = min(k, n)
    p, lo, hi = wilson(k, n)
    assert 0.0 <= lo <= p <= hi <= 1.0


def test_wilson_matches_the_textbook_value():
    """Wilson 95 % for 0 of 10: [0, z^2 / (n + z^2)] = [0, 0.2775] (Brown, Cai & DasGupta 2001)."""
    p, lo, hi = wilson(0, 10)
    assert (p, lo) == (0.0, 0.0) and hi == pytest.approx(1.959964**2 / (10 + 1.959964**2), rel=1e-6)


def test_bootstrap_interval_covers_the_mean_of_normal_samples_about_95_percent_of_the_time():
    rng = np.random.default_rng(5)
    hits = 0
    for _ in range(300):
        _, lo, hi = mean_interval(rng.normal(10.0, 1.0, 20))
        hits += lo <= 10.0 <= hi
    assert 0.88 <= hits / 300 <= 0.99  # percentile bootstrap is a little narrow at n = 20


_HIST = LogHistogram()
_edge = st.integers(0, len(_HIST.edges) - 1).flatmap(
    lambda k: st.sampled_from([_HIST.edges[k], np.nextafter(_HIST.edges[k], 0.0), np.nextafter(_HIST.edges[k], np.inf)]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), _edge, st.just(0.0)), max_size=50))
def test_histogram_bins_are_searchsorted_for_every_value(xs):
    """The guessed-and-checked bins equal ``np.searchsorted(edges, x)``: every edge and its neighbours,
    zero, negatives, NaN, infinities and tiny or huge values."""
    x = np.array(xs, dtype=float)
    assert (_HIST.bins(x) == np.searchsorted(_HIST.edges, x)).all()


def test_histogram_bins_of_a_million_latencies_are_searchsorted():
    x = np.random.default_rng(4).lognormal(0.0, 3.0, 1_000_000)
    assert (_HIST.bins(x) == np.searchsorted(_HIST.edges, x)).all()
