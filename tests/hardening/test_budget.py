"""A work estimate before the run (issue 16): runaway runs and sweeps are refused at once, with the limit
and how to raise it; legal extremes still run."""
import time

import pytest

from lambdasim import simulate
from lambdasim.cli import main
from lambdasim.errors import ScenarioError, SweepError
from lambdasim.scenario import as_scenario
from lambdasim.simulation import check_work
from lambdasim.sweeps.driver import sweep
from lambdasim.workload.budget import expected_arrivals
from support.scenarios import one_function


def _one(wl, horizon_s=3600.0):
    return as_scenario({"name": "t", "horizon_s": horizon_s, "functions": [
        {"name": "f", "duration": {"dist": "constant", "value_s": 0.1}, "workload": wl}]})


RUNAWAY = [
    {"kind": "poisson", "rate_per_s": 1e20},
    {"kind": "poisson", "rate_per_s": 1e308},
    {"kind": "deterministic", "interval_s": 1e-300},
    {"kind": "bursty", "base_rate_per_s": 1, "burst_rate_per_s": 2, "mean_burst_s": 1e-9, "mean_gap_s": 1e-9},
    {"kind": "spike", "base_rate_per_s": 0, "spike_rate_per_s": 1e12, "at_s": 5},
    {"kind": "diurnal", "rate_per_s": 1e9},
    {"kind": "superpose", "components": [{"kind": "poisson", "rate_per_s": 1}, {"kind": "poisson", "rate_per_s": 1e15}]},
    {"kind": "trace", "format": "azure2019", "path": "data/traces/azure2019/100", "function": "1779fd33", "scale": 1e9},
]


@pytest.mark.parametrize("wl", RUNAWAY, ids=lambda w: w["kind"])
def test_runaway_runs_are_refused_before_they_start(wl):
    sc = _one(wl)
    t0 = time.process_time()
    with pytest.raises(ScenarioError, match=r"would simulate about .* arrivals .*the limit is 200,000,000.*max_arrivals"):
        simulate(sc, records="summary")
    assert time.process_time() - t0 < 2


def test_horizon_beyond_31_years_is_a_field_error():
    with pytest.raises(ScenarioError, match=r"'horizon_s' field .* range \(0.0, 1000000000.0\]. Got 1e\+308"):
        _one({"kind": "poisson", "rate_per_s": 1}, horizon_s=1e308)


def test_estimate_matches_the_simulated_count():
    sc = one_function(horizon_s=2000, rate=3.0)
    r = simulate(sc, records="summary")
    est = check_work(sc, "summary")
    assert est == 6000.0 and abs(r.summary["invocations"] - est) < 5 * est**0.5
    det = one_function(horizon_s=1000, interval=0.5)
    assert check_work(det) == simulate(det).summary["invocations"] == 2000


def test_the_limit_can_be_raised_or_lowered():
    sc = one_function(horizon_s=100, rate=10.0)
    with pytest.raises(ScenarioError, match="limit is 500"):
        simulate(sc, max_arrivals=500)
    assert simulate(sc, max_arrivals=2000).summary["invocations"] > 500


def test_full_records_larger_than_memory_are_refused(monkeypatch):
    import lambdasim.simulation as sim

    monkeypatch.setattr(sim, "available_memory_bytes", lambda: 1e5)
    sc = one_function(horizon_s=1000, rate=10.0)
    with pytest.raises(ScenarioError, match="records='summary'"):
        simulate(sc)
    assert simulate(sc, records="summary").summary["invocations"] > 9000


def test_cli_run_exits_2_and_takes_max_arrivals(tmp_path, capsys):
    args = ["run", "data/scenarios/default.yaml", "--set", "functions.0.workload.rate_per_s=1e20"]
    assert main(args) == 2
    assert "would simulate about" in capsys.readouterr().err
    assert main(["run", "data/scenarios/default.yaml", "--set", "horizon_s=100", "--max-arrivals", "10"]) == 2


@pytest.mark.parametrize("factors,replications", [
    ({"grid": {f"functions.0.memory_mb": list(range(128, 158)), "functions.0.workload.rate_per_s": list(range(1, 31)),
               "lambda.account_concurrency": list(range(100, 130))}}, 1),
    ({"grid": {"functions.0.memory_mb": [128]}}, 10**8),
    ({"sample": {"n": 10**7, "ranges": {"functions.0.memory_mb": [128, 1024]}}}, 1),
])
def test_oversized_sweeps_are_refused_quickly(factors, replications):
    t0 = time.process_time()
    with pytest.raises(SweepError, match=r"runs; the limit is 10,000.*max_runs"):
        sweep(one_function(horizon_s=10, rate=1.0), factors, replications, progress=False)
    assert time.process_time() - t0 < 2


def test_a_runaway_variant_stops_the_sweep_before_it_runs():
    with pytest.raises(ScenarioError, match="would simulate about"):
        sweep(one_function(horizon_s=10, rate=1.0), {"functions.0.workload.rate_per_s": [1, 1e15]}, progress=False)
    df = sweep(one_function(horizon_s=10, rate=1.0), {"functions.0.workload.rate_per_s": [1, 50]}, progress=False,
               max_arrivals=1000)
    assert (df["status"] == "ok").all()


def test_expected_arrivals_never_overflows():
    for wl in RUNAWAY[:7]:
        assert expected_arrivals(_one(wl).functions[0].workload, 1e9) > 2e8
