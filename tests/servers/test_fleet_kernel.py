"""The fleet's compiled kernel (:mod:`lambdasim.servers.kernel`, ``lambdasim[fast]``) equals the Python loop bit
for bit: the same seed gives the same records, instances, scaling log, summary, bill and the same fleet state
left behind, on every server platform, whatever stops the kernel (a boot due, no free slot, the next SimPy
event, full arrays). The fingerprint test also runs every case on both paths."""
from __future__ import annotations

import collections
import inspect
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lambdasim
from lambdasim.servers.fleet import Batch, Fleet
from support.fingerprint import fingerprint
from support.fleets import FLEET_CASES, fleet_scenario

kernel = pytest.importorskip("lambdasim.servers.kernel")


def _state(fleet) -> dict:
    """The fleet's state after a run, batches replaced by their sizes (the two runs have their own objects)."""
    jobs = [[(m, q, w, s, b.n, j) for m, q, w, s, b, j in heap] for heap in fleet.ps_jobs]
    assert [len(h) for h in fleet.ps_jobs] == fleet.ps_n  # each instance's CPU parts: as many as it counts
    return {"done": list(fleet.done), "jobs": jobs, "due": fleet.ps_due, "n": fleet.ps_n, "v": fleet.ps_v,
            "t": fleet.ps_t, "out": fleet.out, "load": fleet.load, "busy": fleet.busy_until, "sums": (
                fleet.cpu_busy, fleet.work_started_s, fleet.ps_count, fleet.ps_start_sum, fleet.cpu_work_s,
                fleet._seq, fleet.arrived), "retired": [repr(x) for x in fleet.retired], "queue": len(fleet.queue)}


def _both(sc: lambdasim.Scenario, platform: str, monkeypatch) -> tuple[dict, collections.Counter]:
    """Runs ``sc`` on both paths; asserts they agree (and the fleets' state, when both end in the same mode);
    returns the fingerprint and why each kernel call stopped (with the requests it admitted under the key
    ``"admitted"``)."""
    stops: collections.Counter = collections.Counter()
    real = kernel.admit

    def spy(f, b, i, *a):
        j, why = real(f, b, i, *a)
        stops[why] += 1
        stops["admitted"] += j - i
        return j, why

    monkeypatch.setattr(kernel, "admit", spy)
    got = {}
    for k in ("python", "numba"):
        monkeypatch.setenv("LAMBDASIM_KERNEL", k)
        r = lambdasim.simulate(sc, platform)
        got[k] = fingerprint(r, True, sc.horizon_s / 20), _state(r._fleet), r._fleet.scan
    assert got["numba"][0] == got["python"][0]
    if got["numba"][2] == got["python"][2]:  # past 16 instances the Python loop keeps heaps (their own state)
        assert got["numba"][1] == got["python"][1]
    return got["python"][0], stops


@settings(max_examples=30, deadline=None)
@given(**FLEET_CASES)
def test_the_kernel_equals_the_python_loop(platform, rate, cpu_fraction, size, scaling, timeout, limit, spot, seed):
    sc = fleet_scenario(platform, rate, cpu_fraction, size, scaling, timeout, limit, spot, seed)
    with pytest.MonkeyPatch.context() as m:
        _both(sc, platform, m)


@pytest.mark.parametrize("platform, rate, size, scaling, limit, stop", [
    ("ec2", 1.0, 2, "fixed", None, kernel.THROUGH),  # bursts fill every slot: requests queue in the kernel
    ("ec2", 1.0, 2, "tracking", None, kernel.AT_EVENT),  # the autoscaler's events stop the kernel
    ("lmi", 1.0, 2, "tracking", 2, kernel.AT_EVENT),
    ("ec2", 0.5, 3, "fixed", None, kernel.THROUGH),  # never short of a slot: one call per batch
])
def test_every_way_the_kernel_stops_keeps_the_result(monkeypatch, platform, rate, size, scaling, limit, stop):
    sc = fleet_scenario(platform, rate, 0.3, size, scaling, None, limit, 0.0, 5, horizon_s=3000.0)
    _, stops = _both(sc, platform, monkeypatch)
    assert stops[stop] > 0 and stops["admitted"] > 500  # the kernel really ran, and stopped as meant


@pytest.mark.parametrize("timeout, limit", [(None, None), (0.3, None), (None, 1), (0.5, 2)])
def test_a_queue_forms_drains_times_out_and_overflows_in_the_kernel(monkeypatch, timeout, limit):
    """Bursts fill every slot of a fixed fleet: requests wait in the kernel's queue, are served as slots free,
    time out at the head or at an arrival, and are dropped at the queue's limit; the kernel admits every request
    without handing the fleet back, and the numbers are the Python loop's."""
    sc = fleet_scenario("ec2", 1.0, 0.3, 2, "fixed", timeout, limit, 0.0, 5, horizon_s=3000.0)
    _, stops = _both(sc, "ec2", monkeypatch)
    admitted = stops["admitted"]
    monkeypatch.setenv("LAMBDASIM_KERNEL", "python")
    s = lambdasim.simulate(sc, "ec2").summary
    assert stops[kernel.TO_PYTHON] == 0 and admitted == s["invocations"]
    assert s["queue_wait_mean_s"] > 0 and (s["dropped"] > 0) == (timeout is not None or limit is not None)


