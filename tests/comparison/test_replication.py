"""Replications: the same numbers on any number of worker processes, and one run per distinct configuration."""
import json

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


@pytest.mark.parametrize("load, want", [(0.0, 2), (0.4, 2), (0.6, 1), (1.3, 1), (9.0, 1)])
def test_free_cores_leaves_the_busy_ones(monkeypatch, load, want):
    monkeypatch.setattr(replication.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(replication.os, "getloadavg", lambda: (load, load, load))
    assert free_cores() == want


def test_bad_workers_are_one_clear_error(tmp_path, capsys):
    with pytest.raises(ValueError, match="workers must be an int >= 1 or 'auto'. Got 0 instead"):
        Runner(2, workers=0)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario(horizon_s=50).to_dict()))
    assert main(["compare", str(path), "--workers", "two"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "lambdasim compare: error: --workers must be an int >= 1 or auto. Got 'two' instead."
