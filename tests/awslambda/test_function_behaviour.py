"""Errors, timeouts, memory-to-CPU duration scaling and the architecture speed factor."""
import numpy as np
import pytest

import lambdasim
from lambdasim.work import CpuScaling, cpu_speed, duration_factor
from support.platforms import conserved, scenario

W = {"kind": "poisson", "rate_per_s": 20}


def test_errors_fail_at_the_given_rate_and_are_billed():
    sc = scenario(W, 1000, duration_s=0.2, error_probability=0.3)
    r = lambdasim.simulate(sc)
    s, inv = r.summary, r.invocations
    n = s["completed"] + s["failed"]
    assert abs(s["failed"] - 0.3 * n) < 4 * np.sqrt(n * 0.21)
    assert (inv[inv["status"] == "failed"]["billed_ms"] == 200).all()
    assert s["billed_gb_s"] == pytest.approx(n * 0.2 * 128 / 1024)
    assert conserved(s)


def test_a_run_over_the_timeout_is_cut_billed_to_it_and_fails():
    sc = scenario(W, 100, duration_s={"dist": "uniform", "low_s": 1.0, "high_s": 3.0}, timeout_s=2.0)
    inv = lambdasim.simulate(sc).invocations
    ran = inv[inv["status"].isin(["completed", "failed"])]
    cut = ran[ran["status"] == "failed"]
    assert 0.3 < len(cut) / len(ran) < 0.7
    assert (cut["duration_s"] == 2.0).all() and (cut["billed_ms"] == 2000).all()
    assert (ran[ran["status"] == "completed"]["duration_s"] <= 2.0).all()


def test_timeout_is_at_most_900_s():
    with pytest.raises(lambdasim.ScenarioError, match="timeout_s"):
        scenario(W, 10, timeout_s=901)


def test_cpu_speed_is_the_vcpu_share_then_amdahl():
    assert cpu_speed(1769, 0.5) == 1.0
    assert cpu_speed(1769 / 2, 0.5) == pytest.approx(0.5)
    assert cpu_speed(2 * 1769, 1.0) == pytest.approx(2.0)
    assert cpu_speed(2 * 1769, 0.5) == pytest.approx(1 / (0.5 + 0.25))
    assert cpu_speed(10240, 1.0) == pytest.approx(10240 / 1769)


def test_duration_factor_exact_values():
    cpu = CpuScaling(cpu_bound_fraction=0.8, parallel_fraction=0.0, reference_memory_mb=1769)
    assert duration_factor(1769, cpu) == pytest.approx(1.0)
    assert duration_factor(442, cpu) == pytest.approx(0.2 + 0.8 * 1769 / 442)
    assert duration_factor(3538, cpu) == pytest.approx(1.0)  # single-threaded: no gain above 1 vCPU
    assert duration_factor(1769, None, speed_factor=1.25) == pytest.approx(0.8)


def test_memory_sweep_reproduces_the_power_tuning_curve():
    """Fully CPU-bound single-threaded code: cost flat up to 1 vCPU, then rising; time falls then flat."""
    rows = []
    for mem in (256, 512, 1024, 1769, 3008, 10240):
        sc = scenario({"kind": "deterministic", "interval_s": 10}, 10_000, duration_s=1.0, memory_mb=mem,
                      cpu_scaling={"cpu_bound_fraction": 1.0, "reference_memory_mb": 1769})
        s = lambdasim.simulate(sc, records="summary").summary
        rows.append((s["latency_mean_s"], s["billed_gb_s"] / s["completed"]))
    lat, gbs = np.array(rows).T
    assert (np.diff(lat[:4]) < 0).all() and lat[3:] == pytest.approx(np.full(3, 1.0))
    assert gbs[:4] == pytest.approx(np.full(4, 1769 / 1024), rel=1e-2)
    assert (np.diff(gbs[3:]) > 0).all()


def test_arm_speed_factor_shortens_runs():
    x86 = lambdasim.simulate(scenario(W, 200, duration_s=1.0)).invocations
    arm = lambdasim.simulate(scenario(W, 200, duration_s=1.0, arch="arm64", speed_factor=1.25)).invocations
    assert (arm["duration_s"] == 0.8).all() and (x86["duration_s"] == 1.0).all()
