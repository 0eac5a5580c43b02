"""Trace replay: exact counts, exact invocations, selection, fitted functions, bad files, scenarios, CLI."""
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lambdasim
from lambdasim.cli import main
from lambdasim.errors import ScenarioError, TraceError
from lambdasim.workload.formats import read_trace
from lambdasim.workload.traces import TraceSet
from lambdasim.workload.kinds import load_trace

A19 = "data/traces/azure2019/100"
A21 = "data/traces/azure2021/AzureFunctionsInvocationTraceForTwoWeeksJan2021_first998.csv"
INV = pd.read_csv(f"{A19}/100_inv.csv")
COUNTS = INV.filter(like="minute_").to_numpy()


def per_minute(df, names, minutes=1440):
    codes = df["function"].cat.codes.to_numpy()
    m = np.floor(df["arrival_s"].to_numpy() / 60).astype(int)
    out = np.zeros((len(names), minutes), dtype=int)
    np.add.at(out, (codes, m), 1)
    return out


@pytest.mark.parametrize("spread", ["uniform", "equidistant"])
def test_2019_per_minute_counts_reproduce_the_trace(spread):
    df = load_trace(A19, spread=spread, seed=4)
    assert len(df) == COUNTS.sum() == 86751 and df.attrs["spread"] == spread
    assert np.array_equal(per_minute(df, df["function"].cat.categories), COUNTS)
    assert np.all(np.diff(df["arrival_s"]) >= 0) and df["arrival_s"].max() < 86400


def test_equidistant_spacing_within_a_minute():
    df = load_trace(A19, spread="equidistant")
    row = int(np.argmax(COUNTS[:, 0]))
    name = df["function"].cat.categories[row]
    t = df.loc[(df["function"] == name) & (df["arrival_s"] < 60), "arrival_s"].to_numpy()
    c = COUNTS[row, 0]
    assert np.allclose(t, 60 * (np.arange(c) + 0.5) / c)


def test_poisson_spread_counts_are_poisson_around_the_trace():
    df = load_trace(A19, spread="poisson", seed=2)
    n = per_minute(df, df["function"].cat.categories)
    total = COUNTS.sum()
    assert abs(n.sum() - total) < 4 * math.sqrt(total)
    # sum of (n - c)^2 over cells has mean sum(c) and sd sqrt(sum(c + 2c^2))
    dev = ((n - COUNTS) ** 2).sum()
    assert abs(dev - total) < 4 * math.sqrt((COUNTS + 2 * COUNTS**2).sum())


def test_scale_window_and_selection():
    twice = load_trace(A19, scale=2.0, start_s=3600, end_s=7200)
    names = twice["function"].cat.categories
    assert np.array_equal(per_minute(twice, names, 60), 2 * COUNTS[:, 60:120])
    assert twice["arrival_s"].min() >= 0 and twice["arrival_s"].max() < 3600
    half = load_trace(A19, scale=0.5, seed=9)
    assert abs(len(half) - COUNTS.sum() / 2) < 4 * math.sqrt(COUNTS.sum() / 4)
    top = load_trace(A19, functions=5)
    tops = INV["HashFunction"].to_numpy()[np.argsort(-COUNTS.sum(axis=1), kind="stable")[:5]]
    assert [c for c in top["function"].cat.categories] == [h[:8] for h in tops]
    assert len(top) == COUNTS.sum(axis=1)[np.argsort(-COUNTS.sum(axis=1), kind="stable")[:5]].sum()
    s1, s2 = load_trace(A19, functions={"sample": 7, "seed": 3}), load_trace(A19, functions={"sample": 7, "seed": 3})
    assert len(s1["function"].cat.categories) == 7 and s1.equals(s2)
    by_name = load_trace(A19, functions=[tops[1][:10], tops[0]])
    assert list(by_name["function"].cat.categories) == [tops[1][:8], tops[0][:8]]


def test_fitted_duration_and_memory():
    ts = TraceSet(kind="azure2019", path=A19, functions={"top": 3}, memory_step_mb=64)
    run = pd.read_csv(f"{A19}/100_run.csv").set_index("HashFunction")
    mem = pd.read_csv(f"{A19}/100_mem.csv").set_index("HashApp")
    for r, fid in zip(ts.rows, ts.table()["id"]):
        d = ts.duration_of(r)
        assert d.probs == (0, 0.01, 0.25, 0.5, 0.75, 0.99, 1)
        assert np.allclose(d.values_s, run.filter(like="percentile_Average").loc[fid].to_numpy() / 1000)
        need = mem.loc[fid, "AverageAllocatedMb_pct99"]
        m = ts.memory_of(r)
        assert m % 64 == 0 and m >= max(128, need) and m - 64 < max(need, 128 - 1)


