"""Spot share after interruptions (``lambdasim/servers/spot.py``), for EC2 Spot and Fargate Spot alike.

The group keeps the stated share of its live servers on Spot, as an EC2 Auto Scaling group with a mixed
instances policy does (``OnDemandPercentageAboveBaseCapacity``; "When a Spot Instance is terminated, Amazon EC2
Auto Scaling group attempts to launch a replacement instance to maintain the desired capacity for the group",
AWS CloudFormation, AWS::AutoScaling::AutoScalingGroup MixedInstancesPolicy, docs.aws.amazon.com/AWSCloudFormation/
latest/UserGuide/aws-properties-autoscaling-autoscalinggroup-mixedinstancespolicy.html, read 2026-11-30; the share is
InstancesDistribution's OnDemandPercentageAboveBaseCapacity, docs.aws.amazon.com/autoscaling/ec2/APIReference/
API_InstancesDistribution.html) and an ECS service with a capacity provider strategy does (FARGATE / FARGATE_SPOT
weights, docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html). So the
replacement of an interrupted Spot server is Spot again, and a scale-in removes servers of the market that is
over its share.
"""
import math

import numpy as np
import pytest

import lambdasim
from lambdasim.billing.catalogue import load_catalogue

NOTICE_S = load_catalogue("aws-2024")["ec2.spot_notice_s"]  # 120 s: the interrupted server still runs (billed)


def _scenario(platform, horizon_s, seed, *, share, rate_per_h, scaling, on="requeue"):
    fn = {"name": "f", "duration": {"dist": "constant", "value_s": 200.0},
          "workload": {"kind": "poisson", "rate_per_s": 0.05}}
    if platform == "ec2":
        section = {"ec2": {"instance_type": "m5.large", "workers_per_instance": 4, "scaling": scaling,
                           "spot": {"share": share, "interruptions_per_instance_hour": rate_per_h,
                                    "on_interruption": on}}}
    else:
        section = {"fargate": {"workers_per_task": 4, "scaling": scaling,
                               "spot": {"share": share, "interruptions_per_task_hour": rate_per_h,
                                        "on_interruption": on}}}
    return lambdasim.Scenario.from_dict({"name": "t", "horizon_s": horizon_s, "seed": seed, "functions": [fn],
                                         "pricing": "aws-2024", **section})


def _live_until(ins):
    """When each server stopped counting towards the group: its notice, else its retirement (NaN: still live)."""
    return ins["interrupted_s"].fillna(ins["retired_s"]).fillna(np.inf).to_numpy()


def _live_counts(ins, t):
    launched, until, spot = ins["launched_s"].to_numpy(), _live_until(ins), ins["spot"].to_numpy()
    live = (launched <= t) & (t < until)
    return int(live.sum()), int((live & spot).sum())


def _spot_hour_share(ins, horizon_s):
    life = np.clip(ins["retired_s"].fillna(horizon_s).to_numpy(), None, horizon_s) - ins["launched_s"].to_numpy()
    spot = ins["spot"].to_numpy()
    return life[spot].sum() / life.sum(), life.sum()


@pytest.mark.parametrize("platform", ["ec2", "fargate"])
@pytest.mark.parametrize("share", [0.5, 0.3])
def test_spot_share_of_instance_hours_stays_at_the_stated_share_over_many_interruptions(platform, share):
    # 10 servers for 48 hours, each Spot one interrupted once an hour on average: hundreds of interruptions
    horizon, rate = 48 * 3600.0, 1.0
    sc = _scenario(platform, horizon, 4, share=share, rate_per_h=rate, scaling={"policy": "fixed", "instances": 10})
    r = lambdasim.simulate(sc, platform, records="summary")
    ins, n_int = r.instances, r.summary["spot_interruptions"]
    assert n_int > 0.8 * rate * 48 * math.floor(10 * share + 1e-9)  # about one per Spot server-hour
    # at every moment the group's live servers are 10, floor(10 x share) of them on Spot
    for t in np.linspace(0.0, horizon, 997, endpoint=False):
        assert _live_counts(ins, t) == (10, math.floor(10 * share + 1e-9))
    # instance-hours: the stated share, plus each interrupted server's notice (it runs on, billed, while its
    # Spot replacement boots): a Spot server-hour is followed by rate x notice extra Spot hours on average
    got, hours = _spot_hour_share(ins, horizon)
    s = math.floor(10 * share + 1e-9) / 10
    extra = rate * NOTICE_S / 3600.0
    tolerance = s * extra + 0.005  # stated: the notice overlap (at most 3.3 % of the Spot hours) + 0.5 point
    assert abs(got - share) <= tolerance
    # and the overlap accounts for the difference exactly: every notice of a server in service adds 120 s
    drained = (ins["interrupted_s"].notna() & (ins["retired_s"] > ins["interrupted_s"])).to_numpy()
    overlap = np.minimum(ins["retired_s"].to_numpy()[drained], horizon) - ins["interrupted_s"].to_numpy()[drained]
    assert (got * hours - overlap.sum()) / (hours - overlap.sum()) == pytest.approx(s, abs=1e-9)


