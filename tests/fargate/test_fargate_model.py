"""The Fargate service model: queueing theory, equality with EC2 on the same fleet, Spot, billing, sizing."""
import math

import numpy as np
import pytest

import lambdasim
from lambdasim.billing.catalogue import load_catalogue
from lambdasim.errors import ScenarioError
from lambdasim.theory import erlang_c, mmc_wait_mean


def fg_scenario(horizon_s=100.0, seed=0, *, rate=None, interval=1.0, duration=None, tasks=1, workers=1,
                fargate=None, ec2=None, pricing="aws-2024"):
    workload = {"kind": "poisson", "rate_per_s": rate} if rate is not None else {"kind": "deterministic", "interval_s": interval}
    fn = {"name": "f", "duration": duration or {"dist": "constant", "value_s": 1.0}, "workload": workload}
    spec = {"workers_per_task": workers, "scaling": {"policy": "fixed", "instances": tasks}, **(fargate or {})}
    return lambdasim.Scenario.from_dict({"name": "t", "horizon_s": horizon_s, "seed": seed, "functions": [fn],
                                         "fargate": spec, "ec2": ec2 or {}, "pricing": pricing})


def test_fixed_service_is_mmc_erlang_c():
    # 4 tasks x 1 worker at 80 % load, exponential 1 s work: M/M/4
    c, rho = 4, 0.8
    lam = rho * c
    s = lambdasim.simulate(fg_scenario(400_000 / lam, 3, rate=lam, duration={"dist": "exponential", "mean_s": 1.0},
                                       tasks=c), "fargate", records="summary").summary
    assert s["wait_probability"] == pytest.approx(erlang_c(c, lam), rel=0.04)
    assert s["queue_wait_mean_s"] == pytest.approx(mmc_wait_mean(c, lam, 1.0), rel=0.06)


@pytest.mark.parametrize("scaling", [{"policy": "fixed", "instances": 3},
                                     {"policy": "target_tracking", "target": 0.5, "min": 1, "max": 20, "instances": 2}])
def test_same_fleet_same_numbers_as_ec2(scaling):
    # A task with EC2's workers, a constant start delay equal to EC2's boot and no Spot is an EC2 instance:
    # the same arrivals (common random numbers) give the same requests, column by column.
    common = {"workers_per_instance": 2, "boot_s": 45.0, "scaling": scaling}
    sc = fg_scenario(3000.0, 7, rate=4.0, duration={"dist": "exponential", "mean_s": 1.0},
                     fargate={"workers_per_task": 2, "start_delay": {"dist": "constant", "value_s": 45.0},
                              "scaling": scaling}, ec2=common)
    f, e = lambdasim.simulate(sc, "fargate"), lambdasim.simulate(sc, "ec2")
    fi, ei = f.invocations, e.invocations
    for col in ["arrival_s", "start_s", "end_s", "instance", "duration_s"]:
        np.testing.assert_array_equal(fi[col].to_numpy(), ei[col].to_numpy(), err_msg=col)
    assert list(fi["status"].astype(str)) == list(ei["status"].astype(str))
    np.testing.assert_array_equal(f.instances["launched_s"], e.instances["launched_s"])
    assert f.scaling.equals(e.scaling)


def test_conservation_and_determinism_with_spot_requeue():
    # requests of about a minute: some outlive the 2-minute notice of their task
    sc = fg_scenario(20_000.0, 2, rate=0.2, duration={"dist": "exponential", "mean_s": 60.0}, tasks=20,
                     fargate={"spot": {"share": 1.0, "interruptions_per_task_hour": 2.0, "on_interruption": "requeue"}})
    r = lambdasim.simulate(sc, "fargate")
    s, inv = r.summary, r.invocations
    assert s["spot_interruptions"] > 10 and s["restarted"] > 0
    assert s["interrupted"] == 0
    assert s["completed"] + s["dropped"] + s["in_flight"] == s["invocations"] == len(inv)
    restarted = inv[inv["restarts"] > 0]
    assert (restarted["status"] == "completed").mean() > 0.99
    # a restarted request runs its whole work again, on a task that was not stopped under it
    tasks = r.instances.set_index("instance")
    done = restarted[restarted["status"] == "completed"]
    np.testing.assert_allclose(done["end_s"] - done["start_s"], done["duration_s"])
    ran_on = tasks.loc[done["instance"]]
    assert ((ran_on["interrupted_s"].isna()) | (ran_on["interrupted_s"].to_numpy() + 120 >= done["end_s"].to_numpy())).all()
    again = lambdasim.simulate(sc, "fargate")
    assert again.summary == s
    # the service replaces every interrupted task: one launch per notice beyond the initial 6
    assert s["instances_launched"] == 20 + s["spot_interruptions"]


