"""The fleet's scan mode (a small fleet scans short lists for its free slot and next CPU-part end) equals
its heap mode bit for bit: the same seed gives the same records, instances, scaling log, summary and bill.

Heap mode is forced with ``Fleet.SCAN_MAX = 0`` (every fleet leaves scan mode at its first launch); the
default (16) runs these fleets in scan mode, or switches mid-run when an autoscaler launches more.
"""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lambdasim
from lambdasim.servers.fleet import Fleet
from support.fingerprint import fingerprint
from support.fleets import FLEET_CASES, fleet_scenario as _scenario


def _run(sc: lambdasim.Scenario, platform: str, scan_max: int) -> dict[str, str]:
    with pytest.MonkeyPatch.context() as m:
        m.setenv("LAMBDASIM_KERNEL", "python")  # the Python loops (the kernel scans further: test_fleet_kernel.py)
        m.setattr(Fleet, "SCAN_MAX", scan_max)
        r = lambdasim.simulate(sc, platform)
        fleet = r._fleet
        assert fleet.scan == (len(fleet.state) <= scan_max)  # the mode the test means to exercise
        return fingerprint(r, True, sc.horizon_s / 20)


@settings(max_examples=25, deadline=None)
@given(**FLEET_CASES)
def test_scan_mode_equals_heap_mode(platform, rate, cpu_fraction, size, scaling, timeout, limit, spot, seed):
    sc = _scenario(platform, rate, cpu_fraction, size, scaling, timeout, limit, spot, seed)
    heaps = _run(sc, platform, 0)
    scan = _run(sc, platform, 10_000)
    assert scan == heaps
    assert _run(sc, platform, Fleet.SCAN_MAX) == heaps  # the default: maybe a switch mid-run


def test_a_switch_mid_run_keeps_the_result(monkeypatch):
    """An autoscaler that launches past the limit moves the fleet to its heaps mid-run (with requests waiting)."""
    sc = _scenario("ec2", 6.0, 1.0, 2, "tracking", None, None, 0.0, 3)
    with monkeypatch.context() as m:
        m.setenv("LAMBDASIM_KERNEL", "python")
        m.setattr(Fleet, "SCAN_MAX", 3)
        r = lambdasim.simulate(sc, "ec2")
        assert len(r._fleet.state) > 3 and not r._fleet.scan
        assert r.summary["queue_wait_mean_s"] > 0  # the switch had a queue to keep
        switched = fingerprint(r, True, 45.0)
    assert switched == _run(sc, "ec2", 0)


def test_scan_pick_is_least_loaded_lowest_id(monkeypatch):
    picks = {}
    for scan_max in (0, 16):
        monkeypatch.setattr(Fleet, "SCAN_MAX", scan_max)
        f = Fleet(3, 0.0)
        for _ in range(3):
            f.launch(0.0, booted=True)
        got = []
        for t in (0.0, 0.1, 0.2, 0.3, 0.4):  # each lasts 1 s: 0, 1, 2 (all at 1 outstanding), then 0 and 1
            got.append(f.pick())
            f.begin(got[-1], t, 1.0)
        f.set_desired(2, 0.5)  # drains the least loaded in-service instance (the highest id on ties): 2
        got += [f.pick(), f.pick(), f.pick()]  # 0 and 1 have 2 of 3 slots taken: one more each, then none
        f.advance(1.05)  # the requests begun at 0.0 end on 0
        got.append(f.pick())
        picks[scan_max] = got
        assert f.scan == (scan_max > 0)
    assert picks[16] == picks[0] == [0, 1, 2, 0, 1, 0, 1, -1, 0]
    assert math.isinf(min(f.ps_due))
