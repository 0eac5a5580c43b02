"""Trace values checked against their meaning (issue 16): times from the trace's start, bounded counts,
invocations that start at or after 0, and windows inside an Azure 2019 trace."""
import pytest

from lambdasim import simulate
from lambdasim.errors import ScenarioError
from lambdasim.scenario import as_scenario


def _one(wl, horizon_s=600):
    return {"name": "t", "horizon_s": horizon_s, "functions": [
        {"name": "f", "duration": {"dist": "constant", "value_s": 0.1}, "workload": wl}]}


@pytest.mark.parametrize("rows,fmt,match", [
    ("timestamp,function\n-5,a\n-3,a\n-1,a\n", "csv", r"line 2, column 1 \('timestamp'\): must be a non-negative time in seconds"),
    ("timestamp,function\n1,a\n1e300,a\n", "csv", r"line 3, column 1 .*at most 1e\+09"),
    ("timestamp,duration\n1,-2\n", "csv", r"line 2, column 2 \('duration'\)"),
    ("app,func,end_timestamp,duration\na,f,1.0,5.0\n", "azure2021", r"line 2: the invocation must start at or after time 0"),
])
def test_per_invocation_trace_values_outside_their_meaning(tmp_path, rows, fmt, match):
    p = tmp_path / "t.csv"
    p.write_text(rows)
    with pytest.raises(ScenarioError, match=match):
        as_scenario(_one({"kind": "trace", "format": fmt, "path": str(p)}))


def test_azure2019_count_of_2_to_the_63_is_refused(tmp_path):
    (tmp_path / "x_inv.csv").write_text("HashOwner,HashApp,HashFunction,Trigger,1,2,3\no,a,f,http,1,9223372036854775808,1\n")
    with pytest.raises(ScenarioError, match=r"column 6 \('2'\): must be a non-negative whole number of invocations \(at most 1,000,000,000\)"):
        as_scenario(_one({"kind": "trace", "format": "azure2019", "path": str(tmp_path / "x")}))


def test_azure2019_window_past_the_trace_is_refused(tmp_path):
    (tmp_path / "x_inv.csv").write_text("HashOwner,HashApp,HashFunction,Trigger,1,2,3\no,a,f,http,1,2,1\n")
    with pytest.raises(ScenarioError, match="ends at 180 s \\(3 minutes\\); got end_s=240"):
        as_scenario(_one({"kind": "trace", "format": "azure2019", "path": str(tmp_path / "x"), "end_s": 240}))
    with pytest.raises(ScenarioError, match="ends at 86400 s \\(1440 minutes\\); got end_s=90000"):
        as_scenario({"name": "t", "horizon_s": 100, "workload": {"kind": "azure2019", "path": "data/traces/azure2019/100",
                                                                 "end_s": 90000, "functions": {"top": 2}}})
    with pytest.raises(ScenarioError, match="start_s before the trace's end"):
        as_scenario(_one({"kind": "trace", "format": "azure2019", "path": str(tmp_path / "x"), "start_s": 200}))
    sc = as_scenario(_one({"kind": "trace", "format": "azure2019", "path": str(tmp_path / "x"), "end_s": 180}))
    r = simulate(sc)
    assert r.summary["invocations"] == 4  # every count of the 3 minutes replayed, none lost


def test_simultaneous_arrivals_at_zero_replay_all(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("timestamp,function\n0,a\n0,a\n0,a\n")
    r = simulate(as_scenario(_one({"kind": "trace", "format": "csv", "path": str(p)}, horizon_s=10)))
    s = r.summary
    assert s["invocations"] == 3 == s["completed"] + s["throttled"] + s["failed"] + s["in_flight"]