@pytest.mark.parametrize("platform", ["ec2", "fargate"])
@pytest.mark.parametrize("on", ["requeue", "lose"])
def test_share_holds_through_scale_out_and_scale_in_and_requests_are_conserved(platform, on):
    # a schedule that grows and shrinks the group while Spot servers are interrupted
    schedule = [{"at_s": 3600.0 * k, "desired": d} for k, d in enumerate([7, 12, 5, 9, 3, 11, 6, 8], start=1)]
    horizon = 10 * 3600.0
    sc = _scenario(platform, horizon, 9, share=0.4, rate_per_h=2.0, on=on,
                   scaling={"policy": "scheduled", "instances": 4, "schedule": schedule})
    r = lambdasim.simulate(sc, platform)
    ins, s = r.instances, r.summary
    assert s["spot_interruptions"] > 40
    for t in np.linspace(0.0, horizon, 1999, endpoint=False):
        live, spot = _live_counts(ins, t)
        if any(0 <= t - a["at_s"] <= 200.0 for a in schedule):
            continue  # a scaled-in server drains its 200 s requests after the action (its table shows no leave time)
        assert spot == math.floor(live * 0.4 + 1e-9), t
    # conservation: every arrival completed, dropped, in flight or lost to a stop (requeued work counted)
    assert s["completed"] + s["dropped"] + s["in_flight"] + s["interrupted"] == s["invocations"] == len(r.invocations)
    if on == "requeue":
        assert s["restarted"] > 0 and s["interrupted"] == 0
        assert s["restarted"] == int((r.invocations["restarts"] > 0).sum())
    else:
        assert s["interrupted"] > 0 and s["restarted"] == 0


def test_without_interruptions_the_launch_order_is_the_weighted_round_robin():
    # no interruption, no scale-in: the k-th launch is Spot exactly when is_spot(k, share) says so
    from lambdasim.servers.spot import is_spot
    sc = _scenario("ec2", 3600.0, 1, share=0.3, rate_per_h=0.0, scaling={"policy": "fixed", "instances": 20})
    ins = lambdasim.simulate(sc, "ec2", records="summary").instances
    assert list(ins["spot"]) == [is_spot(k, 0.3) for k in range(20)] and int(ins["spot"].sum()) == 6


def test_spot_fleet_keeps_its_share_through_any_sequence_of_launches_scale_ins_and_notices():
    # the fleet alone, driven by random scale-outs, scale-ins and Spot notices: after every step the live servers
    # (recounted from their states) hold floor(live x share) Spot ones, and the fleet's own count agrees
    from lambdasim.servers.fleet import IN_SERVICE, PENDING
    from lambdasim.servers.spot import SpotFleet
    rng = np.random.default_rng(5)
    for share in (0.0, 0.25, 0.4, 2 / 3, 1.0):
        f = SpotFleet(2, 30.0, spot_share=share)
        f.set_desired(6, 0.0)
        t = 0.0
        for _ in range(400):
            t += float(rng.exponential(20.0))
            f.advance(t)
            if rng.random() < 0.5:
                f.set_desired(int(rng.integers(0, 15)), t)
            else:
                spot_live = [i for i, st in enumerate(f.state) if st in (PENDING, IN_SERVICE) and f.spot[i]]
                if spot_live:
                    f.interrupt(int(rng.choice(spot_live)), t, 120.0)
            live = [i for i, st in enumerate(f.state) if st in (PENDING, IN_SERVICE)]
            n_spot = sum(f.spot[i] for i in live)
            assert n_spot == f.spot_live == math.floor(len(live) * share + 1e-9), (share, t)
            assert len(live) == f.active
