"""Replications: the same numbers on any number of worker processes, and one run per distinct configuration."""
import json
import os
import time

import pytest

import lambdasim
from lambdasim.cli import main
from lambdasim.comparison import replication
from lambdasim.comparison.compare import compare
from lambdasim.comparison.replication import Runner, free_cores, run_key
from lambdasim.ec2.model import initial_instances


def scenario(horizon_s=300.0, rate=4.0):
    return lambdasim.Scenario.from_dict({
        "name": "rep", "horizon_s": horizon_s, "seed": 11,
        "functions": [{"name": "f", "memory_mb": 256, "duration": {"dist": "exponential", "mean_s": 0.5},
                       "cpu_scaling": {"cpu_bound_fraction": 0.5, "reference_memory_mb": 256},
                       "workload": {"kind": "poisson", "rate_per_s": rate}}]})


def exact(df):
    """The whole table and its attributes as text: floats by repr, so one changed bit shows."""
    return json.dumps({"rows": df.to_dict(orient="records"), "attrs": df.attrs}, default=str, sort_keys=True)


def test_two_workers_give_the_same_table_as_one():
    sc = scenario()
    with Runner(3, workers=2) as parallel:
        a = compare(sc, 3, sizing_replications=2, runner=parallel)
        ran_parallel = parallel.runs
    serial = Runner(3, workers=1)
    b = compare(sc, 3, sizing_replications=2, runner=serial)
    assert exact(a) == exact(b)
    assert ran_parallel == serial.runs  # the same distinct runs, made elsewhere


def test_prefetch_runs_each_missing_run_once_on_workers():
    sc = scenario(horizon_s=200.0)
    with Runner(2, workers=2) as r:
        assert r.prefetch([(sc, "lambda"), (sc, "lambda"), (sc, "ec2")]) == 4  # 2 seeds x 2 platforms
        assert r.prefetch([(sc, "lambda"), (sc, "ec2")]) == 0  # all memoised
        got = r.summaries(sc, "ec2")
        assert r.runs == 4
    here = Runner(2, workers=1)
    assert here.prefetch([(sc, "ec2")]) == 0  # one worker: nothing ahead of time
    assert json.dumps(here.summaries(sc, "ec2")) == json.dumps(got)


def test_a_fleet_sized_to_load_is_the_same_run_as_its_size_written_out():
    sc = scenario()
    n = initial_instances(sc)
    written = sc.with_overrides({"ec2.scaling": {"policy": "fixed", "instances": n}})
    other = sc.with_overrides({"ec2.scaling": {"policy": "fixed", "instances": n + 1}})
    assert sc.ec2.scaling.instances is None
    assert run_key(sc, "ec2", 11) == run_key(written, "ec2", 11) != run_key(other, "ec2", 11)
    assert run_key(sc, "lambda", 11) != run_key(written, "lambda", 11)  # only EC2 runs the fleet
    # the memo is exact: both runs give the same numbers
    a = lambdasim.simulate(sc, "ec2", records="summary").summary
    b = lambdasim.simulate(written, "ec2", records="summary").summary
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    r = Runner(2)
    r.summaries(sc, "ec2")
    r.summaries(written, "ec2")
    assert r.runs == 2