def test_with_the_kernel_a_fleet_of_71_instances_scans_and_equals_the_python_heaps(monkeypatch):
    """An autoscaled EC2 fleet grows to 71 instances: the Python loop moves to its heaps past 16, the kernel
    keeps scanning (up to ``KERNEL_SCAN_MAX``); the same numbers."""
    sc = lambdasim.Scenario.from_dict({
        "name": "big", "horizon_s": 600.0, "seed": 3, "pricing": "aws-latest",
        "functions": [{"name": "f", "memory_mb": 512, "duration": {"dist": "exponential", "mean_s": 1.0},
                       "cpu_scaling": {"cpu_bound_fraction": 0.5, "reference_memory_mb": 512},
                       "workload": {"kind": "poisson", "rate_per_s": 200}}],
        "ec2": {"workers_per_instance": 4,
                "scaling": {"policy": "target_tracking", "target": 0.6, "min": 10, "max": 200}}})
    modes = {}
    for k in ("python", "numba"):
        monkeypatch.setenv("LAMBDASIM_KERNEL", k)
        r = lambdasim.simulate(sc, "ec2")
        modes[k] = (r._fleet.scan, len(r._fleet.state))
    assert modes["python"][0] is False and modes["numba"][0] is True and 16 < modes["numba"][1] <= 256
    _, stops = _both(sc, "ec2", monkeypatch)
    assert stops["admitted"] > 50_000


def _direct(kern, ts, cs, ws, slots: int, vcpu: float, boots: list[float], timeout=None, limit=None) -> tuple:
    """One batch admitted on a hand-built fleet (one instance in service, others booting ``boots`` seconds
    later; a request timeout and a queue limit as given), then everything replayed: the batch's columns and
    the fleet's state."""
    f = Fleet(slots, 0.0, timeout, limit, vcpu=vcpu)
    f.launch(0.0, booted=True)
    for r in boots:
        f.ready_delay_s = r
        f.launch(0.0)
    f.kernel = kern
    n = len(ts)
    if kern is None:
        b = Batch(n)
        i = f.admit(ts, cs, ws, b, 0, 0.0, math.inf)
    else:
        arrays = tuple(np.array(x, dtype=float) for x in (ts, cs, ws))
        b = Batch(n, arrays)
        i = f.admit(*(memoryview(x) for x in arrays), b, 0, 0.0, math.inf)
    assert i == n
    f.advance(1e6)  # long after the last end
    f.purge(1e6)
    cols = [list(map(float, b.start)), list(map(float, b.end)), list(map(int, b.inst)), bytes(b.status)]
    return [repr(c) for c in cols], _state(f)


grid = st.integers(0, 40).map(lambda k: k / 4)  # a quarter-second grid: ties everywhere


@settings(max_examples=200, deadline=None)
@given(data=st.data(), n=st.integers(1, 60), slots=st.integers(1, 5),
       vcpu=st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0]), boots=st.lists(grid, max_size=3),
       timeout=st.one_of(st.none(), grid.map(lambda x: x / 4)), limit=st.one_of(st.none(), st.integers(0, 6)))
def test_ties_everywhere_on_a_hand_built_fleet(data, n, slots, vcpu, boots, timeout, limit):
    """Arrivals, CPU and waiting seconds on a quarter-second grid (equal times, equal CPU marks, a boot at an
    arrival's instant, a timeout at a completion's instant): the kernel (stopping for each boot, queueing,
    timing out and dropping) equals the Python loop."""
    ts = sorted(data.draw(st.lists(grid, min_size=n, max_size=n)))
    cs = data.draw(st.lists(grid.map(lambda x: x / 8), min_size=n, max_size=n))
    ws = data.draw(st.lists(grid.map(lambda x: x / 8), min_size=n, max_size=n))
    args = (ts, cs, ws, slots, vcpu, boots, timeout, limit)
    assert _direct(kernel, *args) == _direct(None, *args)


@pytest.mark.parametrize("platform, limit", [("fargate", 0), ("lmi", 0)])
def test_a_queue_limit_of_0_drops_in_the_kernel(monkeypatch, platform, limit):
    """Every slot taken and no queue allowed (a hybrid's ``busy`` routing, LMI's throttling): the kernel drops
    the request itself, as ``enqueue`` would, and never hands the fleet back for it."""
    sc = fleet_scenario(platform, 1.0, 0.3, 6 if platform == "fargate" else 1, "fixed", None, limit, 0.0, 5,
                        horizon_s=3000.0)
    _, stops = _both(sc, platform, monkeypatch)
    admitted = stops["admitted"]
    monkeypatch.setenv("LAMBDASIM_KERNEL", "python")
    r = lambdasim.simulate(sc, platform)
    assert stops[kernel.TO_PYTHON] == 0 and admitted == r.summary["invocations"]
    assert r.summary["dropped"] > 100