def test_trace_sets_compare_equal_after_their_durations_were_fitted():
    """What a TraceSet caches while it fits durations must not break ``==`` (pydantic compares the models'
    ``__dict__``: a cached numpy array there made the comparison raise)."""
    a = TraceSet(kind="azure2019", path=A19, functions={"top": 3})
    b = TraceSet(kind="azure2019", path=A19, functions={"top": 3})
    for r in a.rows:
        a.duration_of(r)
    for r in b.rows:
        b.duration_of(r)
    assert a == b
    assert a != TraceSet(kind="azure2019", path=A19, functions={"top": 4})


def test_2021_replays_exact_invocations():
    raw = pd.read_csv(A21)
    df = load_trace(A21, "azure2021")
    assert df.attrs["spread"] == "exact" and len(df) == len(raw)  # every start = end - duration >= 0
    want = np.sort(raw["end_timestamp"] - raw["duration"])
    assert np.allclose(df["arrival_s"], want, rtol=0, atol=1e-9)
    pairs = sorted(zip(raw["end_timestamp"] - raw["duration"], raw["duration"]))
    assert np.allclose(sorted(zip(df["arrival_s"], df["duration_s"])), pairs)
    assert len(df["function"].cat.categories) == raw["func"].nunique() == 49
    tripled = load_trace(A21, "azure2021", scale=3.0)
    assert len(tripled) == 3 * len(raw)


