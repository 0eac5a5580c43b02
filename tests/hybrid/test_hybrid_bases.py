"""Hybrids on every base (EC2, Fargate, LMI) and routing (busy, queue, booting); the optimizer on the normal spike."""
import math

import numpy as np
import pytest

import lambdasim
from lambdasim.billing.catalogue import load_catalogue
from lambdasim.comparison.sizing import size_ec2
from lambdasim.hybrid.model import run_hybrid
from support.scenarios import normal_spike

# Two requests at once per server on every base, so a small base overflows.
SC = lambdasim.Scenario.from_file("data/scenarios/default.yaml").with_overrides({
    "horizon_s": 1800, "pricing": "aws-latest", "ec2.workers_per_instance": 2, "fargate.workers_per_task": 2,
    "fargate.start_delay": {"dist": "constant", "value_s": 60.0},
    "lmi": {"instance_type": "m5.large", "memory_gb": 2.0, "max_concurrency": 1, "launch_s": 60.0}})
CAT = load_catalogue(SC.pricing)
PURE = {"ec2": lambda n: {"ec2.scaling": {"policy": "fixed", "instances": n}},
        "fargate": lambda n: {"fargate.scaling": {"policy": "fixed", "instances": n}},
        "lmi": lambda n: {"lmi.min_instances": n, "lmi.max_instances": n, "lmi.on_overload": "queue"}}


@pytest.mark.parametrize("base", ["ec2", "fargate", "lmi"])
@pytest.mark.parametrize("routing, limit", [("busy", 0), ("queue", 3), ("booting", 0)])
def test_every_request_is_served_once_by_exactly_one_platform(base, routing, limit):
    h = run_hybrid(SC, CAT, 4, routing, limit, base=base)
    s = h.summary
    inv = h.base.invocations
    assert 0 < s["served_by_lambda"] < s["invocations"] == len(inv) == len(h.overflowed)
    assert s["served_by_base"] + s["served_by_lambda"] == s["invocations"]
    assert int((inv["status"] != inv["status"].cat.categories[1]).sum()) == s["served_by_base"]  # drops: the overflow
    np.testing.assert_array_equal(np.sort(h.overflow.invocations["arrival_s"].to_numpy()),
                                  inv["arrival_s"].to_numpy()[h.overflowed])
    assert s["completed"] + s["dropped"] + h.overflow.summary["in_flight"] + h.base.summary["in_flight"] \
        == s["invocations"]
    if routing == "booting":
        # a request goes to Lambda only while a base instance boots (launched, not yet serving)
        ins = h.base.instances
        t = inv["arrival_s"].to_numpy()[h.overflowed]
        booting = ((ins["launched_s"].to_numpy()[None, :] <= t[:, None])
                   & (t[:, None] < ins["ready_s"].fillna(np.inf).to_numpy()[None, :])).any(axis=1)
        assert booting.all()
        assert inv["queue_wait_s"].max() > 0 and len(ins) > 4  # otherwise it queued, and the base scaled out


@pytest.mark.parametrize("base", ["ec2", "fargate", "lmi"])
def test_a_base_that_never_overflows_is_the_pure_base_platform(base):
    h = run_hybrid(SC, CAT, 40, "busy", base=base)
    assert h.summary["served_by_lambda"] == 0 and h.summary["lambda_cost_usd"] == 0
    pure = lambdasim.simulate(SC.with_overrides(PURE[base](40)), base)
    for col in ["arrival_s", "start_s", "end_s", "instance"]:
        np.testing.assert_array_equal(h.base.invocations[col].to_numpy(), pure.invocations[col].to_numpy())
    assert h.summary["cost_usd"] == pure.summary["cost_usd"]
    assert h.summary["latency_p99_s"] == pure.summary["latency_p99_s"]


def test_zero_base_is_pure_lambda_number_for_number():
    h, lam = run_hybrid(SC, CAT, 0, base="fargate"), lambdasim.simulate(SC, "lambda")
    for k in ["completed", "latency_p50_s", "latency_p99_s", "cost_usd", "cost_per_million_usd"]:
        assert h.summary[k] == lam.summary[k], k


def test_optimizer_on_the_normal_spike_is_no_dearer_than_both_pure_forms_at_the_same_slo():
    """36,000 requests in a normal spike (sigma 200 s) on 2 req/s for an hour: the best hybrid meeting the SLO
    costs no more than pure Lambda and than the smallest pure EC2 fleet meeting the same SLO (sized on its own)."""
    sc = normal_spike(ec2={"workers_per_instance": 4})
    assert sum(len(c["arrival_s"]) for c in lambdasim.workload.arrivals.ArrivalSource(sc)) == pytest.approx(
        36_000 + 2 * 3600, rel=0.02)
    df = lambdasim.optimize(sc, sizes=[0, 1, 2, 4, 8, 16], routings=(("busy", 0), ("queue", 4)))
    slo, best = df.attrs["slo"], df.attrs["best"]
    lam = lambdasim.simulate(sc, "lambda").summary  # full records: the exact p99, as the hybrid computes it
    assert slo == {"latency_p99_s": round(1.1 * lam["latency_p99_s"], 6)}
    assert lam["latency_p99_s"] <= slo["latency_p99_s"]  # pure Lambda meets it
    n = size_ec2(sc, slo, target_tracking=False).instances
    ec2 = lambdasim.simulate(sc.with_overrides({"ec2.scaling": {"policy": "fixed", "instances": n}}), "ec2",
                             records="summary").summary
    assert ec2["latency_p99_s"] <= slo["latency_p99_s"]
    assert best is not None and best["latency_p99_s"] <= slo["latency_p99_s"]
    assert best["cost_usd"] <= lam["cost_usd"] and best["cost_usd"] <= ec2["cost_usd"]
    assert 0 < best["overflow_share"] < 1  # on a spike the winner is a true hybrid
    assert df["pareto"].any()
