"""EC2 Spot (``ec2.spot``): conservation, determinism, the interruption process and the bill.

The process itself is shared with Fargate Spot (``lambdasim/servers/spot.py``); the fingerprint cases
``fargate_spot*`` hold Fargate's numbers and ``ec2_spot*`` EC2's.
"""
import math

import numpy as np
import pytest

import lambdasim
from lambdasim.billing.catalogue import load_catalogue
from lambdasim.errors import ScenarioError

#: m5.large on-demand, us-east-1, on the aws-2024 date (data/pricing/ec2.yaml; FACTS.md).
M5_LARGE_HOUR_USD = 0.096


def ec2_scenario(horizon_s=3600.0, seed=0, *, interval=2.0, rate=None, duration_s=300.0, instances=4, workers=60,
                 spot=None, pricing="aws-2024", **ec2):
    workload = {"kind": "poisson", "rate_per_s": rate} if rate is not None else {"kind": "deterministic",
                                                                                "interval_s": interval}
    fn = {"name": "f", "duration": {"dist": "constant", "value_s": duration_s}, "workload": workload}
    spec = {"instance_type": "m5.large", "workers_per_instance": workers,
            "scaling": {"policy": "fixed", "instances": instances}, **ec2}
    if spot is not None:
        spec["spot"] = spot
    return lambdasim.Scenario.from_dict({"name": "t", "horizon_s": horizon_s, "seed": seed, "functions": [fn],
                                         "ec2": spec, "pricing": pricing})


def _accounted(s):
    return s["completed"] + s["dropped"] + s["in_flight"] + s["interrupted"]


# --- conservation and determinism ---------------------------------------------------------------------
@pytest.mark.parametrize("on", ["requeue", "lose"])
def test_every_arrival_is_accounted_for_with_spot(on):
    # requests of 5 minutes: longer than the 2-minute notice, so a stop cuts some
    sc = ec2_scenario(7200.0, 3, rate=0.5, duration_s=300.0, instances=6, workers=40, queue_limit=50,
                      spot={"share": 0.5, "interruptions_per_instance_hour": 2.0, "on_interruption": on})
    r = lambdasim.simulate(sc, "ec2")
    s, inv = r.summary, r.invocations
    assert s["spot_interruptions"] > 0 and s["invocations"] == len(inv) > 0
    assert _accounted(s) == s["invocations"]
    assert inv["status"].value_counts().to_dict() == {k: s[k] for k in ("completed", "dropped", "in_flight",
                                                                        "interrupted")}
    assert s["restarted"] == int((inv["restarts"] > 0).sum())
    if on == "lose":
        assert s["interrupted"] > 0 and s["restarted"] == 0
    else:
        assert s["restarted"] > 0 and s["interrupted"] == 0
    # summary records count the same requests as full records (their percentiles come from histograms)
    counts = ("invocations", "completed", "dropped", "in_flight", "interrupted", "restarted", "spot_interruptions")
    brief = lambdasim.simulate(sc, "ec2", records="summary").summary
    assert {k: brief[k] for k in counts} == {k: s[k] for k in counts}


def test_same_seed_same_spot_run_other_seed_other_notices():
    sc = ec2_scenario(7200.0, 11, rate=0.5, duration_s=300.0, instances=6, workers=40,
                      spot={"share": 0.5, "interruptions_per_instance_hour": 2.0})
    a, b = lambdasim.simulate(sc, "ec2"), lambdasim.simulate(sc, "ec2")
    assert a.summary == b.summary
    assert a.invocations.equals(b.invocations) and a.instances.equals(b.instances) and a.cost.equals(b.cost)
    other = lambdasim.simulate(sc.with_overrides({"seed": 12}), "ec2")
    assert not np.array_equal(a.instances["interrupted_s"].dropna(), other.instances["interrupted_s"].dropna())


def test_zero_interruption_rate_is_no_spot_but_for_the_price():
    base = ec2_scenario(3600.0, 5, rate=3.0, duration_s=2.0, instances=4, workers=8)
    spot = base.with_overrides({"ec2.spot": {"share": 0.5, "interruptions_per_instance_hour": 0.0}})
    a, b = lambdasim.simulate(base, "ec2"), lambdasim.simulate(spot, "ec2")
    assert a.invocations.equals(b.invocations)
    assert a.instances.drop(columns="spot").equals(b.instances.drop(columns="spot"))
    assert list(b.instances["spot"]) == [False, True, False, True] and not a.instances["spot"].any()
    money = {"cost_usd", "cost_per_million_usd", "monthly_cost_usd"}
    assert {k: v for k, v in a.summary.items() if k not in money} == \
        {k: v for k, v in b.summary.items() if k not in money}
    # the price: two of the four instance-hours at 70 % off
    saving = 2 * 1.0 * M5_LARGE_HOUR_USD * 0.70
    assert a.summary["cost_usd"] - b.summary["cost_usd"] == pytest.approx(saving, abs=1e-12)