def test_a_boot_due_hands_the_request_to_python(monkeypatch):
    """The request arriving when a second instance comes into service goes through the Python loop's general
    path (the kernel stops before it), and the result is the Python loop's."""
    stops = []
    real = kernel.admit

    def spy(f, b, i, *a):
        j, why = real(f, b, i, *a)
        stops.append((j, why, f.booting[0][0] if f.booting else None))
        return j, why

    monkeypatch.setattr(kernel, "admit", spy)
    ts, cs, ws = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [0.5] * 6, [1.0] * 6
    assert _direct(kernel, ts, cs, ws, 4, 1.0, [2.5]) == _direct(None, ts, cs, ws, 4, 1.0, [2.5])
    assert stops[0] == (3, kernel.TO_PYTHON, 2.5)  # 3.0 is the first arrival after the boot at 2.5
    assert stops[1:] == [(6, kernel.THROUGH, None)]  # the Python loop took that one; the kernel the rest


def test_full_arrays_grow_and_the_result_stays(monkeypatch):
    """250 requests, 10 CPU seconds each, on one instance with 200 slots: more CPU parts at once than the
    kernel's first rows hold (16) and more known ends, CPU parts and waiting requests than its first heap (64):
    both grow mid-call, the rows up to the slots and no further."""
    grew = collections.Counter()
    real = kernel._loop
    names = list(inspect.signature(real.py_func).parameters)
    at = {k: names.index(k) for k in ("jm", "he", "ist")}

    def spy(*a):
        i, why = real(*a)
        if why == kernel._GROW:  # which one is full, by the rule admit() grows by
            rows, he, ist = a[at["jm"]], a[at["he"]], a[at["ist"]]
            heap = ist[3] + ist[0] + ist[6] + 1 > he.shape[0]
            grew["heap" if heap else "rows"] += 1
            assert heap or rows.shape[1] < 200  # rows stop at the slots
        return i, why

    monkeypatch.setattr(kernel, "_loop", spy)
    ts = [k * 0.01 for k in range(250)]
    cs, ws = [10.0] * 250, [0.5 + (k % 7) for k in range(250)]
    assert _direct(kernel, ts, cs, ws, 200, 2.0, []) == _direct(None, ts, cs, ws, 200, 2.0, [])
    assert grew["rows"] >= 1 and grew["heap"] >= 1


def test_import_lambdasim_and_a_server_run_import_no_numba_unless_chosen():
    code = """
import os, sys
os.environ.pop("LAMBDASIM_KERNEL", None)
import lambdasim
from lambdasim.servers import driver
sc = lambdasim.Scenario.from_file(sys.argv[1]).with_overrides({"horizon_s": 2000.0})
lambdasim.simulate(sc, "ec2", records="summary")
small = "numba" in sys.modules
big = sc.with_overrides({"horizon_s": driver.AUTO_MIN_REQUESTS / 10})  # the default's 10 requests per second
m = lambdasim.simulate(big, "ec2", records="summary")
print(driver.AUTO_MIN_REQUESTS, small, "lambdasim.servers.kernel" in sys.modules)
"""
    default = Path(__file__).resolve().parents[2] / "data" / "scenarios" / "default.yaml"
    out = subprocess.run([sys.executable, "-c", code, str(default)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1000000", "False", "True"]


def test_requests_served_from_the_queue_grow_the_rows_first(monkeypatch):
    """40 slots filled by requests without CPU work, then CPU-bound ones queue: when the slots free, each
    queued request served starts a CPU part, up to 40 at once on the instance: more than the kernel's first
    rows (16) hold, so they take the slots before anything is served (numba does not check bounds)."""
    real = kernel._loop
    names = list(inspect.signature(real.py_func).parameters)
    most = []

    def spy(*a):
        i, why = real(*a)
        most.append((int(a[names.index("ps_n")].max()), a[names.index("jm")].shape[1]))
        return i, why

    monkeypatch.setattr(kernel, "_loop", spy)
    ts = [k * 0.01 for k in range(100)] + [10.0 + k * 0.1 for k in range(100)]  # the later ones see the serves
    cs = [0.0] * 40 + [5.0] * 160
    ws = [10.0] * 40 + [0.5] * 160
    assert _direct(kernel, ts, cs, ws, 40, 2.0, []) == _direct(None, ts, cs, ws, 40, 2.0, [])
    assert all(n <= room for n, room in most) and max(n for n, _ in most) > 16


def test_the_kernel_stays_in_bounds(tmp_path):
    """numba does not check array bounds: this file's hand-built fleets (ties, timeouts, limits, growing rows
    and heap) run again with ``NUMBA_BOUNDSCHECK=1`` in a fresh numba cache, so a write past the kernel's arrays
    raises instead of passing silently."""
    env = {**os.environ, "NUMBA_BOUNDSCHECK": "1", "NUMBA_CACHE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__,
                          "-k", "ties or rows_first or grow or boot_due"], capture_output=True, text=True, env=env,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stdout[-3000:]
    assert "4 passed" in out.stdout.splitlines()[-1]
