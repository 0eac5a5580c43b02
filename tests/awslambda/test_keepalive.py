"""Keep-alive policies: fixed, hybrid histogram (Shahrad et al., ATC 2020), maximum instance lifetime."""
import numpy as np
import pytest

import lambdasim
from lambdasim.awslambda.instances import InstanceLog
from lambdasim.awslambda.keepalive import HistogramPool, KeepAlive
from support.platforms import conserved, scenario

EVERY_15_MIN = {"kind": "deterministic", "interval_s": 900}


def _run(keep_alive):
    sc = scenario(EVERY_15_MIN, 4 * 86400, duration_s=1.0, init_s=1.0, lam={"keep_alive": keep_alive})
    s = lambdasim.simulate(sc).summary
    assert conserved(s)
    return s["cold_starts"], (s["mean_instances"] - s["mean_busy_instances"]) * sc.horizon_s


def test_hybrid_histogram_beats_fixed_policies_on_a_periodic_workload():
    cold10, _ = _run({"policy": "fixed", "idle_s": 600})
    cold20, idle20 = _run({"policy": "fixed", "idle_s": 1200})
    cold_h, idle_h = _run({"policy": "hybrid_histogram", "idle_s": 600})
    assert cold10 == 384 and cold20 == 1           # every call cold; only the first
    assert cold_h <= 0.05 * cold10                 # nearly all removed (the histogram's learning calls remain)
    assert idle_h < 0.5 * idle20


def test_histogram_windows_follow_head_and_tail_percentiles():
    pool = HistogramPool(0, KeepAlive(policy="hybrid_histogram", idle_s=600), InstanceLog(["f"]), 0.0)
    assert pool.windows() == (0.0, 600)             # too few samples: the fixed policy
    for x in [14.5 * 60] * 50:
        pool.observe(x)
    pre, keep = pool.windows()
    assert pre == pytest.approx(14 * 60 * 0.9) and keep == pytest.approx(15 * 60 * 1.1)


def test_unrepresentative_histogram_falls_back_to_fixed():
    ka = KeepAlive(policy="hybrid_histogram", idle_s=600)
    flat = HistogramPool(0, ka, InstanceLog(["f"]), 0.0)
    for k in range(240):                            # one sample in every bin: CV 0
        flat.observe(k * 60 + 30)
    assert flat.windows() == (0.0, 600)
    far = HistogramPool(0, ka, InstanceLog(["f"]), 0.0)
    for _ in range(50):
        far.observe(5 * 3600)                       # beyond the 4-hour range
    assert far.windows() == (0.0, 600)


def test_max_lifetime_recycles_instances_even_when_busy():
    w = {"kind": "poisson", "rate_per_s": 5}
    dur = {"dist": "exponential", "mean_s": 1.0}
    sc = scenario(w, 20_000, duration_s=dur, lam={"keep_alive": {"idle_s": 600, "max_lifetime_s": 7200}})
    r = lambdasim.simulate(sc)
    ins, inv = r.instances, r.invocations
    life = (ins["retired_s"].fillna(sc.horizon_s) - ins["created_s"]).to_numpy()
    assert life.max() <= 7200 + inv["duration_s"].max()
    ran_on = inv.groupby("instance")["end_s"].max()
    assert (ran_on.to_numpy() <= ins.loc[ran_on.index, "created_s"].to_numpy() + 7200 + inv["duration_s"].max()).all()
    plain = lambdasim.simulate(scenario(w, 20_000, duration_s=dur, lam={"keep_alive": {"idle_s": 600}})).summary
    assert r.summary["cold_starts"] > plain["cold_starts"]
    assert conserved(r.summary)
