"""Server capacity from the work: processor-sharing theory, saturation, memory admission."""
from __future__ import annotations

import pytest

import lambdasim
from lambdasim.ec2.model import ec2_capacity
from lambdasim.errors import ScenarioError


def server(work: dict, rate: float, *, instance_type: str = "m3.medium", horizon_s: float = 20_000.0,
           instances: int = 1, seed: int = 3, workers: int | None = None, memory_mb: int = 128):
    ec2 = {"instance_type": instance_type, "scaling": {"policy": "fixed", "instances": instances}}
    if workers is not None:
        ec2["workers_per_instance"] = workers
    return lambdasim.Scenario.from_dict({
        "name": "ps", "horizon_s": horizon_s, "seed": seed, "pricing": "aws-2024", "ec2": ec2,
        "functions": [{"name": "f", "memory_mb": memory_mb, "work": work,
                       "workload": {"kind": "poisson", "rate_per_s": rate}}]})


@pytest.mark.parametrize("cpu", [{"dist": "exponential", "mean_s": 0.1}, {"dist": "constant", "value_s": 0.1}])
def test_mg1_processor_sharing_mean_response_is_es_over_one_minus_rho(cpu):
    """M/G/1-PS: E[T] = E[S] / (1 - rho) whatever the work's distribution (insensitivity)."""
    sc = server({"cpu": cpu}, rate=6.0, horizon_s=40_000.0)
    assert ec2_capacity(sc).vcpu == 1
    s = lambdasim.simulate(sc, platform="ec2", records="summary").summary
    assert s["queue_wait_mean_s"] == 0.0  # memory admits 27 at once: nobody waits in the queue, they share
    assert s["latency_mean_s"] == pytest.approx(0.1 / (1 - 0.6), rel=0.03)
    assert s["cpu_utilization"] == pytest.approx(0.6, rel=0.02)


def test_cpu_bound_function_saturates_at_vcpus_over_mean_cpu():
    sc = server({"cpu": {"dist": "constant", "value_s": 0.1}}, rate=30.0, instance_type="m5.large",
                horizon_s=2_000.0)
    cap = ec2_capacity(sc)
    assert cap.vcpu == 2 and cap.cpu_bound_rate_per_s == pytest.approx(20.0)
    s = lambdasim.simulate(sc, platform="ec2", records="summary").summary
    assert s["completed"] / 2_000.0 == pytest.approx(20.0, rel=0.01)
    assert s["cpu_utilization"] == pytest.approx(1.0, abs=0.01)
    assert "CPU-bound above 20 req/s" in cap.describe()


def test_io_only_function_is_limited_by_memory_only():
    """No CPU: an m5.large admits (8192 - 512) // 128 = 60 at once, each waits 1 s: 60 req/s at most."""
    sc = server({"cpu": {"dist": "constant", "value_s": 0.0}, "wait": {"dist": "constant", "value_s": 1.0}},
                rate=80.0, instance_type="m5.large", horizon_s=500.0)
    cap = ec2_capacity(sc)
    assert cap.slots == 60 and cap.limited_by == "memory" and cap.max_rate_per_s == pytest.approx(60.0)
    s = lambdasim.simulate(sc, platform="ec2", records="summary").summary
    assert s["completed"] / 500.0 == pytest.approx(60.0, rel=0.01)
    assert s["cpu_utilization"] == 0.0
    assert "up to 60 requests at once by memory" in cap.describe()
    light = lambdasim.simulate(sc.with_overrides({"functions.0.workload.rate_per_s": 10.0}),
                               platform="ec2", records="summary").summary
    assert light["latency_p99_s"] == pytest.approx(1.0, rel=1e-3)  # (histogram bins) 10 at once on average: no wait, no slow-down


def test_workers_cap_the_memory_slots_and_response_grows_with_load():
    sc = server({"cpu": {"dist": "exponential", "mean_s": 0.05}, "wait": {"dist": "constant", "value_s": 0.2}},
                rate=5.0, instance_type="m5.large", horizon_s=5_000.0, workers=4)
    assert ec2_capacity(sc).slots == 4 and ec2_capacity(sc).limited_by == "workers"
    lat = [lambdasim.simulate(sc.with_overrides({"functions.0.workload.rate_per_s": r}), platform="ec2",
                              records="summary").summary["latency_mean_s"] for r in (2.0, 10.0, 16.0)]
    assert lat[0] < lat[1] < lat[2]
    assert lat[0] == pytest.approx(0.25, rel=0.05)  # alone: 0.05 s of CPU at a full vCPU, then 0.2 s


def test_an_instance_too_small_for_one_request_is_a_clear_error():
    sc = server({"cpu": {"dist": "constant", "value_s": 0.1}, "memory_mb": 9000}, rate=1.0,
                instance_type="m5.large")
    with pytest.raises(ScenarioError, match="cannot hold one request of function 'f'"):
        lambdasim.simulate(sc, platform="ec2")


def test_work_and_duration_are_exclusive():
    with pytest.raises(ScenarioError, match="exactly one of duration or work"):
        lambdasim.Scenario.from_dict({"horizon_s": 10, "functions": [
            {"name": "f", "duration": {"dist": "constant", "value_s": 1}, "work": {"cpu": {"dist": "constant",
             "value_s": 1}}, "workload": {"kind": "poisson", "rate_per_s": 1}}]})


def test_lambda_runs_work_at_its_memorys_cpu_share():
    """128 MB is 128/1769 of a vCPU: 0.1 s of CPU takes 1.382 s, plus 0.5 s of waiting."""
    sc = server({"cpu": {"dist": "constant", "value_s": 0.1}, "wait": {"dist": "constant", "value_s": 0.5}},
                rate=1.0, horizon_s=200.0)
    r = lambdasim.simulate(sc, platform="lambda", records="full")
    assert r.invocations["duration_s"].dropna().to_numpy() == pytest.approx(0.1 * 1769 / 128 + 0.5)
    big = lambdasim.simulate(sc.with_overrides({"functions.0.memory_mb": 3538}), platform="lambda", records="full")
    assert big.invocations["duration_s"].dropna().to_numpy() == pytest.approx(0.1 + 0.5)  # one thread: 1 vCPU
