"""SLO sizing of Fargate and LMI fleets, and break-even between any two platforms."""
import pytest

import lambdasim
from lambdasim.billing.catalogue import instance_spec, load_catalogue
from lambdasim.comparison import fleets
from lambdasim.comparison.replication import Runner
from lambdasim.comparison.sizing import size_fleet


def scenario(rate=6.0, horizon_s=900.0, **top):
    fn = {"name": "f", "work": {"cpu": {"dist": "exponential", "mean_s": 0.05},
                                "wait": {"dist": "exponential", "mean_s": 0.2}, "memory_mb": 512},
          "workload": {"kind": "poisson", "rate_per_s": rate}}
    return lambdasim.Scenario.from_dict({"name": "size", "horizon_s": horizon_s, "seed": 4, "functions": [fn],
                                         "pricing": "aws-latest", **top})


@pytest.mark.parametrize("platform, rate, section", [
    ("fargate", 6.0, {"fargate": {"vcpu": 0.25, "memory_gb": 1}}),
    ("lmi", 24.0, {"lmi": {"instance_type": "m5.large", "memory_gb": 2, "max_concurrency": 1}})])
def test_sizing_finds_the_smallest_fixed_fleet_meeting_the_slo(platform, rate, section):
    sc = scenario(rate, **section)
    slo = {"latency_p99_s": 2.0}
    runner = Runner(1)
    s = size_fleet(sc, slo, platform=platform, runner=runner)
    assert s.platform == platform and s.instances is not None
    at = lambda n: runner.mean(fleets.with_fixed(sc, platform, n), platform)
    assert at(s.instances)["latency_p99_s"] <= 2.0
    assert s.instances > 1 and (at(s.instances - 1)["latency_p99_s"] > 2.0 or at(s.instances - 1)["dropped"] > 0)
    assert s.target is not None and s.autoscaled["latency_p99_s"] <= 2.0
    assert runner.mean(fleets.with_target(sc, platform, s.target), platform)["latency_p99_s"] <= 2.0


def test_break_even_between_fargate_and_lmi_matches_the_hand_computed_rate():
    """One 4 vCPU / 8 GB task against one m7g.large LMI instance, both ample: per request Fargate costs
    task-hour / (3600 x rate), LMI instance-hour x 1.15 / (3600 x rate) + the request price. The task-hour is
    dearer, so they cost the same where LMI's request charge pays the difference:
    rate = (task hour - LMI hour x 1.15) / 3600 / request price."""
    sc = lambdasim.Scenario.from_dict({
        "name": "be", "horizon_s": 200.0, "seed": 1, "pricing": "aws-latest",
        "functions": [{"name": "f", "duration": {"dist": "constant", "value_s": 0.001},
                       "workload": {"kind": "deterministic", "rate_per_s": 50}}],
        "fargate": {"vcpu": 4, "memory_gb": 8, "scaling": {"policy": "fixed", "instances": 1}},
        "lmi": {"instance_type": "m7g.large", "min_instances": 1, "max_instances": 1}})
    cat = load_catalogue(sc.pricing)
    task_hour = 4 * cat["fargate.vcpu_hour_usd"] + 8 * cat["fargate.gb_hour_usd"]
    lmi_hour = instance_spec("m7g.large", cat).hour_usd * (1 + cat["lmi.management_fee_fraction"])
    by_hand = (task_hour - lmi_hour) / 3600 / (cat["lmi.request_per_million_usd"] / 1e6)
    assert 20 < by_hand < 400
    be = lambdasim.break_even(sc, low=20, high=400, replications=1, platforms=("lmi", "fargate"), points=3)
    assert be.platforms == ("lmi", "fargate") and be.cheaper == ["crosses"]
    assert be.value == pytest.approx(by_hand, rel=2e-3)
    c = be.curves
    assert (c["lmi_cost_per_million_usd"] < c["fargate_cost_per_million_usd"]).iloc[0]
    assert (c["lmi_cost_per_million_usd"] > c["fargate_cost_per_million_usd"]).iloc[-1]


def test_break_even_names_two_different_known_platforms():
    sc = scenario()
    with pytest.raises(ValueError, match="platforms must be two different platforms"):
        lambdasim.break_even(sc, low=1, high=2, platforms=("ec2", "ec2"))
    with pytest.raises(ValueError, match="platforms must be two different platforms"):
        lambdasim.break_even(sc, low=1, high=2, platforms=("lambda", "azure"))
