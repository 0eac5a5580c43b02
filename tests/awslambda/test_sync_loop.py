"""The tight sync loop (awslambda/sync_loop.py and timers.window) against the general driver.

The general path (:meth:`LambdaModel.start` driven by ``_drive``) is the reference: with ``eligible``
forced off, the same scenario must give the same records bit for bit. The cases reach every window
variant: one function (the held-instance loops ``_window_one`` and ``timers._window_lean_one``) and
several, fixed and dated keep-alive, an account limit that throttles, burst budgets that throttle cold
starts, keep-alives short enough to expire instances, and constant run times (ties in the heap).
"""
from __future__ import annotations

import pytest
from hypothesis import example, given, settings, strategies as st

import lambdasim
from lambdasim.awslambda import model as model_mod
from lambdasim.awslambda import sync_loop, timers
from lambdasim.billing.catalogue import load_catalogue


def _scenario(seed: int, n_functions: int, keep_alive, selection: str, limit: int, burst: bool,
              constant: bool) -> lambdasim.Scenario:
    gusts = {"kind": "bursty", "base_rate_per_s": 0.2, "burst_rate_per_s": 8, "mean_burst_s": 20, "mean_gap_s": 300}
    duration = {"dist": "constant", "value_s": 2.0} if constant else {"dist": "exponential", "mean_s": 2.0}
    lam = {"keep_alive": keep_alive, "instance_selection": selection, "account_concurrency": limit}
    if burst:
        lam["scaling"] = {"model": "per_function_2023", "per_function_limit": 5, "per_function_window_s": 10}
    fns = [{"name": "f", "duration": duration, "workload": gusts, "init": {"preset": "python3.12"}}]
    if n_functions > 1:
        fns.append({"name": "g", "duration": {"dist": "exponential", "mean_s": 1.0},
                    "workload": {"kind": "poisson", "rate_per_s": 0.5}})
    return lambdasim.Scenario.from_dict({"name": "t", "horizon_s": 3000, "seed": seed, "lambda": lam,
                                         "functions": fns})


def _both(sc: lambdasim.Scenario):
    assert model_mod.eligible(model_mod.LambdaModel(sc, load_catalogue(sc.pricing)))
    fast = lambdasim.simulate(sc)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(model_mod, "eligible", lambda m: False)
        slow = lambdasim.simulate(sc)
    return fast, slow


KEEP_ALIVES = [{"policy": "fixed", "idle_s": 600}, {"policy": "fixed", "idle_s": 3},
               {"policy": "fixed", "idle_s": 0}, {"preset": "aws-2021"}, {"preset": "aws-2018"},
               {"policy": "fixed", "idle_s": [2, 9], "max_lifetime_s": [30, 90]}]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 50), n_functions=st.sampled_from([1, 2]), keep_alive=st.sampled_from(KEEP_ALIVES),
       selection=st.sampled_from(["mru", "lru"]), limit=st.sampled_from([4, 1000]), burst=st.booleans(),
       constant=st.booleans())
def test_tight_loop_gives_the_general_paths_records(seed, n_functions, keep_alive, selection, limit, burst, constant):
    fast, slow = _both(_scenario(seed, n_functions, keep_alive, selection, limit, burst, constant))
    assert fast.summary == slow.summary
    for a, b in ((fast.invocations, slow.invocations), (fast.instances, slow.instances)):
        assert a.equals(b)


@pytest.mark.parametrize("keep_alive, window", [({"policy": "fixed", "idle_s": 3}, "_window_one"),
                                                ({"preset": "aws-2021"}, "_window_lean_one")])
def test_one_function_loops_run_and_see_throttles_expiries_and_reuse(keep_alive, window):
    """The held-instance loops are the ones that run for one function under mru, and the case exercises
    every branch they have: throttled arrivals, cold starts, warm reuse and expired instances."""
    sc = _scenario(3, 1, keep_alive, "mru", 4, False, False)
    mod = sync_loop if window == "_window_one" else timers
    calls = []
    real = getattr(mod, window)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LAMBDASIM_KERNEL", "python")  # the Python loop, not its compiled copy (test_kernel.py)
        mp.setattr(mod, window, lambda *a: calls.append(1) or real(*a))
        if window == "_window_one":
            mp.setattr(sync_loop, "_window_shared", lambda *a: pytest.fail("the shared loop ran"))
        fast = lambdasim.simulate(sc)
    assert calls
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(model_mod, "eligible", lambda m: False)
        slow = lambdasim.simulate(sc)
    s = fast.summary
    assert s["throttled"] > 0 and s["cold_starts"] > 1 and s["invocations"] - s["cold_starts"] - s["throttled"] > 0
    assert fast.instances["retired_s"].notna().sum() > 0  # instances expired during the run
    assert fast.invocations.equals(slow.invocations) and fast.instances.equals(slow.instances)


