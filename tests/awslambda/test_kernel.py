"""The compiled sync kernel (awslambda/kernel.py, ``lambdasim[fast]``) against the pure-Python loop.

``sync_loop._window_one`` is the reference. The property test runs one window through both on copies of
the same state (a busy heap, an idle deque, an instance log, a limiter, a burst budget, all left by an
earlier window) and compares everything bit for bit: the instance per arrival, the cold and throttled
rows, the instances created and retired (ids, times, order of the log's running totals), the busy
executions (each side's heap a valid heap of the same pairs: the (end, instance) pairs are totally ordered,
instance ids being distinct, so any valid layout pops in the same order; the Python loop reuses the root with
``heapreplace`` where the kernel pops and pushes, and the layouts may differ), the idle deque, the limiter's counts, the peak concurrency and the budget's state. Arrival gaps,
run times and INIT times are drawn from a few values (ties in the heap's end times, arrivals at the same
instant, expiries exactly at an arrival) or from any float.
"""
from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import event, given, settings, strategies as st

import lambdasim
from lambdasim.awslambda import sync_loop
from lambdasim.awslambda.concurrency import ConcurrencyLimiter
from lambdasim.awslambda.instances import InstanceLog
from lambdasim.awslambda.pool import InstancePool
from lambdasim.awslambda.scaling import SlidingWindowBudget, SteppedBudget
from lambdasim.errors import LambdasimError

pytest.importorskip("numba")
kernel = pytest.importorskip("lambdasim.awslambda.kernel")

GRID = [0.0, 0.25, 0.5, 1.0, 2.0, 3.0]  # a coarse grid: equal end times and expiries exactly at arrivals


def _model(ka: float, cap: int, budget: str, keep: bool):
    log = InstanceLog(["f"], keep=keep)
    budgets = {"none": None, "window": [SlidingWindowBudget(2, 5)], "stepped": [SteppedBudget(3, 2, 4)]}[budget]
    return SimpleNamespace(_busy=[], pools=[InstancePool(0, ka, "mru", log)], limiter=ConcurrencyLimiter(cap, [None]),
                           tally=SimpleNamespace(max_concurrency=0), instances=log, budgets=budgets)


def _state(m) -> dict:
    b = None if m.budgets is None else m.budgets[0]
    log = m.instances
    assert _is_heap(m._busy)
    return {"busy": sorted(m._busy), "idle": list(m.pools[0].idle), "unres": m.limiter.unreserved_busy,
            "fbusy": list(m.limiter.busy), "maxc": m.tally.max_concurrency, "count": log.count,
            "rows": [[repr(x) for x in r] for r in log.rows], "live": list(log._live.items()),
            "retired": (log.retired_lifetime_s.hex(), log.retired_count),
            "budget": None if b is None else dict(vars(b), _starts=list(getattr(b, "_starts", ())))}