def test_spot_lose_counts_interrupted_requests_at_the_stop():
    sc = fg_scenario(20_000.0, 4, rate=1.0, duration={"dist": "exponential", "mean_s": 60.0}, tasks=80,
                     fargate={"spot": {"share": 1.0, "interruptions_per_task_hour": 2.0, "on_interruption": "lose"}})
    r = lambdasim.simulate(sc, "fargate")
    s, inv, tasks = r.summary, r.invocations, r.instances.set_index("instance")
    lost = inv[inv["status"] == "interrupted"]
    assert len(lost) == s["interrupted"] > 0
    assert s["completed"] + s["dropped"] + s["in_flight"] + s["interrupted"] == s["invocations"]
    notice = load_catalogue("aws-2024")["fargate.spot_notice_s"]
    # a lost request ends when its task stops: 2 minutes after that task's notice
    stops = tasks.loc[lost["instance"], "interrupted_s"].to_numpy() + notice
    np.testing.assert_allclose(lost["end_s"].to_numpy(), stops)
    assert (lost["start_s"] + lost["duration_s"] > lost["end_s"]).all()  # their work was cut short


def test_half_spot_bills_the_discount_on_spot_tasks():
    sc = fg_scenario(3600.0, 0, interval=10.0, tasks=4, fargate={"spot": {"share": 0.5, "interruptions_per_task_hour": 0}})
    r = lambdasim.simulate(sc, "fargate")
    assert list(r.instances["spot"]) == [False, True, False, True]
    hourly = 0.04048 + 2 * 0.004445  # 1 vCPU / 2 GB x86, us-east-1 2024
    assert r.summary["cost_usd"] == pytest.approx(2 * hourly + 2 * hourly * 0.3, abs=1e-12)


def test_bill_of_a_fixed_service_is_the_catalogue_arithmetic():
    sc = fg_scenario(7200.0, 0, interval=5.0, tasks=3, fargate={"vcpu": 0.5, "memory_gb": 1.0, "arch": "arm64",
                                                                   "ephemeral_storage_gb": 30})
    s = lambdasim.simulate(sc, "fargate").summary
    # 3 tasks x 2 h x (0.5 x 0.03238 + 1 x 0.00356) + 3 x 2 h x 10 GB x 0.000111
    assert s["cost_usd"] == pytest.approx(3 * 2 * (0.5 * 0.03238 + 0.00356) + 3 * 2 * 10 * 0.000111, abs=1e-12)


def test_task_size_is_rounded_up_and_the_waste_shown():
    s = lambdasim.simulate(fg_scenario(600.0, fargate={"vcpu": 1.2, "memory_gb": 2.0}), "fargate").summary
    assert s["task_size"] == "2 vCPU / 4 GB"
    assert s["waste_vcpu"] == pytest.approx(0.8) and s["waste_memory_gb"] == pytest.approx(2.0)


def test_scale_out_tasks_start_after_their_drawn_delay():
    sc = fg_scenario(4000.0, 1, rate=8.0, duration={"dist": "constant", "value_s": 1.0},
                     fargate={"start_delay": {"dist": "uniform", "low_s": 30.0, "high_s": 90.0},
                              "scaling": {"policy": "target_tracking", "target": 0.5, "min": 1, "max": 40,
                                          "instances": 2}})
    r = lambdasim.simulate(sc, "fargate")
    new = r.instances[r.instances["launched_s"] > 0].dropna(subset=["ready_s"])
    delay = new["ready_s"] - new["launched_s"]
    assert len(new) >= 10
    assert delay.between(30.0, 90.0).all() and delay.nunique() == len(delay)
    assert r.summary["completed"] + r.summary["dropped"] + r.summary["in_flight"] == r.summary["invocations"]