# --- what an interruption does to the requests running at the stop -----------------------------------
def _first_stop(sc):
    """The first Spot stop of a run (notice + 2 minutes) and the instance it stops, from its instances."""
    ins = lambdasim.simulate(sc, "ec2").instances.dropna(subset=["interrupted_s"])
    first = ins.sort_values("interrupted_s").iloc[0]
    return float(first["interrupted_s"]) + load_catalogue("aws-2024")["ec2.spot_notice_s"], int(first["instance"])


def test_a_stop_loses_exactly_the_requests_running_on_the_stopped_instance():
    spot = {"share": 0.5, "interruptions_per_instance_hour": 1.0, "on_interruption": "lose"}
    stop, iid = _first_stop(ec2_scenario(7200.0, 2, spot=spot))
    # end the run just after the first stop: only that stop happens (notices are drawn at launch, before the horizon)
    r = lambdasim.simulate(ec2_scenario(math.ceil(stop) + 1.0, 2, spot=spot), "ec2")
    inv = r.invocations
    running = (inv["instance"] == iid) & (inv["start_s"] <= stop) & (inv["start_s"] + inv["duration_s"] > stop)
    lost = inv["status"] == "interrupted"
    assert running.sum() > 0 and (lost == running).all()
    np.testing.assert_array_equal(inv.loc[lost, "end_s"], stop)
    assert r.summary["interrupted"] == running.sum() and r.summary["spot_interruptions"] >= 1


def test_a_stop_requeues_the_same_requests_onto_other_instances():
    lose = {"share": 0.5, "interruptions_per_instance_hour": 1.0, "on_interruption": "lose"}
    requeue = {**lose, "on_interruption": "requeue"}
    stop, iid = _first_stop(ec2_scenario(7200.0, 2, spot=lose))
    h = math.ceil(stop) + 1.0  # only the first stop happens before the horizon
    lost = lambdasim.simulate(ec2_scenario(h, 2, spot=lose), "ec2").invocations
    lost = lost[lost["status"] == "interrupted"]
    r = lambdasim.simulate(ec2_scenario(h, 2, spot=requeue), "ec2")
    inv = r.invocations
    again = inv[inv["restarts"] > 0]
    assert len(lost) > 0 and list(again.index) == list(lost.index)  # the requests the stop cut, none other
    assert (again["restarts"] == 1).all() and (again["instance"] != iid).all()
    np.testing.assert_array_equal(again["start_s"], stop)  # started again at once: slots were free
    assert (again["status"] == "in_flight").all()  # 5 minutes of work again, past the horizon
    assert r.summary["restarted"] == len(lost) and r.summary["interrupted"] == 0
    # over a longer run, a restarted request that completes ran all of its work again after its last start
    long = lambdasim.simulate(ec2_scenario(7200.0, 2, spot=requeue), "ec2").invocations
    done = long[(long["restarts"] > 0) & (long["status"] == "completed")]
    assert len(done) > len(again)
    np.testing.assert_allclose(done["end_s"] - done["start_s"], done["duration_s"])


# --- the bill ---------------------------------------------------------------------------------------------
def test_half_spot_fleet_bill_to_the_cent():
    r = lambdasim.simulate(ec2_scenario(3600.0, spot={"share": 0.5, "interruptions_per_instance_hour": 0.0}), "ec2")
    items = r.cost.set_index("item")["amount_usd"]
    # 2 on-demand instance-hours at $0.096, 2 Spot instance-hours at $0.096 less 70 % (ec2.spot_discount, 2024)
    assert round(items["m5.large on-demand"], 2) == 0.19 and items["m5.large on-demand"] == pytest.approx(0.192)
    assert items["m5.large Spot"] == pytest.approx(0.192) and items["EC2 Spot discount"] == pytest.approx(-0.1344)
    assert round(r.summary["cost_usd"], 2) == 0.25 and r.summary["cost_usd"] == pytest.approx(0.2496, abs=1e-12)
    own = lambdasim.simulate(ec2_scenario(3600.0, spot={"share": 0.5, "interruptions_per_instance_hour": 0.0,
                                                        "discount": 0.5}), "ec2")
    assert own.summary["cost_usd"] == pytest.approx(2 * 0.096 + 2 * 0.096 * 0.5, abs=1e-12)