def _is_heap(h: list) -> bool:
    return all(h[(k - 1) // 2] <= h[k] for k in range(1, len(h)))


values = st.one_of(st.sampled_from(GRID), st.floats(0.0, 4.0, allow_nan=False))


@st.composite
def windows(draw):
    n = draw(st.integers(0, 60))
    gaps, ds, inits = (draw(st.lists(values, min_size=n, max_size=n)) for _ in range(3))
    return gaps, ds, inits


@settings(max_examples=300, deadline=None)
@given(first=windows(), second=windows(), ka=st.sampled_from([0.0, 0.5, 2.0, 3.0, 600.0]),
       cap=st.sampled_from([1, 2, 3, 1000]), budget=st.sampled_from(["none", "window", "stepped"]),
       keep=st.booleans())
def test_kernel_matches_the_python_window_bit_for_bit(first, second, ka, cap, budget, keep):
    ref = _model(ka, cap, budget, keep)
    t0 = 0.0
    for k, (gaps, ds, inits) in enumerate((first, second)):
        ts = t0 + np.cumsum(np.array(gaps, dtype=float))
        t0 = float(ts[-1]) if len(ts) else t0
        ds, inits = np.array(ds, dtype=float), np.array(inits, dtype=float)
        if k == 0:  # the first window only makes a state to start from (busy, idle, log, budget)
            sync_loop._window_one(ref, ts.tolist(), [0] * len(ts), ds.tolist(), inits)
            fast = copy.deepcopy(ref)
            continue
        order = {id(ref): [], id(fast): []}  # retirements in the order the log is told of them
        for m in (ref, fast):
            m.instances.retire = lambda g, t, real=m.instances.retire, seen=order[id(m)]: (
                seen.append((g, t.hex())), real(g, t))
        want = sync_loop._window_one(ref, ts.tolist(), [0] * len(ts), ds.tolist(), inits)
        got = kernel.window_one(fast, ts, ds, inits)
        assert order[id(fast)] == order[id(ref)]
        assert got[0].dtype == np.int32 and got[0].tolist() == want[0]
        assert got[1] == want[1] and got[2] == want[2]
        a, b = _state(fast), _state(ref)
        assert a == b
        retired = a["retired"][1] > 0 or any(r[3] != "nan" for r in a["rows"])
        event(f"cold {bool(want[1])}, throttled {bool(want[2])}, retired {retired}, budget {budget}")
        # the same Python types in the state as the reference leaves (floats stay floats, ids ints)
        assert [tuple(map(type, x)) for x in a["busy"]] == [tuple(map(type, x)) for x in b["busy"]]
        assert [tuple(map(type, x)) for x in a["idle"]] == [tuple(map(type, x)) for x in b["idle"]]


def test_heap_ties_break_by_instance_id_as_python_tuples_do():
    """Ten instances all ending at the same time: the busy set and the order they come back are Python's."""
    m = _model(600.0, 1000, "none", True)
    ts = np.zeros(10)
    ds = np.full(10, 1.0)
    inits = np.zeros(10)
    ref = copy.deepcopy(m)
    want = sync_loop._window_one(ref, ts.tolist(), [0] * 10, ds.tolist(), inits)
    got = kernel.window_one(m, ts, ds, inits)
    assert got[0].tolist() == want[0] == list(range(10))
    assert sorted(m._busy) == sorted(ref._busy) and len({e for e, _, _ in m._busy}) == 1  # ten equal ends
    assert _is_heap(m._busy) and _is_heap(ref._busy)
    ts2, ds2 = np.array([1.0, 1.0, 1.0]), np.array([0.5, 0.25, 0.75])  # all ten released at 1.0
    want = sync_loop._window_one(ref, ts2.tolist(), [0] * 3, ds2.tolist(), inits[:3])
    got = kernel.window_one(m, ts2, ds2, inits[:3])
    assert got[0].tolist() == want[0] == [9, 8, 7]  # mru: the last released (the highest id of the tie) first
    assert list(m.pools[0].idle) == list(ref.pools[0].idle) and sorted(m._busy) == sorted(ref._busy)


def _scenario(seed: int, limit: int, burst: str, ka: float) -> lambdasim.Scenario:
    gusts = {"kind": "bursty", "base_rate_per_s": 0.2, "burst_rate_per_s": 8, "mean_burst_s": 20, "mean_gap_s": 300}
    lam = {"keep_alive": {"policy": "fixed", "idle_s": ka}, "instance_selection": "mru", "account_concurrency": limit}
    if burst == "window":
        lam["scaling"] = {"model": "per_function_2023", "per_function_limit": 5, "per_function_window_s": 10}
    elif burst == "legacy":
        lam["scaling"] = {"model": "legacy_burst", "region_burst": 500, "legacy_step": 3, "legacy_step_s": 60}
    return lambdasim.Scenario.from_dict({"name": "t", "horizon_s": 4000, "seed": seed, "lambda": lam, "functions": [
        {"name": "f", "duration": {"dist": "exponential", "mean_s": 2.0}, "workload": gusts,
         "init": {"preset": "python3.12"}}]})


@pytest.mark.parametrize("limit, burst, ka, throttles", [(4, "none", 3.0, True), (1000, "window", 0.0, True),
                                                         (6, "legacy", 30.0, True), (1000, "legacy", 600.0, False)])
def test_whole_runs_are_identical_on_both_paths(monkeypatch, limit, burst, ka, throttles):
    """A run under LAMBDASIM_KERNEL=numba (the kernel really runs, a whole window per call) equals the reference
    loop's (in chunks of 37 arrivals) in every column."""
    sc = _scenario(11, limit, burst, ka)
    calls = []
    real = kernel.window_one
    monkeypatch.setattr(kernel, "window_one", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setenv("LAMBDASIM_KERNEL", "numba")
    fast = lambdasim.simulate(sc)
    assert calls
    monkeypatch.setenv("LAMBDASIM_KERNEL", "python")
    monkeypatch.setattr(sync_loop, "CHUNK", 37)  # the Python loop's state carried over many chunks of a window
    slow = lambdasim.simulate(sc)
    assert len(calls) == 1
    assert fast.summary == slow.summary
    assert fast.invocations.equals(slow.invocations) and fast.instances.equals(slow.instances)
    s = fast.summary
    warm = s["invocations"] - s["cold_starts"] - s["throttled"]
    assert s["cold_starts"] > 1 and (s["throttled"] > 0) == throttles and (warm > 0) == (ka > 0)
    assert fast.instances["retired_s"].notna().sum() > 0  # instances expired during the run


def test_a_budget_the_kernel_does_not_know_falls_back_to_python(monkeypatch):
    class Counting(SlidingWindowBudget):
        pass

    m = _model(3.0, 1000, "none", True)
    assert kernel.qualifies(m)
    m.budgets = [Counting(2, 5)]
    assert not kernel.qualifies(m)


def test_the_selector_names_the_variable_and_what_it_accepts(monkeypatch):
    monkeypatch.setenv("LAMBDASIM_KERNEL", "fortran")
    with pytest.raises(LambdasimError, match="LAMBDASIM_KERNEL: expected auto, numba or python, got 'fortran'"):
        lambdasim.simulate(_scenario(1, 10, "none", 3.0))


def test_import_lambdasim_does_not_import_numba():
    code = "import sys, lambdasim, lambdasim.awslambda.model; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_auto_starts_numba_only_for_three_million_expected_arrivals():
    """``auto`` in a fresh process: a small run stays on the Python loop without importing numba (its start-up
    costs 1-1.5 s of CPU); a run expecting AUTO_MIN_ARRIVALS gets the kernel, and after that every run does."""
    code = """
import os, sys
os.environ.pop("LAMBDASIM_KERNEL", None)
import lambdasim
from lambdasim.awslambda import model, sync_loop
from lambdasim.billing.catalogue import load_catalogue
sc = lambdasim.Scenario.from_file(sys.argv[1])
big, small = (model.LambdaModel(s, load_catalogue(s.pricing))
              for s in (sc.with_overrides({"horizon_s": 300000.0}), sc))
print(sync_loop.AUTO_MIN_ARRIVALS, sync_loop._kernel(small) is None, "numba" in sys.modules,
      sync_loop._kernel(big) is not None, sync_loop._kernel(small) is not None)
"""
    default = Path(__file__).resolve().parents[2] / "data" / "scenarios" / "default.yaml"
    out = subprocess.run([sys.executable, "-c", code, str(default)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["3000000", "True", "False", "True", "True"]  # 10/s x 300,000 s; x 100,000 s
