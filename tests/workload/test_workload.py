"""Arrival processes against their theory: counts per window, inter-arrival laws, the MMPP's rates."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from lambdasim.distributions import Quantiles
from lambdasim.errors import ScenarioError
from lambdasim.workload.samplers import ArrayStream
from lambdasim.scenario import Scenario
from lambdasim.workload.kinds import Bursty, Deterministic, Diurnal, Poisson, Spike, Superpose


def take_all(spec, horizon, step, seed=1):
    """All arrivals of one stream, pulled in windows of ``step`` seconds."""
    s = spec.stream(np.random.default_rng(seed), horizon)
    parts = [s.take(t)[0] for t in np.arange(step, horizon + step, step)]
    return np.concatenate(parts)


def counts_per(t, width, horizon):
    return np.histogram(t, bins=np.arange(0, horizon + width / 2, width))[0]


def rescaled_gaps_ks(spec, t):
    """Time rescaling: Lambda(t_i) of a Poisson process are unit-rate Poisson (exponential gaps)."""
    lam = np.array([spec.expected_count(0.0, x) for x in t])
    return stats.kstest(np.diff(lam), "expon").pvalue


def test_poisson_counts_have_mean_and_variance_of_the_integral():
    spec, width, n = Poisson(rate_per_s=5.0), 10.0, 3000
    c = counts_per(take_all(spec, width * n, 7.3), width, width * n)
    mu = spec.expected_count(0, width)
    assert abs(c.mean() - mu) < 4 * math.sqrt(mu / n)
    assert abs(c.var(ddof=1) - mu) < 4 * mu * math.sqrt(2 / (n - 1))


def test_poisson_gaps_are_exponential_across_window_edges():
    t = take_all(Poisson(rate_per_s=3.0), 5000.0, 0.7)
    assert np.all(np.diff(t) >= 0)
    assert stats.kstest(np.diff(t), "expon", args=(0, 1 / 3.0)).pvalue > 1e-3
    # and the test would notice a wrong rate
    assert stats.kstest(np.diff(t), "expon", args=(0, 1 / 3.3)).pvalue < 1e-3


def test_deterministic_is_exact_whatever_the_windows():
    spec = Deterministic(interval_s=0.25, start_s=1.0)
    t = take_all(spec, 100.0, 0.33)
    assert np.allclose(np.diff(t), 0.25) and t[0] == 1.0
    assert len(t) == math.ceil((100.0 - 1.0) / 0.25)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 50.0), min_size=1, max_size=8))
def test_windows_partition_the_stream(cuts):
    """Pulling in any windows gives the same arrivals as one pull (deterministic streams)."""
    times = np.sort(np.random.default_rng(0).uniform(0, 50, 200))
    whole = ArrayStream(times, times * 2, 40.0).take(1e9)
    s = ArrayStream(times, times * 2, 40.0)
    parts = [s.take(c) for c in sorted(cuts) + [1e9]]
    assert np.array_equal(np.concatenate([p[0] for p in parts]), whole[0])
    assert np.array_equal(np.concatenate([p[1] for p in parts]), whole[1])
    assert whole[0].max() < 40.0
    d = Deterministic(rate_per_s=3.0)
    s1, s2 = d.stream(None, 40.0), d.stream(None, 40.0)
    assert np.array_equal(np.concatenate([s1.take(c)[0] for c in sorted(cuts) + [1e9]]), s2.take(1e9)[0])


def test_sinusoidal_day_matches_its_integral_and_time_rescaling():
    spec = Diurnal(rate_per_s=0.5, peak_to_trough=5.0, peak_hour=14)
    assert spec.rate_at(14 * 3600) / spec.rate_at(2 * 3600) == pytest.approx(5.0)
    grid = np.linspace(3600, 20000, 100001)
    assert spec.expected_count(0, 86400) == pytest.approx(0.5 * 86400)
    assert spec.expected_count(3600, 20000) == pytest.approx(np.trapezoid(spec.rate_at(grid), grid), rel=1e-8)
    days = 4
    t = take_all(spec, 86400.0 * days, 5000.0)
    hourly = counts_per(t % 86400, 3600, 86400)
    expect = np.array([days * spec.expected_count(h * 3600, (h + 1) * 3600) for h in range(24)])
    assert np.all(np.abs(hourly - expect) < 4.5 * np.sqrt(expect))
    assert np.argmax(hourly) in (13, 14)
    assert rescaled_gaps_ks(spec, t[:20000]) > 1e-3


def test_profile_per_minute_counts_and_no_repeat(tmp_path):
    rates = [0.0, 2.0, 5.0, 1.0]
    spec = Diurnal(rates_per_s=rates, step_s=60)
    t = take_all(spec, 240.0 * 300, 1000.0)
    per_step = counts_per(t, 60, 240.0 * 300).reshape(300, 4)
    assert per_step[:, 0].sum() == 0
    for k in (1, 2, 3):
        mu = rates[k] * 60
        assert abs(per_step[:, k].mean() - mu) < 4 * math.sqrt(mu / 300)
        assert abs(per_step[:, k].var(ddof=1) - mu) < 4 * mu * math.sqrt(2 / 299) + 4 * math.sqrt(mu / 300)
    once = take_all(Diurnal(rates_per_s=rates, step_s=60, repeat=False), 2000.0, 100.0)
    assert once.max() < 240.0
    (tmp_path / "p.csv").write_text("minute,rate_per_s\n0,0\n1,2\n2,5\n3,1\n")
    sc = Scenario.from_dict({"horizon_s": 10, "functions": [{"name": "a", "duration": {"dist": "constant", "value_s": 0.1},
                             "workload": {"kind": "diurnal", "path": "p.csv", "step_s": 60}}]}, base_dir=tmp_path)
    assert np.array_equal(sc.functions[0].workload.profile, rates)
    assert sc.functions[0].workload.mean_rate_per_s == pytest.approx(2.0)


def test_bad_profile_file_names_line(tmp_path):
    (tmp_path / "p.csv").write_text("rate\n1\nabc\n")
    with pytest.raises(ScenarioError, match=r"p.csv line 3 has 'abc'"):
        Scenario.from_dict({"horizon_s": 10, "functions": [{"name": "a", "duration": {"dist": "constant", "value_s": 0.1},
                            "workload": {"kind": "diurnal", "path": "p.csv"}}]}, base_dir=tmp_path)


def test_spike_counts_inside_and_outside():
    spec = Spike(base_rate_per_s=2.0, spike_rate_per_s=50.0, at_s=100.0, duration_s=20.0)
    reps = [take_all(spec, 300.0, 33.0, seed=s) for s in range(200)]
    inside = np.array([np.count_nonzero((t >= 100) & (t < 120)) for t in reps])
    outside = np.array([len(t) for t in reps]) - inside
    assert abs(inside.mean() - 1000) < 4 * math.sqrt(1000 / 200)
    assert abs(outside.mean() - 560) < 4 * math.sqrt(560 / 200)
    assert spec.expected_count(0, 300) == pytest.approx(1560)
    assert rescaled_gaps_ks(spec, np.concatenate([reps[0]])) > 1e-3
    step = take_all(Spike(base_rate_per_s=0.0, spike_rate_per_s=10.0, at_s=50.0), 100.0, 7.0)
    assert step.min() >= 50.0 and abs(len(step) - 500) < 4 * math.sqrt(500)


def mmpp():
    return Bursty(base_rate_per_s=1.0, burst_rate_per_s=20.0, mean_burst_s=5.0, mean_gap_s=50.0)


def test_mmpp_long_run_rate():
    spec, horizon = mmpp(), 200_000.0
    assert spec.mean_rate_per_s == pytest.approx((50 * 1 + 5 * 20) / 55)
    n = len(take_all(spec, horizon, 10_000.0))
    assert abs(n / horizon - spec.mean_rate_per_s) < 4 * math.sqrt(spec.count_variance(horizon)) / horizon


def test_mmpp_count_variance_and_overdispersion():
    spec, w = mmpp(), 100.0
    c = np.array([len(spec.stream(np.random.default_rng(s), w).take(w)[0]) for s in range(4000)])
    assert abs(c.mean() - spec.mean_rate_per_s * w) < 4 * math.sqrt(spec.count_variance(w) / 4000)
    assert c.var(ddof=1) == pytest.approx(spec.count_variance(w), rel=0.15)
    assert spec.count_variance(w) > 5 * spec.mean_rate_per_s * w  # far burstier than Poisson


def test_mmpp_state_carries_across_windows():
    spec = Bursty(base_rate_per_s=0.0, burst_rate_per_s=30.0, mean_burst_s=100.0, mean_gap_s=100.0)
    busy = counts_per(take_all(spec, 20_000.0, 1.0), 1.0, 20_000.0) > 0
    lag1 = np.corrcoef(busy[:-1], busy[1:])[0, 1]
    assert lag1 > 0.9  # a state re-drawn per window would give about 0
    assert abs(busy.mean() - 0.5) < 0.2


def test_superposition_of_poissons_is_poisson():
    spec = Superpose(components=[Poisson(rate_per_s=1.0), Poisson(rate_per_s=2.0),
                                 Deterministic(rate_per_s=0.5)])
    assert spec.mean_rate_per_s == 3.5
    t = take_all(Superpose(components=[Poisson(rate_per_s=1.0), Poisson(rate_per_s=2.0)]), 5000.0, 123.0)
    assert stats.kstest(np.diff(t), "expon", args=(0, 1 / 3.0)).pvalue > 1e-3
    mixed = take_all(spec, 1000.0, 100.0)
    assert np.all(np.diff(mixed) >= 0) and abs(len(mixed) - 3500) < 4 * math.sqrt(3000) + 1


def test_superpose_rejects_mixed_payloads(tmp_path):
    (tmp_path / "log.csv").write_text("timestamp,duration\n1,0.5\n2,0.5\n")
    with pytest.raises(ScenarioError, match="must not mix"):
        Scenario.from_dict({"horizon_s": 10, "functions": [{"name": "a", "duration": {"dist": "constant", "value_s": 0.1},
                            "workload": {"kind": "superpose", "components": [
                                {"kind": "poisson", "rate_per_s": 1}, {"kind": "trace", "path": "log.csv"}]}}]},
                           base_dir=tmp_path)


def test_quantiles_distribution_mean_variance_and_shape():
    q = Quantiles(probs=(0, 0.5, 0.9, 1), values_s=(0.1, 0.2, 1.0, 5.0))
    x = q.sample(np.random.default_rng(3), 400_000)
    assert x.mean() == pytest.approx(q.mean, rel=0.01)
    assert x.var() == pytest.approx(q.variance, rel=0.02)
    assert np.mean(x <= 0.2) == pytest.approx(0.5, abs=0.003) and np.mean(x <= 1.0) == pytest.approx(0.9, abs=0.003)
    assert q.mean == pytest.approx(0.5 * 0.15 + 0.4 * 0.6 + 0.1 * 3.0)
    with pytest.raises(Exception, match="rising strictly from 0 to 1"):
        Quantiles(probs=(0, 0.5, 0.5, 1), values_s=(1, 2, 3, 4))


def test_expected_counts_of_deterministic_superpose_and_trace(tmp_path):
    d = Deterministic(interval_s=2.0, start_s=1.0)
    for t0, t1 in [(0, 10), (1, 3), (1.5, 9.0), (20, 20.5)]:
        assert d.expected_count(t0, t1) == len(take_all(d, 100.0, 0.7)[(lambda t: (t >= t0) & (t < t1))(take_all(d, 100.0, 0.7))])
    sp = Superpose(components=[d, Spike(base_rate_per_s=1, spike_rate_per_s=9, at_s=5, duration_s=2)])
    assert sp.expected_count(0, 10) == d.expected_count(0, 10) + 1 * 8 + 9 * 2
    (tmp_path / "log.csv").write_text("timestamp\n1\n2\n2.5\n7\n")
    sc = Scenario.from_dict({"horizon_s": 10, "functions": [{"name": "a", "duration": {"dist": "constant", "value_s": 0.1},
                             "workload": {"kind": "trace", "path": "log.csv", "start_s": 1.5, "scale": 2}}]},
                            base_dir=tmp_path)
    w = sc.functions[0].workload
    assert w.expected_count(0, 1.0) == 2 * 1 and w.expected_count(0, 100) == 2 * 3


@pytest.mark.parametrize("dist", [
    {"dist": "constant", "value_s": 0.2}, {"dist": "exponential", "mean_s": 0.2},
    {"dist": "uniform", "low_s": 0.1, "high_s": 0.4}, {"dist": "lognormal", "median_s": 0.2, "sigma": 0.8},
    {"dist": "gamma", "mean_s": 0.2, "cv": 0.7}, {"dist": "empirical", "samples_s": [0.1, 0.3, 0.9]},
    {"dist": "quantiles", "probs": [0, 0.5, 1], "values_s": [0.1, 0.2, 1.0]},
], ids=lambda d: d["dist"])
def test_a_draw_of_none_takes_no_numbers_from_its_stream(dist):
    """ArrivalSource skips a function's draws in a window where it has no arrivals: that changes no number."""
    from pydantic import TypeAdapter

    from lambdasim.distributions import Distribution
    d = TypeAdapter(Distribution).validate_python(dist)
    skipped, drawn = np.random.default_rng(3), np.random.default_rng(3)
    assert len(d.sample(drawn, 0)) == 0
    assert d.sample(skipped, 50).tobytes() == d.sample(drawn, 50).tobytes()