@settings(max_examples=25, deadline=None)
@given(periods=st.lists(st.sampled_from([0.25, 0.5, 1.0, 2.0]), min_size=1, max_size=3),
       run_s=st.sampled_from([0.25, 0.5, 1.0, 2.0, 3.0]), init_s=st.sampled_from([0.0, 0.25, 1.0]),
       keep_alive=st.sampled_from([{"policy": "fixed", "idle_s": 0}, {"policy": "fixed", "idle_s": 0.5},
                                   {"policy": "fixed", "idle_s": 600}, {"preset": "aws-2021"},
                                   {"policy": "fixed", "idle_s": [0.5, 1.0], "max_lifetime_s": [2, 4]}]),
       limit=st.sampled_from([2, 3, 1000]))
def test_one_function_loops_with_ties_everywhere(periods, run_s, init_s, keep_alive, limit):
    """Arrivals on a grid of quarter seconds (several at one instant), constant run and INIT times that
    land ends on arrival instants and expiries on arrival instants: executions finishing at ``t`` exactly,
    several at once (the held-instance loops' multi-release branch and heap ties broken by instance id),
    instances expiring exactly at an arrival, throttles."""
    workload = {"kind": "superpose",
                "components": [{"kind": "deterministic", "interval_s": p, "start_s": 0.25 * k} for k, p in enumerate(periods)]}
    sc = lambdasim.Scenario.from_dict({
        "name": "ties", "horizon_s": 300, "seed": 1,
        "lambda": {"keep_alive": keep_alive, "instance_selection": "mru", "account_concurrency": limit},
        "functions": [{"name": "f", "duration": {"dist": "constant", "value_s": run_s}, "workload": workload,
                       "init": {"dist": "constant", "value_s": init_s}}]})
    fast, slow = _both(sc)
    assert fast.summary == slow.summary
    assert fast.invocations.equals(slow.invocations) and fast.instances.equals(slow.instances)


@settings(max_examples=30, deadline=None)
@given(periods=st.lists(st.sampled_from([0.25, 0.5, 1.0, 2.0]), min_size=2, max_size=3),
       run_s=st.lists(st.sampled_from([0.25, 0.5, 1.0, 3.0]), min_size=3, max_size=3),
       init_s=st.sampled_from([0.0, 0.25, 1.0]), idle_s=st.sampled_from([0, 0.5, 1.0, 600]),
       selection=st.sampled_from(["mru", "lru"]), limit=st.sampled_from([2, 3, 1000]), burst=st.booleans())
@example(periods=[0.25, 0.25], run_s=[0.25, 0.25, 0.25], init_s=0.0, idle_s=0, selection="mru", limit=1000,
         burst=True)  # every release at an arrival, the held instance expired, the budget spent: throttled there
def test_shared_loop_with_ties_everywhere(periods, run_s, init_s, idle_s, selection, limit, burst):
    """Several functions on grids of quarter seconds under the shared loop (``_window_shared``): executions
    of one function and of others finishing at an arrival instant (the held root of the arrival's own
    function, or another's put on its deque), the held instance expiring exactly then, throttles by the
    account limit and by burst budgets in a released slot."""
    fns = [{"name": f"f{k}", "duration": {"dist": "constant", "value_s": run_s[k]},
            "workload": {"kind": "deterministic", "interval_s": p, "start_s": 0.25 * k},
            "init": {"dist": "constant", "value_s": init_s}} for k, p in enumerate(periods)]
    lam = {"keep_alive": {"policy": "fixed", "idle_s": idle_s}, "instance_selection": selection,
           "account_concurrency": limit}
    if burst:
        lam["scaling"] = {"model": "per_function_2023", "per_function_limit": 1, "per_function_window_s": 2}
    sc = lambdasim.Scenario.from_dict({"name": "ties", "horizon_s": 200, "seed": 1, "lambda": lam, "functions": fns})
    calls = []
    real = sync_loop._window_shared
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sync_loop, "_window_shared", lambda *a: calls.append(1) or real(*a))
        fast, slow = _both(sc)
    assert calls
    assert fast.summary == slow.summary
    assert fast.invocations.equals(slow.invocations) and fast.instances.equals(slow.instances)