def test_user_csv_log(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("timestamp,duration,function\n5.0,0.2,b\n1.0,0.1,a\n2.5,0.3,a\n")
    df = load_trace(log, "csv")
    assert df["arrival_s"].tolist() == [1.0, 2.5, 5.0]
    assert df["duration_s"].tolist() == [0.1, 0.3, 0.2]
    assert df["function"].astype(str).tolist() == ["a", "a", "b"]
    (tmp_path / "bare.csv").write_text("timestamp\n0.5\n1.5\n")
    with pytest.raises(TraceError, match="must give duration"):
        load_trace(tmp_path / "bare.csv", "csv")


BAD = [
    ("x_inv.csv", "HashOwner,HashApp,HashFunction,minute_1,minute_2\na,a,a,1,2\nb,b,b,3,x\n",
     r"x_inv.csv, line 3, column 5 \('minute_2'\): must be a non-negative whole number of invocations \(at most 1,000,000,000\); got 'x'"),
    ("x_inv.csv", "HashOwner,HashApp,HashFunction,minute_1,minute_2\na,a,a,1,-2\n",
     r"line 2, column 5 \('minute_2'\).*got -2"),
    ("x_inv.csv", "HashOwner,HashApp,HashFunction,minute_1,minute_3\na,a,a,1,2\n",
     r"line 1, column 5 \('minute_3'\): minute columns must run in order"),
    ("x_inv.csv", "HashOwner,HashApp,minute_1\na,a,1\n", r"line 1 \(header\): missing column 'HashFunction'"),
    ("x_inv.csv", "HashOwner,HashApp,HashFunction,minute_1\na,a,a,1\nb,b,b\n", r"line 3, column 4 .*an empty cell"),
    ("t.csv", "app,func,end_timestamp,duration\na,f,1.0,0.5\na,f,2.0,-0.1\n",
     r"t.csv, line 3, column 4 \('duration'\): must be a non-negative duration in seconds \(at most 1e\+09\); got -0.1"),
    ("t.csv", "app,func,end_timestamp\na,f,1.0\n", r"missing column 'duration'"),
    ("t.csv", "", r"t.csv: the trace file is empty"),
    ("t.csv", "app,func,end_timestamp,duration\na,f,1.0,0.5\na,f,2.0,0.1,9\n", r"t.csv: .*Expected 4 fields in line 3, saw 5"),
]


@pytest.mark.parametrize("name,text,message", BAD)
def test_malformed_traces_name_file_line_and_column(tmp_path, name, text, message):
    f = tmp_path / name
    f.write_text(text)
    fmt = "azure2019" if name.endswith("_inv.csv") else "azure2021"
    with pytest.raises(TraceError, match=message):
        read_trace(f, fmt)
    with pytest.raises(TraceError, match=message):
        load_trace(f, fmt)
    # through a scenario: one clear error, nothing simulated
    with pytest.raises(ScenarioError, match=message):
        lambdasim.Scenario.from_dict({"horizon_s": 60, "workload": {"kind": fmt, "path": str(f)}})


def test_unsorted_2021_rows_are_fine_but_duplicate_2019_functions_are_not(tmp_path):
    f = tmp_path / "d_inv.csv"
    f.write_text("HashOwner,HashApp,HashFunction,minute_1\na,a,a,1\na,a,a,2\n")
    with pytest.raises(TraceError, match="line 3: function 'a'"):
        read_trace(f, "azure2019")


def scenario_file(tmp_path, workload, functions=True, **extra):
    import yaml
    data = {"name": "t", "horizon_s": extra.pop("horizon_s", 600), "seed": 3, **extra}
    if functions:
        data["functions"] = [{"name": "f", "duration": {"dist": "exponential", "mean_s": 0.2},
                              "init": {"dist": "constant", "value_s": 0.3}, "workload": workload}]
    else:
        data["workload"] = workload
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("workload", [
    {"kind": "poisson", "rate_per_s": 2},
    {"kind": "deterministic", "interval_s": 1.5},
    {"kind": "diurnal", "rate_per_s": 2, "peak_to_trough": 3, "peak_hour": 0.1},
    {"kind": "diurnal", "rates_per_s": [1, 0, 3], "step_s": 60},
    {"kind": "bursty", "base_rate_per_s": 0.5, "burst_rate_per_s": 10, "mean_burst_s": 5, "mean_gap_s": 60},
    {"kind": "spike", "base_rate_per_s": 1, "spike_rate_per_s": 20, "at_s": 100, "duration_s": 30},
    {"kind": "superpose", "components": [{"kind": "poisson", "rate_per_s": 1}, {"kind": "deterministic", "rate_per_s": 1}]},
    {"kind": "trace", "path": "log.csv"},
], ids=lambda w: w["kind"])
def test_every_kind_from_a_scenario_file(tmp_path, workload):
    (tmp_path / "log.csv").write_text("timestamp\n" + "\n".join(str(x) for x in range(0, 600, 7)) + "\n")
    r = lambdasim.simulate(scenario_file(tmp_path, workload))
    s = r.summary
    assert s["invocations"] > 0
    assert s["invocations"] == s["completed"] + s["throttled"] + s["failed"] + s["in_flight"]
    if workload["kind"] == "deterministic":
        assert s["invocations"] == 400
    if workload["kind"] == "trace":
        assert s["invocations"] == len(range(0, 600, 7))


def test_azure2019_scenario_expands_and_replays_exactly(tmp_path):
    wl = {"kind": "azure2019", "path": "data/traces/azure2019/100", "functions": {"top": 5}, "spread": "uniform",
          "init": {"dist": "constant", "value_s": 0.25}}
    path = scenario_file(tmp_path, wl, functions=False, horizon_s=7200)
    sc = lambdasim.Scenario.from_file(path)
    assert len(sc.functions) == 5 and sc.workload.spread == "uniform"
    assert all(f.init.value_s == 0.25 and f.duration.dist == "quantiles" for f in sc.functions)
    r = lambdasim.simulate(sc)
    ref = load_trace(A19, functions=5, end_s=7200, seed=3)
    inv = r.invocations.sort_values(["arrival_s"], kind="stable")
    assert len(inv) == len(ref) == r.summary["invocations"]
    assert np.array_equal(inv["arrival_s"].to_numpy(), ref["arrival_s"].to_numpy())
    assert np.allclose(np.sort(inv["duration_s"].to_numpy()), np.sort(ref["duration_s"].to_numpy()))
    assert list(r.by_function.index) == list(ref["function"].cat.categories)
    # the source form round-trips, and overrides reach the trace selection
    d = sc.to_dict()
    assert "functions" not in d or d["functions"] == []
    assert lambdasim.Scenario.from_dict(d).functions == sc.functions
    assert len(sc.with_overrides({"workload.functions.top": 2}).functions) == 2


def test_azure2021_and_csv_sets_carry_exact_durations(tmp_path):
    path = scenario_file(tmp_path, {"kind": "azure2021", "path": str(Path(A21).resolve())}, functions=False,
                         horizon_s=7000)
    r = lambdasim.simulate(path)
    raw = pd.read_csv(A21)
    assert r.summary["invocations"] == len(raw)
    assert np.allclose(np.sort(r.invocations["duration_s"]), np.sort(raw["duration"]))
    (tmp_path / "log.csv").write_text("timestamp,function\n1,a\n2,b\n3,a\n")
    sc = lambdasim.Scenario.from_dict({"horizon_s": 10, "workload": {
        "kind": "csv", "path": "log.csv", "duration": {"dist": "constant", "value_s": 0.5}, "memory_mb": 256}},
        base_dir=tmp_path)
    assert [f.name for f in sc.functions] == ["a", "b"] and sc.functions[0].memory_mb == 256
    assert lambdasim.simulate(sc).summary["invocations"] == 3


def test_cli_runs_a_trace_scenario_and_reports_a_bad_one(tmp_path, capsys):
    good = scenario_file(tmp_path, {"kind": "azure2019", "path": "data/traces/azure2019/100",
                                    "functions": {"top": 3}}, functions=False, horizon_s=600)
    assert main(["run", str(good), "--json"]) == 0
    assert '"invocations"' in capsys.readouterr().out
    (tmp_path / "bad_inv.csv").write_text("HashOwner,HashApp,HashFunction,minute_1\na,a,a,z\n")
    bad = scenario_file(tmp_path, {"kind": "azure2019", "path": "bad"}, functions=False)
    assert main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad_inv.csv, line 2, column 4 ('minute_1')" in err and err.count("\n") <= 3


def test_trace_init_takes_a_cold_start_preset_at_each_functions_memory(tmp_path):
    """``workload.init: {preset: ...}`` as a function's ``init`` takes it: each expanded function draws
    from the preset at its own (fitted) memory, unless the trace's ``init`` names arch or memory."""
    from lambdasim.awslambda.coldstarts import InitPreset, table
    wl = {"kind": "azure2019", "path": A19, "functions": {"top": 8}, "init": {"preset": "python3.12"}}
    sc = lambdasim.Scenario.from_file(scenario_file(tmp_path, wl, functions=False, horizon_s=1800))
    fns = sc.functions
    assert all(isinstance(f.init, InitPreset) and f.init.preset == "python3.12" for f in fns)
    assert [f.init.memory_mb for f in fns] == [f.memory_mb for f in fns]
    assert len({f.memory_mb for f in fns}) > 1  # fitted memories differ, so the per-function fill is seen
    assert all(f.init.arch == "x86_64" and f.init.package_type == "zip" for f in fns)
    # the source form keeps what was stated, so a reload fills in each function's own fields again
    d = sc.to_dict()
    assert d["workload"]["init"] == {"dist": "preset", "preset": "python3.12"}
    assert lambdasim.Scenario.from_dict(d).functions == fns
    # stated fields win over the function's own
    arm = lambdasim.Scenario.from_dict({**d, "workload": {**d["workload"], "init": {"preset": "python3.12",
                                                                                    "arch": "arm64", "memory_mb": 512}}})
    assert all(f.init.arch == "arm64" and f.init.memory_mb == 512 for f in arm.functions)
    # cold starts draw inside the measured range of the row for python3.12 x86_64 zip
    r = lambdasim.simulate(sc)
    inv = r.invocations
    cold = inv[inv["cold"]]
    assert len(cold) > 8
    rows = [t for t in table() if t["preset"] == "python3.12" and t["arch"] == "x86_64" and t["package_type"] == "zip"]
    lo, hi = min(t["ms"][0] for t in rows) / 1000, max(t["ms"][-1] for t in rows) / 1000
    assert cold["init_s"].between(lo, hi).all()
    assert (inv.loc[~inv["cold"] & (inv["status"] == "completed"), "init_s"] == 0).all()


@pytest.mark.parametrize("init, words", [({"preset": "python9"}, ["workload.init", "unknown cold-start preset", "python9"]),
                                         ({"preset": "python3.12", "package_type": "tarball"}, ["workload.init", "package_type"])])
def test_bad_trace_init_preset_gives_one_clear_error(tmp_path, init, words):
    wl = {"kind": "azure2019", "path": A19, "functions": {"top": 2}, "init": init}
    with pytest.raises(ScenarioError) as e:
        lambdasim.Scenario.from_file(scenario_file(tmp_path, wl, functions=False))
    msg = str(e.value)
    assert all(w in msg for w in words), msg
