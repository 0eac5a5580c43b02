"""Fuzz tests (issue 16) over sweep definitions and trace rows: hypothesis gives hostile and plausible
values; each input either fails with one clean project error or runs to a table whose every run
conserves its arrivals and has a finite, non-negative summary. About 20 s in all (quiet machine)."""
import math
import time

from hypothesis import HealthCheck, given, settings, strategies as st

from lambdasim import simulate
from lambdasim.errors import LambdasimError
from lambdasim.scenario import as_scenario
from lambdasim.sweeps.driver import sweep
from lambdasim.sweeps.spec import SweepSpec

NUM = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10**20),
                st.sampled_from([0, 1e-300, 1e-9, 0.5, 1, 5, 1e308, -1, "1", "x", None, True, [1], {"a": 1}]))
BASE = {"name": "fuzz", "horizon_s": 20.0, "seed": 1, "functions": [
    {"name": "f", "duration": {"dist": "exponential", "mean_s": 0.2}, "workload": {"kind": "poisson", "rate_per_s": 1.0}}]}
PATHS = st.sampled_from(["functions.0.memory_mb", "functions.0.workload.rate_per_s", "lambda.keep_alive.idle_s",
                         "horizon_s", "functions.0.duration", "functions.9.memory_mb", "nonsense.path", "seed",
                         "functions.0.reserved_concurrency", "lambda.account_concurrency", ""])
FACTORS = st.one_of(
    st.fixed_dictionaries({"grid": st.dictionaries(PATHS, st.lists(NUM, min_size=0, max_size=3), max_size=2)}),
    st.fixed_dictionaries({"variants": st.lists(st.dictionaries(PATHS, NUM, max_size=2), max_size=3)}),
    st.fixed_dictionaries({"sample": st.fixed_dictionaries({"n": NUM, "seed": NUM}, optional={
        "ranges": st.dictionaries(PATHS, st.lists(NUM, min_size=2, max_size=2), max_size=1)})}),
    st.dictionaries(PATHS, st.lists(NUM, max_size=3), max_size=2),
    NUM,
)
SWEEP = st.fixed_dictionaries({"base": st.just(BASE), "factors": FACTORS},
                              optional={"replications": NUM, "seed": NUM, "overrides": st.dictionaries(PATHS, NUM, max_size=1),
                                        "platform": st.sampled_from(["lambda", "ec2", "mars"]), "name": st.text(max_size=5)})


def _check_row(row: dict) -> None:
    assert row["status"] in ("ok", "failed")
    if row["status"] == "failed":
        assert isinstance(row["error"], str) and row["error"]
        return
    for k in ("invocations", "cost_usd"):
        assert math.isfinite(row[k]) and row[k] >= 0, (k, row[k])


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(SWEEP)
def test_sweep_definitions_run_sanely_or_fail_cleanly(data):
    started = time.process_time()
    try:
        spec = SweepSpec.from_dict(data)
        df = sweep(spec, progress=False, max_runs=12, max_arrivals=10_000)
    except LambdasimError as exc:
        assert "\n" not in str(exc).strip() or len(str(exc)) < 5000  # one message, not a dump
        return
    finally:
        assert time.process_time() - started < 30  # no runaway expansion or run
    assert len(df) == df[["variant", "replication"]].drop_duplicates().shape[0] <= 12
    for row in df.to_dict("records"):
        _check_row(row)
        if row["status"] == "ok" and spec.platform == "lambda":
            assert row["invocations"] == row["completed"] + row["throttled"] + row["failed"] + row["in_flight"]


CELL = st.one_of(st.floats(0, 50), st.sampled_from(["nan", "inf", "-inf", "-1", "1e400", "", "abc", "1e300", "0"]))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(CELL, CELL), min_size=0, max_size=12), st.sampled_from(["csv", "azure2021"]),
       st.sampled_from([None, 10.0, 100.0]))
def test_trace_rows_replay_every_arrival_or_fail_cleanly(tmp_path_factory, rows, fmt, end_s):
    path = tmp_path_factory.mktemp("trace") / "t.csv"
    if fmt == "csv":
        path.write_text("timestamp,duration\n" + "".join(f"{a},{b}\n" for a, b in rows))
    else:
        path.write_text("app,func,end_timestamp,duration\n" + "".join(f"a,f,{a},{b}\n" for a, b in rows))
    wl = {"kind": "trace", "format": fmt, "path": str(path)}
    if end_s is not None:
        wl["end_s"] = end_s
    try:
        sc = as_scenario({"name": "t", "horizon_s": 200.0, "functions": [
            {"name": "f", "duration": {"dist": "constant", "value_s": 0.1}, "workload": wl}]})
        s = simulate(sc, records="summary").summary
    except LambdasimError as exc:
        assert str(exc)
        return
    # every row was valid: each invocation in the window is replayed, none lost or invented
    assert s["invocations"] == s["completed"] + s["throttled"] + s["failed"] + s["in_flight"]
    assert 0 <= s["invocations"] <= len(rows)
    assert math.isfinite(s["cost_usd"]) and s["cost_usd"] >= 0
