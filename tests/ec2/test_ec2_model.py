"""The EC2 fleet model: queueing theory, exact traces, conservation, determinism, CRN."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lambdasim
from lambdasim.theory import erlang_b, erlang_c, mmc_wait_mean


def ec2_scenario(horizon_s=100.0, seed=0, *, rate=None, interval=1.0, duration=None, instances=1, workers=1,
                 ec2=None, functions=None, init_s=0.0, pricing="aws-2024"):
    workload = {"kind": "poisson", "rate_per_s": rate} if rate is not None else {"kind": "deterministic", "interval_s": interval}
    fn = {"name": "f", "duration": duration or {"dist": "constant", "value_s": 1.0},
          "init": {"dist": "constant", "value_s": init_s}, "workload": workload}
    spec = {"workers_per_instance": workers, "scaling": {"policy": "fixed", "instances": instances}, **(ec2 or {})}
    return lambdasim.Scenario.from_dict({"name": "t", "horizon_s": horizon_s, "seed": seed,
                                         "functions": functions or [fn], "ec2": spec, "pricing": pricing})


def mmc(c_instances, workers, rho, arrivals, seed):
    lam = rho * c_instances * workers  # mean service 1 s
    return ec2_scenario(arrivals / lam, seed, rate=lam, duration={"dist": "exponential", "mean_s": 1.0},
                        instances=c_instances, workers=workers)


@pytest.mark.parametrize("rho, runs", [(0.6, 1), (0.9, 3)])
def test_fixed_fleet_is_mmc_erlang_c(rho, runs):
    # 2 instances x 2 workers: M/M/4. At 90 % load the mean wait converges slowly, so three
    # independent replications of 600k arrivals are pooled (about 2 % standard error).
    c, waits, p_wait = 4, [], []
    for seed in range(runs):
        s = lambdasim.simulate(mmc(2, 2, rho, 600_000, seed), "ec2", records="summary").summary
        waits.append(s["queue_wait_mean_s"])
        p_wait.append(s["wait_probability"])
    lam = rho * c
    assert np.mean(waits) == pytest.approx(mmc_wait_mean(c, lam, 1.0), rel=0.05)
    assert np.mean(p_wait) == pytest.approx(erlang_c(c, lam), rel=0.05)


def test_no_queue_is_erlang_b_loss_system():
    sc = ec2_scenario(40_000, 3, rate=3.0, duration={"dist": "exponential", "mean_s": 1.0}, instances=2, workers=2,
                      ec2={"queue_limit": 0})
    s = lambdasim.simulate(sc, "ec2", records="summary").summary
    assert s["dropped"] / s["invocations"] == pytest.approx(erlang_b(4, 3.0), rel=0.05)
    assert s["queue_wait_mean_s"] == 0.0


def test_exact_trace_fifo_queue_with_timeout():
    # 1 worker, an arrival every second, each taking 1.5 s, waits over 1 s dropped.
    sc = ec2_scenario(8.0, interval=1.0, duration={"dist": "constant", "value_s": 1.5},
                      ec2={"request_timeout_s": 1.0})
    inv = lambdasim.simulate(sc, "ec2").invocations
    assert inv["arrival_s"].tolist() == [0, 1, 2, 3, 4, 5, 6, 7]
    assert inv["status"].tolist() == ["completed", "completed", "completed", "dropped",
                                      "completed", "completed", "dropped", "in_flight"]
    starts = inv["start_s"].tolist()
    assert [starts[i] for i in (0, 1, 2, 4, 5)] == [0.0, 1.5, 3.0, 4.5, 6.0]
    assert math.isnan(starts[3]) and inv["end_s"][3] == 4.0  # dropped when its timeout ran out
    assert starts[7] == 7.5 and inv["end_s"][7] == 9.0  # running at the horizon
    s = lambdasim.simulate(sc, "ec2").summary
    assert s["in_flight"] == 1 and s["completed"] == 5 and s["dropped"] == 2


def test_load_balancer_picks_fewest_outstanding_lowest_id():
    sc = ec2_scenario(5.0, interval=1.0, duration={"dist": "constant", "value_s": 2.5}, instances=2, workers=2)
    inv = lambdasim.simulate(sc, "ec2").invocations
    assert inv["instance"].tolist() == [0, 1, 0, 0, 1]
    assert (inv["queue_wait_s"] == 0).all()


def test_bounded_queue_drops_the_excess_at_once():
    # 1 worker busy 10 s from t=0; arrivals at 1..9 s; room for 3 waiting.
    sc = ec2_scenario(9.5, interval=1.0, duration={"dist": "constant", "value_s": 10.0}, ec2={"queue_limit": 3})
    inv = lambdasim.simulate(sc, "ec2").invocations
    assert inv["status"].tolist()[4:] == ["dropped"] * 6
    assert (inv["end_s"][4:] == inv["arrival_s"][4:]).all()
    assert inv["status"].tolist()[:4] == ["in_flight"] * 4


def test_speed_factor_scales_durations_and_same_arrivals_as_lambda():
    sc = ec2_scenario(300, 5, rate=2.0, duration={"dist": "exponential", "mean_s": 0.2}, instances=3, workers=2,
                      ec2={"speed_factor": 0.5})
    lam = lambdasim.simulate(sc, "lambda").invocations
    ec2 = lambdasim.simulate(sc, "ec2").invocations
    np.testing.assert_array_equal(lam["arrival_s"], ec2["arrival_s"])
    np.testing.assert_allclose(ec2["duration_s"], 0.5 * lam["duration_s"])


def test_ample_fleet_has_lambda_latency_without_cold_starts():
    sc = ec2_scenario(500, 2, rate=5.0, duration={"dist": "lognormal", "median_s": 0.3, "sigma": 1.0},
                      instances=50, workers=2)
    a = lambdasim.simulate(sc, "lambda").summary
    b = lambdasim.simulate(sc, "ec2").summary
    assert b["queue_wait_mean_s"] == 0.0
    assert b["latency_mean_s"] == pytest.approx(a["latency_mean_s"], rel=1e-12)
    assert b["latency_p99_s"] == pytest.approx(a["latency_p99_s"], rel=1e-12)


def test_determinism_and_summary_mode():
    sc = ec2_scenario(2000, 11, rate=3.5, duration={"dist": "exponential", "mean_s": 1.0}, instances=2, workers=2,
                      ec2={"request_timeout_s": 5.0})
    a, b = lambdasim.simulate(sc, "ec2"), lambdasim.simulate(sc, "ec2")
    assert a.summary == b.summary
    assert a.invocations.equals(b.invocations)
    c = lambdasim.simulate(sc, "ec2", records="summary").summary
    for k in ("invocations", "completed", "dropped", "in_flight", "queue_wait_mean_s", "utilization", "cost_usd"):
        assert c[k] == pytest.approx(a.summary[k], rel=1e-9)
    for k in ("latency_p50_s", "latency_p99_s", "queue_wait_p99_s"):
        assert c[k] == pytest.approx(a.summary[k], rel=0.01)
    assert lambdasim.simulate(sc, "ec2", seed=12).summary != a.summary


@settings(max_examples=15, deadline=None)
@given(rate=st.floats(0.5, 8.0), instances=st.integers(1, 4), workers=st.integers(1, 3),
       timeout=st.one_of(st.none(), st.floats(0.1, 5.0)), limit=st.one_of(st.none(), st.integers(0, 5)),
       seed=st.integers(0, 1000))
def test_every_request_is_accounted_for(rate, instances, workers, timeout, limit, seed):
    sc = ec2_scenario(200, seed, rate=rate, duration={"dist": "exponential", "mean_s": 1.0}, instances=instances,
                      workers=workers, ec2={"request_timeout_s": timeout, "queue_limit": limit})
    r = lambdasim.simulate(sc, "ec2")
    s, inv = r.summary, r.invocations
    assert s["invocations"] == len(inv) == s["completed"] + s["dropped"] + s["in_flight"]
    done = inv[inv["status"] == "completed"]
    assert (done["end_s"] <= 200).all() and (done["start_s"] >= done["arrival_s"]).all()
    if timeout is not None:
        assert (done["queue_wait_s"] <= timeout + 1e-9).all()
    # never more requests running on an instance than it has workers
    started = inv.dropna(subset=["start_s"])
    for _, g in started.groupby("instance"):
        ev = np.concatenate([np.ones(len(g)), -np.ones(len(g))])
        t = np.concatenate([g["start_s"], g["end_s"]])
        assert np.cumsum(ev[np.lexsort((ev, t))]).max() <= workers
    assert 0 <= s["utilization"] <= 1 + 1e-9


def test_bad_ec2_fields_get_clear_errors():
    with pytest.raises(lambdasim.ScenarioError, match=r"'ec2.workers_per_instance' field of Scenario must be an int"):
        ec2_scenario(ec2={"workers_per_instance": 0})
    with pytest.raises(lambdasim.ScenarioError, match=r"ec2.scaling.*max >= min"):
        ec2_scenario(ec2={"scaling": {"policy": "target_tracking", "min": 5, "max": 2}})
    with pytest.raises(lambdasim.ScenarioError, match=r"'ec2.bootsecs' key of Scenario is not allowed \(did you mean 'boot_s'"):
        ec2_scenario(ec2={"bootsecs": 3})
    with pytest.raises(lambdasim.CatalogueError, match="m99.huge"):
        lambdasim.simulate(ec2_scenario(ec2={"instance_type": "m99.huge"}), "ec2").summary