def test_a_fargate_section_the_catalogue_cannot_run_is_one_clear_error():
    with pytest.raises(ScenarioError, match="No Fargate task size holds 20 vCPU"):
        fg_scenario(fargate={"vcpu": 20})
    with pytest.raises(ScenarioError, match=r"fargate.ephemeral_storage_gb in \[20, 200\] GB; got 500"):
        fg_scenario(fargate={"ephemeral_storage_gb": 500})
    with pytest.raises(ScenarioError, match="fargate.vcpu_hour_usd.*2021-04-22"):
        fg_scenario(pricing="aws-2015")


def test_an_application_runs_as_its_flat_equivalent_with_its_services_billed():
    sc = lambdasim.Scenario.from_file("data/scenarios/thumbnails.yaml")
    f, e = lambdasim.simulate(sc, "fargate"), lambdasim.simulate(sc, "ec2")
    assert f.summary["invocations"] == e.summary["invocations"]  # the same flat arrivals
    services = set(e.cost.loc[e.cost["platform"] != "ec2", "item"])
    assert services and services <= set(f.cost["item"])


def test_busy_task_to_lambda_price_ratio_per_vcpu_second_is_the_catalogue_arithmetic():
    """A 1 vCPU / 2 GB task kept 100 % busy by 1 s of CPU every second, against Lambda at 1,769 MB (one vCPU)
    running the same work: per vCPU-second the ratio of the two bills is the catalogue's arithmetic."""
    h = 7200.0
    sc = lambdasim.Scenario.from_dict({
        "name": "ratio", "horizon_s": h, "pricing": "aws-2024",
        "functions": [{"name": "f", "memory_mb": 1769, "work": {"cpu": {"dist": "constant", "value_s": 1.0}},
                       "workload": {"kind": "deterministic", "interval_s": 1.0}}],
        "fargate": {"workers_per_task": 1, "scaling": {"policy": "fixed", "instances": 1}}})
    f = lambdasim.simulate(sc, "fargate").summary
    lam = lambdasim.simulate(sc, "lambda").summary
    assert f["utilization"] == pytest.approx(1.0, abs=1e-9) and f["dropped"] == 0
    cat = load_catalogue("aws-2024")
    per_vcpu_s_fargate = (cat["fargate.vcpu_hour_usd"] + 2 * cat["fargate.gb_hour_usd"]) / 3600
    per_vcpu_s_lambda = cat["lambda.request_per_million_usd"] / 1e6 + 1769 / 1024 * cat["lambda.duration_gb_s_usd"]
    fargate_vcpu_s = 1 * h  # one task, one vCPU, the whole horizon
    lambda_vcpu_s = lam["completed"] * 1.0  # 1 s of one vCPU per call
    ratio = (f["cost_usd"] / fargate_vcpu_s) / (lam["cost_usd"] / lambda_vcpu_s)
    assert ratio == pytest.approx(per_vcpu_s_fargate / per_vcpu_s_lambda, rel=1e-9)
    assert ratio < 0.5  # a busy task's vCPU-second costs well under half of Lambda's


def test_commitments_cover_only_the_on_demand_tasks():
    # Compute Savings Plans do not apply to Fargate Spot: half the tasks on Spot halve the committable usage
    sc = fg_scenario(7200.0, 0, interval=10.0, tasks=4, fargate={"spot": {"share": 0.5, "interruptions_per_task_hour": 0}})
    hourly = 0.04048 + 2 * 0.004445  # 1 vCPU / 2 GB x86, us-east-1 2024
    np.testing.assert_allclose(lambdasim.simulate(sc, "fargate").hourly_compute_usd(), [2 * hourly] * 2, rtol=1e-12)
