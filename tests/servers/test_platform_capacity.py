"""Fargate tasks and LMI environments run requests on the capacity model of EC2 (memory admission, shared vCPUs)."""
from __future__ import annotations

import numpy as np
import pytest

import lambdasim
from lambdasim.fargate.model import fargate_capacity
from lambdasim.lmi.model import environment_capacity

CPU = {"dist": "exponential", "mean_s": 0.1}


def scenario(work: dict, rate: float, *, horizon_s: float = 20_000.0, seed: int = 3, memory_mb: int = 128,
             pricing: str = "aws-latest", **sections) -> lambdasim.Scenario:
    return lambdasim.Scenario.from_dict({
        "name": "cap", "horizon_s": horizon_s, "seed": seed, "pricing": pricing, **sections,
        "functions": [{"name": "f", "memory_mb": memory_mb, "work": work,
                       "workload": {"kind": "poisson", "rate_per_s": rate}}]})


def test_a_task_with_an_instance_s_vcpus_and_memory_is_that_instance():
    """2 vCPU / 8 GB task = m5.large (2 vCPU, 8 GiB) with the same reserve and boot: the same requests, column by column,
    on CPU-bound work that queues (processor sharing and memory admission both at work)."""
    fixed = {"policy": "fixed", "instances": 2}
    sc = scenario({"cpu": CPU, "wait": {"dist": "exponential", "mean_s": 0.5}, "memory_mb": 1024}, rate=30.0,
                  horizon_s=3000.0, ec2={"instance_type": "m5.large", "reserve_mb": 256, "boot_s": 40, "scaling": fixed},
                  fargate={"vcpu": 2, "memory_gb": 8, "reserve_mb": 256, "scaling": fixed,
                           "start_delay": {"dist": "constant", "value_s": 40}})
    assert fargate_capacity(sc).slots == 7 and fargate_capacity(sc).vcpu == 2
    f, e = lambdasim.simulate(sc, "fargate"), lambdasim.simulate(sc, "ec2")
    assert f.summary["queue_wait_mean_s"] > 0 and f.summary["cpu_utilization"] > 0.5
    for col in ["arrival_s", "start_s", "end_s", "instance", "duration_s", "cpu_s"]:
        np.testing.assert_array_equal(f.invocations[col].to_numpy(), e.invocations[col].to_numpy(), err_msg=col)
    for k in ["latency_p99_s", "utilization", "cpu_utilization", "queue_wait_mean_s"]:
        assert f.summary[k] == e.summary[k]