def test_interrupted_fleet_bills_each_instance_life_at_its_rate():
    sc = ec2_scenario(7200.0, 3, rate=0.5, duration_s=300.0, instances=6, workers=40,
                      spot={"share": 0.5, "interruptions_per_instance_hour": 2.0})
    r = lambdasim.simulate(sc, "ec2")
    ins = r.instances
    life = ins["retired_s"].fillna(7200.0).clip(upper=7200.0) - ins["launched_s"]
    billed_h = np.maximum(np.ceil(np.round(life, 9)), 60.0) / 3600.0  # per second, 60 s minimum
    spot = ins["spot"].to_numpy()
    # the 3 on-demand instances run throughout; each interrupted Spot one is replaced by a Spot one
    assert spot.sum() == 3 + r.summary["spot_interruptions"] > 3 and (~spot).sum() == 3
    want = billed_h[~spot].sum() * 0.096 + billed_h[spot].sum() * 0.096 * (1 - 0.70)
    assert r.summary["cost_usd"] == pytest.approx(want, abs=1e-9)
    assert round(r.summary["cost_usd"], 2) == round(want, 2)


# --- bad input ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("spot, pricing, words", [
    ({"share": 1.5}, "aws-2024", "ec2.spot.share"),
    ({"share": 0.5, "discount": 0.95}, "aws-2024", "ec2.spot.discount"),
    ({"share": 0.5, "on_interruption": "retry"}, "aws-2024", "ec2.spot.on_interruption"),
    ({"share": 0.5}, {"preset": "aws-2024", "ec2_purchase": "spot", "ec2_discount": 0.5}, "pricing.ec2_purchase"),
])
def test_bad_spot_sections_are_rejected_by_field(spot, pricing, words):
    with pytest.raises(ScenarioError, match=words.replace(".", r"\.")):
        ec2_scenario(spot=spot, pricing=pricing)


def test_commitments_cover_only_the_on_demand_instances():
    """Savings Plans and reservations do not apply to Spot: the hourly usage a commitment is fitted to is the
    on-demand instances' alone (two of four m5.large for two hours: $0.192 an hour)."""
    r = lambdasim.simulate(ec2_scenario(7200.0, spot={"share": 0.5, "interruptions_per_instance_hour": 0.0}), "ec2")
    np.testing.assert_allclose(r.hourly_compute_usd(), [2 * M5_LARGE_HOUR_USD] * 2, rtol=1e-12)
    none = lambdasim.simulate(ec2_scenario(7200.0), "ec2")
    np.testing.assert_allclose(none.hourly_compute_usd(), [4 * M5_LARGE_HOUR_USD] * 2, rtol=1e-12)
    every = lambdasim.simulate(ec2_scenario(7200.0, spot={"share": 1.0, "interruptions_per_instance_hour": 0.0}), "ec2")
    assert (every.hourly_compute_usd() == 0).all()


def test_unstated_interruption_rate_is_the_catalogues_dated_default():
    """No rate in the scenario: the run uses the catalogue's dated ec2.spot_interruptions_per_hour (0.05 / 720 on
    the aws-2024 date), the same numbers as stating that rate; a stated rate wins."""
    from lambdasim.servers.spot import spot_rate

    cat = load_catalogue("aws-2024")
    assert cat["ec2.spot_interruptions_per_hour"] == pytest.approx(0.05 / 720, rel=1e-12)
    assert load_catalogue("aws-2024")["fargate.spot_interruptions_per_hour"] == pytest.approx(0.05 / 720, rel=1e-12)
    assert spot_rate(2.0, cat, "ec2.spot_interruptions_per_hour") == 2.0
    assert spot_rate(None, None, "ec2.spot_interruptions_per_hour") == 0.0  # nothing on Spot: never used
    # a high catalogue rate (an override), so that the rate really decides the run
    high = {"preset": "aws-2024", "overrides": {"ec2.spot_interruptions_per_hour": 2.0}}
    unstated = ec2_scenario(7200.0, 3, rate=0.5, duration_s=300.0, instances=6, workers=40, pricing=high,
                            spot={"share": 0.5})
    stated = ec2_scenario(7200.0, 3, rate=0.5, duration_s=300.0, instances=6, workers=40, pricing=high,
                          spot={"share": 0.5, "interruptions_per_instance_hour": 2.0})
    a = lambdasim.simulate(unstated, "ec2", records="summary").summary
    b = lambdasim.simulate(stated, "ec2", records="summary").summary
    assert a["spot_interruptions"] > 0
    assert a == b
    quiet = ec2_scenario(7200.0, 3, rate=0.5, duration_s=300.0, instances=6, workers=40, spot={"share": 0.5})
    assert lambdasim.simulate(quiet, "ec2", records="summary").summary["spot_interruptions"] < a["spot_interruptions"]