@pytest.mark.parametrize("load, want", [(0.0, 2), (0.4, 2), (0.6, 2), (0.99, 2), (1.0, 1), (1.3, 1), (9.0, 1)])
def test_free_cores_leaves_the_busy_ones(monkeypatch, load, want):
    monkeypatch.setattr(replication.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(replication.os, "getloadavg", lambda: (load, load, load))
    assert free_cores(busy_now=lambda: None) == want  # no /proc/stat: the load average decides


@pytest.mark.parametrize("busy, want", [(0.0, 2), (0.3, 2), (0.6, 1), (1.0, 1), (1.4, 1), (1.6, 1), (2.0, 1)])
def test_free_cores_counts_the_cores_busy_now_before_the_lagging_load(monkeypatch, busy, want):
    """A sampled busy figure decides, whatever the load average says (9: it lags a finished job by minutes)."""
    monkeypatch.setattr(replication.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(replication.os, "getloadavg", lambda: (9.0, 9.0, 9.0))
    assert free_cores(busy_now=lambda: busy) == want


def test_busy_cores_now_sees_a_busy_process():
    """The /proc/stat sample finds at least most of a core busy while a child process spins, and is bounded by
    the machine's cores."""
    import subprocess
    import sys
    if not os.path.exists("/proc/stat"):
        pytest.skip("no /proc/stat on this system")
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        busy = replication.busy_cores_now(0.5)
    finally:
        spin.kill()
        spin.wait()
    assert busy is not None and 0.7 <= busy <= (os.cpu_count() or 1) + 1e-9


def test_bad_workers_are_one_clear_error(tmp_path, capsys):
    with pytest.raises(ValueError, match="workers must be an int >= 1 or 'auto'. Got 0 instead"):
        Runner(2, workers=0)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario(horizon_s=50).to_dict()))
    assert main(["compare", str(path), "--workers", "two"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "lambdasim compare: error: --workers must be an int >= 1 or auto. Got 'two' instead."


def tracking(sc, target=0.05, period_s=30.0):
    return sc.with_overrides({"ec2.scaling": {"policy": "target_tracking", "target": target, "min": 1, "max": 10,
                                              "period_s": period_s, "scale_out_cooldown_s": 30.0,
                                              "scale_in_cooldown_s": 60.0}})


@pytest.mark.parametrize("kind", ["fixed", "tracking"])
def test_a_fleet_trace_is_the_runs_own_instances_over_time(kind):
    """The fleet a plot draws, kept from the summary-mode run, is the full run's, bit for bit."""
    sc = scenario(horizon_s=900.0, rate=6.0)
    v = sc if kind == "fixed" else tracking(sc)
    r = Runner(1)
    trace = r.fleet(v, "ec2")
    full = lambdasim.simulate(v, "ec2")
    assert r.runs == 1 and trace.platform == "ec2" and trace.seed == v.seed == full.seed
    if kind == "tracking":  # the fleet grew and shrank during the run: the check is not of a constant
        assert len(full.instances) > initial_instances(v) and full.instances["retired_s"].notna().any()
    for step in (45.0, 100.0, 7.0):
        got, want = trace.timeseries(step), full.timeseries(step)
        assert list(got.columns) == ["t_s", "instances"]
        assert got["t_s"].to_numpy().tobytes() == want["t_s"].to_numpy().tobytes()
        assert got["instances"].to_numpy().tobytes() == want["instances"].to_numpy().tobytes()
    assert r.fleet(v, "ec2") is not trace and r.runs == 1  # memoised: no second run


def test_prefetch_rows_may_carry_their_own_replications():
    sc = scenario(horizon_s=200.0)
    with Runner(3, workers=2) as r:
        assert r.prefetch([(sc, "lambda"), (sc, "ec2", 1), (tracking(sc), "ec2", 2)]) == 6  # 3 + 1 + 2 runs
        one = r.sibling(1)
        one.summaries(sc, "ec2")
        r.sibling(2).summaries(tracking(sc), "ec2")
        assert r.runs == one.runs == 6 and r.cpu_s > 0  # siblings count the runs of the family
        assert r.prefetch([(sc, "ec2")]) == 2  # seeds 12 and 13 were not run yet


def test_auto_workers_are_decided_once_per_family(monkeypatch):
    calls = []
    monkeypatch.setattr(replication, "free_cores", lambda: calls.append(1) or 1)
    sc = scenario(horizon_s=100.0)
    with Runner(2, workers="auto") as r:
        assert r.prefetch([(sc, "lambda")]) == 0  # one free core: the runs are made when asked
        r.sibling(1).prefetch([(sc, "ec2")])
        r.prefetch([(sc, "ec2")])
    assert calls == [1]


def test_compare_runs_the_first_steps_of_sizing_beside_the_other_rows(monkeypatch):
    """With two workers, the sizing searches' first runs (which no SLO decides) join the first batch, so a
    search that ends there runs nothing alone in the main process; the table is the serial one."""
    sc = scenario()
    here = []
    real = replication._one
    monkeypatch.setattr(replication, "_one", lambda *a: here.append(a[1:]) or real(*a))  # the main process only
    with Runner(3, workers=2) as parallel:
        a = compare(sc, 3, sizing_replications=1, runner=parallel)
    assert a.attrs["sizing"]["ec2"]["instances"] == initial_instances(sc) and a.attrs["slo_target"] == 0.95
    assert here == []  # every run was made on the workers, in two batches
    serial = Runner(3, workers=1)
    b = compare(sc, 3, sizing_replications=1, runner=serial)
    assert exact(a) == exact(b) and parallel.runs == serial.runs == len(here) == 9


def test_compare_plots_draw_the_fleets_of_the_comparisons_own_runs(tmp_path, monkeypatch, capsys):
    """``--plots`` runs Lambda once with records for its busy environments (on a worker when there are
    two); EC2's fleets are the compared runs'. The same table and the same PNG files either way."""
    import lambdasim.simulation as simulation

    ran = []
    real = simulation.simulate
    monkeypatch.setattr(simulation, "simulate", lambda sc, platform="lambda", *a, **k: ran.append(platform)
                        or real(sc, platform, *a, **k))  # runs made here, outside the runner
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario(horizon_s=600).to_dict()))
    outs = {}
    for workers in ("1", "2"):
        ran.clear()
        assert main(["compare", str(path), "--replications", "2", "--workers", workers, "--no-progress",
                     "--plots", str(tmp_path / workers)]) == 0
        assert ran == (["lambda"] if workers == "1" else [])
        text = capsys.readouterr().out.replace(str(tmp_path / workers), "DIR")
        outs[workers] = text, {p.name: p.read_bytes() for p in (tmp_path / workers).iterdir()}
    assert sorted(outs["1"][1]) == ["rep_compare.png", "rep_fleets.png"]
    assert outs["1"] == outs["2"]