def test_one_task_is_mg1_processor_sharing():
    """A 1 vCPU task admitting 14 at once: M/M/1-PS, E[T] = E[S] / (1 - rho)."""
    sc = scenario({"cpu": CPU}, rate=6.0, horizon_s=40_000.0, pricing="aws-2024",
                  fargate={"scaling": {"policy": "fixed", "instances": 1}})
    cap = fargate_capacity(sc)
    assert (cap.vcpu, cap.slots) == (1.0, (2048 - 256) // 128)
    s = lambdasim.simulate(sc, "fargate", records="summary").summary
    assert s["latency_mean_s"] == pytest.approx(0.1 / (1 - 0.6), rel=0.03)
    assert s["cpu_utilization"] == pytest.approx(0.6, rel=0.02)


def test_default_service_is_sized_by_the_binding_resource():
    """The default scenario on default tasks: memory admits 14 requests of 128 MB, 1.536 s each: 9.1 req/s a task."""
    sc = lambdasim.Scenario.from_file("data/scenarios/default.yaml").with_overrides({"horizon_s": 3600})
    cap = fargate_capacity(sc)
    assert cap.limited_by == "memory" and cap.max_rate_per_s == pytest.approx(14 / (0.25 * 2 * 128 / 1769 + 1.5))
    s = lambdasim.simulate(sc, "fargate", records="summary").summary
    assert s["mean_instances"] == int(np.ceil(10 / cap.max_rate_per_s / 0.7))
    assert s["dropped"] == 0 and s["utilization"] == pytest.approx(10 / (s["mean_instances"] * cap.max_rate_per_s) * 14
                                                                  / 14, rel=0.05)


@pytest.mark.parametrize("how", ["requeue", "lose"])
def test_spot_stop_cuts_cpu_parts_and_every_request_is_accounted_for(how):
    """CPU-bound requests of about a minute on 1-worker Spot tasks: the 2-minute notice does not save them all."""
    sc = scenario({"cpu": {"dist": "exponential", "mean_s": 60.0}}, rate=0.2, horizon_s=20_000.0, pricing="aws-2024",
                  fargate={"workers_per_task": 1, "scaling": {"policy": "fixed", "instances": 20},
                           "spot": {"share": 1.0, "interruptions_per_task_hour": 2.0, "on_interruption": how}})
    r = lambdasim.simulate(sc, "fargate")
    s, inv = r.summary, r.invocations
    assert s["completed"] + s["dropped"] + s["in_flight"] + s["interrupted"] == s["invocations"] == len(inv)
    done = inv[inv["status"] == "completed"]
    # a completed request had its task's whole vCPU for all of its work (one worker per task)
    np.testing.assert_allclose(done["end_s"] - done["start_s"], done["cpu_s"])
    tasks = r.instances.set_index("instance")
    if how == "requeue":
        assert s["restarted"] > 0 and s["interrupted"] == 0
        again = done[done["restarts"] > 0]
        assert len(again) and (tasks.loc[again["instance"], "interrupted_s"].isna().to_numpy()
                               | (tasks.loc[again["instance"], "interrupted_s"].to_numpy() + 120 >= again["end_s"])).all()
    else:
        lost = inv[inv["status"] == "interrupted"]
        assert len(lost) == s["interrupted"] > 0
        np.testing.assert_allclose(lost["end_s"], tasks.loc[lost["instance"], "interrupted_s"].to_numpy() + 120)
        assert (lost["start_s"] + lost["cpu_s"] > lost["end_s"]).all()
    assert lambdasim.simulate(sc, "fargate").summary == s  # deterministic


def test_lmi_one_request_per_environment_matches_ec2_with_cpu_work():
    """m5.large: 2 environments of 1 vCPU x 1 request = EC2's 2 workers on 2 vCPUs, on CPU-bound work too."""
    lmi = {"instance_type": "m5.large", "memory_gb": 2.0, "memory_gib_per_vcpu": 2.0, "max_concurrency": 1,
           "min_instances": 3, "max_instances": 3, "on_overload": "queue"}
    ec2 = {"instance_type": "m5.large", "workers_per_instance": 2, "scaling": {"policy": "fixed", "instances": 3}}
    sc = scenario({"cpu": CPU, "wait": {"dist": "exponential", "mean_s": 0.2}}, rate=18.0, horizon_s=3000.0,
                  lmi=lmi, ec2=ec2)
    a, b = lambdasim.simulate(sc, "lmi"), lambdasim.simulate(sc, "ec2")
    assert a.summary["queue_wait_mean_s"] > 0
    for col in ["arrival_s", "start_s", "end_s", "instance", "cpu_s"]:
        np.testing.assert_array_equal(a.invocations[col].to_numpy(), b.invocations[col].to_numpy(), err_msg=col)
    for k in ["latency_p50_s", "latency_p99_s", "queue_wait_mean_s", "cpu_utilization"]:
        assert a.summary[k] == b.summary[k]


def test_lmi_environment_below_one_vcpu_runs_a_request_at_its_share():
    """A 2 GB environment at 4 GiB per vCPU has 0.5 vCPU: a lone request's 0.2 s of CPU takes 0.4 s, then 0.1 s wait."""
    lmi = {"instance_type": "m5.large", "memory_gb": 2.0, "memory_gib_per_vcpu": 4.0, "max_concurrency": 4,
           "min_instances": 1, "max_instances": 1}
    sc = lambdasim.Scenario.from_dict({
        "name": "half", "horizon_s": 100.0, "pricing": "aws-latest", "lmi": lmi,
        "functions": [{"name": "f", "work": {"cpu": {"dist": "constant", "value_s": 0.2},
                                             "wait": {"dist": "constant", "value_s": 0.1}},
                       "workload": {"kind": "deterministic", "interval_s": 5.0}}]})
    assert environment_capacity(sc).vcpu == 0.5
    r = lambdasim.simulate(sc, "lmi")
    lat = (r.invocations["end_s"] - r.invocations["arrival_s"]).dropna().to_numpy()
    np.testing.assert_allclose(lat, 0.5, rtol=1e-12)
    s = r.summary
    # m5.large (2 vCPU, 8 GiB) hosts min(2 / 0.5, 8 / 2) = 4 environments of 4 requests
    assert s["environments_per_instance"] == 4 and s["slots_per_instance"] == 4 * 4
    # their 4 x 0.5 vCPU run 0.2 s of CPU every 5 s
    assert s["cpu_utilization"] == pytest.approx(0.2 / 5 / 2.0, rel=0.05)


def test_lmi_memory_caps_an_environment_below_its_max_concurrency():
    sc = scenario({"cpu": CPU, "memory_mb": 512}, rate=1.0, horizon_s=100.0,
                  lmi={"memory_gb": 2.0, "max_concurrency": 16})
    cap = environment_capacity(sc)
    assert cap.slots == (2048 - 256) // 512 and cap.limited_by == "memory"
    assert lambdasim.simulate(sc, "lmi", records="summary").summary["slots_per_instance"] == cap.slots * 2  # m7g.large: 2 of 1 vCPU
