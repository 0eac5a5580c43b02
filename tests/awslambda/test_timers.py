"""The keep-alive timers on hand-made traces: function timer, spare-instance timer, lifetime cap, ranges."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import lambdasim
from lambdasim.awslambda.instances import InstanceLog
from lambdasim.awslambda.pool import open_pool
from lambdasim.awslambda.timers import TimerPool
from lambdasim.errors import ScenarioError
from support.platforms import conserved


def _pool(**timers) -> TimerPool:
    return TimerPool(0, "mru", InstanceLog(["f"]), None, np.random.default_rng(1), **timers)


def test_function_timer_retires_a_lone_instance_idle_s_after_the_functions_last_run():
    p = _pool(function_idle_s=640.0)
    a = p.create(0.0, 0.0)
    p.release(a, 10.0)
    assert p.take(649.9) == a            # 639.9 s after the last run: still warm
    p.release(a, 650.0)
    assert p.take(1290.0) == -1          # 640 s after: gone
    assert p.log.rows[a][3] == 1290.0    # retired at exactly last run + 640 s


def test_spare_instance_lives_while_others_serve_until_its_own_timer():
    p = _pool(function_idle_s=640.0, instance_idle_s=1500.0)
    a, b = p.create(0.0, 0.0), p.create(0.0, 0.0)
    p.release(a, 1.0)                    # a is spare from t = 1
    p.release(b, 2.0)
    t = 2.0
    while t < 1200:                      # b serves every 300 s; mru always picks b, the most recently freed
        t += 300.0
        assert p.take(t) == b
        p.release(b, t + 1.0)
    assert math.isnan(p.log.rows[a][3])  # idle 1,200+ s > 640 s, but the function never went quiet: alive
    assert p.take(1600.0) == b           # b freed at 1,203; a's own timer ran out at 1 + 1,500 = 1,501
    assert p.log.rows[a][3] == 1501.0
    p.release(b, 1601.0)
    assert p.take(1601.0 + 640.0) == -1  # then the function timer takes the last one
    assert p.log.rows[b][3] == 2241.0


def test_without_a_spare_timer_spares_live_until_the_function_goes_quiet():
    p = _pool(function_idle_s=100.0)
    a, b = p.create(0.0, 0.0), p.create(0.0, 0.0)
    p.release(a, 1.0)
    p.release(b, 2.0)
    for k in range(1, 20):               # b alone serves every 50 s for ~1,000 s
        assert p.take(2.0 + 50 * k) == b
        p.release(b, 2.0 + 50 * k + 1)
    assert math.isnan(p.log.rows[a][3])
    p.close(2.0 + 50 * 19 + 1 + 100)     # quiet for 100 s at the end: both go at that time
    assert p.log.rows[a][3] == p.log.rows[b][3] == 2.0 + 50 * 19 + 1 + 100


def test_lifetime_cap_retires_a_busy_instance_when_its_call_ends():
    p = _pool(instance_idle_s=600.0, max_lifetime_s=7200.0)
    a = p.create(0.0, 0.0)
    t = 0.0
    while t < 7000:
        p.release(a, t + 10.0)
        t += 100.0
        assert p.take(t) == a
    p.release(a, 7300.0)                 # busy past its 2 h: retired when this call ends
    assert p.log.rows[a][3] == 7300.0
    assert p.take(7301.0) == -1


def test_lifetime_cap_retires_an_idle_instance_at_its_age():
    p = _pool(instance_idle_s=600.0, max_lifetime_s=1000.0)
    a = p.create(0.0, 0.0)
    p.release(a, 900.0)
    assert p.take(1200.0) == -1 and p.log.rows[a][3] == 1000.0


def test_ranged_timers_are_drawn_per_instance_within_the_range():
    p = _pool(instance_idle_s=(300.0, 420.0), max_lifetime_s=(6000.0, 7380.0))
    gids = [p.create(0.0, 0.0) for _ in range(400)]
    for g in gids:
        p.release(g, 1.0)
    p.close(5000.0)
    retired = np.array([r[3] for r in p.log.rows]) - 1.0
    assert retired.min() >= 300 and retired.max() <= 420
    assert abs(retired.mean() - 360) < 5 and retired.std() > 30   # uniform: sd 34.6 s
    assert all(6000 <= d <= 7380 for d in p.dies.values()) or not p.dies


@pytest.mark.parametrize("selection", ["mru", "lru"])
def test_timer_pool_with_one_fixed_timer_matches_the_plain_pool(selection):
    """The same trace through InstancePool and TimerPool: identical records."""
    rng = np.random.default_rng(4)
    logs = InstanceLog(["f"]), InstanceLog(["f"])
    pools = (open_pool(0, 30.0, selection, logs[0], None, 500.0, False),
             TimerPool(0, selection, logs[1], None, None, instance_idle_s=30.0, max_lifetime_s=500.0))
    picks = ([], [])
    for k, pool in enumerate(pools):
        r = np.random.default_rng(4)
        busy = []                        # (end, gid)
        t = 0.0
        for _ in range(2000):
            t += r.exponential(3.0)
            busy.sort()
            while busy and busy[0][0] <= t:
                end, g = busy.pop(0)
                pool.release(g, end)
            g = pool.take(t)
            if g < 0:
                g = pool.create(t, 0.5)
            picks[k].append(g)
            busy.append((t + r.exponential(5.0), g))
        pool.close(t)
    assert picks[0] == picks[1]
    a, b = logs[0].array(), logs[1].array()
    assert np.array_equal(np.nan_to_num(a, nan=-1), np.nan_to_num(b, nan=-1))
    del rng


def _sc(keep_alive, rate=0.05, horizon=20_000, seed=1, pricing="aws-2024", selection=None):
    lam = {} if keep_alive is None else {"keep_alive": keep_alive}
    if selection:
        lam["instance_selection"] = selection
    return lambdasim.Scenario.from_dict({
        "name": "t", "horizon_s": horizon, "seed": seed, "pricing": pricing, "lambda": lam,
        "functions": [{"name": "f", "duration": {"dist": "exponential", "mean_s": 2.0},
                       "init": {"dist": "constant", "value_s": 0.2},
                       "workload": {"kind": "poisson", "rate_per_s": rate}}]})


PRESETS = ["aws-2016", "aws-2018", "aws-2020", "aws-2021"]


@settings(max_examples=12, deadline=None)
@given(preset=st.sampled_from(PRESETS), rate=st.sampled_from([0.002, 0.05, 1.0]), seed=st.integers(0, 50),
       selection=st.sampled_from(["mru", "lru", "random"]))
def test_every_preset_conserves_and_is_deterministic(preset, rate, seed, selection):
    sc = _sc({"preset": preset}, rate=rate, horizon=5000, seed=seed, selection=selection)
    a, b = lambdasim.simulate(sc), lambdasim.simulate(sc)
    assert conserved(a.summary)
    assert a.summary == b.summary
    inv, ins = a.invocations, a.instances
    assert inv["instance"].max() < len(ins)
    life = ins["retired_s"].fillna(sc.horizon_s) - ins["created_s"]
    assert (life >= 0).all()
    # no instance serves a call after it was retired
    last = inv[inv["status"] != "throttled"].groupby("instance")["start_s"].max()
    assert (last.to_numpy() <= ins.loc[last.index, "retired_s"].fillna(math.inf).to_numpy()).all()


def test_keep_alive_follows_the_pricing_date():
    from lambdasim.awslambda.keepalive import in_force
    cases = {"aws-2015": "aws-2016", "aws-2024": "aws-2021"}
    for pricing, era in cases.items():
        sc = _sc(None, pricing=pricing)
        assert sc.lambda_.keep_alive is None
        assert in_force(None, sc.pricing.date).preset == era
    sc = _sc(None, pricing={"as_of": "2020-06-01"})
    ka = in_force(sc.lambda_.keep_alive, sc.pricing.date)
    assert ka.policy == "function_idle" and ka.idle_s == 640 and ka.spare_idle_s == (640, 1530)


def test_stated_keep_alive_wins_over_the_date_and_numbers_override_a_preset():
    sc = _sc({"policy": "fixed", "idle_s": 600}, pricing={"as_of": "2020-06-01"})
    assert sc.lambda_.keep_alive.policy == "fixed"
    ka = _sc({"preset": "aws-2020", "idle_s": 700}).lambda_.keep_alive
    assert ka.policy == "function_idle" and ka.idle_s == 700 and ka.max_lifetime_s == (6000, 7380)
    again = lambdasim.Scenario.from_dict(_sc({"preset": "aws-2020", "idle_s": 700}).to_dict())
    assert again.lambda_.keep_alive == ka


@pytest.mark.parametrize("bad, words", [
    ({"preset": "aws-1999"}, ["unknown preset", "aws-2020"]),
    ({"idle_s": [5, 1]}, ["low <= high"]),
    ({"idle_s": [1, 2, 3]}, ["range [low, high]"]),
    ({"idle_s": -1}, ["number of seconds"]),
    ({"policy": "fixed", "spare_idle_s": 100}, ["function_idle", "spare_idle_s"]),
    ({"policy": "hybrid_histogram", "idle_s": [1, 2]}, ["one number"]),
])
def test_bad_keep_alive_gives_one_clear_error(bad, words):
    with pytest.raises(ScenarioError) as e:
        _sc(bad)
    msg = str(e.value)
    assert "keep_alive" in msg and all(w in msg for w in words), msg


@settings(max_examples=10, deadline=None)
@given(preset=st.sampled_from(["aws-2018", "aws-2020", "aws-2021"]), seed=st.integers(0, 20),
       selection=st.sampled_from(["mru", "lru", "random"]), reserved=st.sampled_from([None, 3]), burst=st.booleans())
def test_tight_loop_on_timer_pools_gives_the_general_paths_records(preset, seed, selection, reserved, burst):
    """sync_loop runs TimerPool pools through timers.window; the general driver (LambdaModel.start) is the
    reference: the same records, bit for bit, with every preset on TimerPool, any selection, limit and burst budget."""
    from lambdasim.awslambda import model as model_mod
    from lambdasim.billing.catalogue import load_catalogue
    gusts = {"kind": "bursty", "base_rate_per_s": 0.05, "burst_rate_per_s": 6, "mean_burst_s": 20,
             "mean_gap_s": 900}
    lam = {"keep_alive": {"preset": preset}, "instance_selection": selection, "account_concurrency": 12}
    if burst:
        lam["scaling"] = {"model": "per_function_2023", "per_function_limit": 4, "per_function_window_s": 10}
    sc = lambdasim.Scenario.from_dict({
        "name": "t", "horizon_s": 9000, "seed": seed, "lambda": lam,
        "functions": [{"name": "f", "duration": {"dist": "exponential", "mean_s": 2.0}, "workload": gusts,
                       "init": {"preset": "python3.12"}, "reserved_concurrency": reserved},
                      {"name": "g", "duration": {"dist": "exponential", "mean_s": 1.0},
                       "workload": {"kind": "poisson", "rate_per_s": 0.01}}]})
    fast = lambdasim.simulate(sc)
    assert model_mod.eligible(model_mod.LambdaModel(sc, load_catalogue(sc.pricing)))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(model_mod, "eligible", lambda m: False)
        slow = lambdasim.simulate(sc)
    assert fast.summary == slow.summary
    for a, b in ((fast.invocations, slow.invocations), (fast.instances, slow.instances)):
        assert a.equals(b)
