"""The plain CSV reader gives the pandas path's traces exactly (ids, order, every float) and sends every file it
does not recognise to the pandas path, whose errors stay the one clear error."""
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from lambdasim.errors import TraceError
from lambdasim.workload.formats import read_trace
from lambdasim.workload.plain_csv import read_plain

A19 = ["data/traces/azure2019/100", "data/traces/azure2019/1000"]
A21 = "data/traces/azure2021/AzureFunctionsInvocationTraceForTwoWeeksJan2021_first998.csv"


def same(a, b):
    """Two traces equal to the last bit: ids and their order, counts, times, durations, quantiles, memory."""
    assert (a.format, a.path, a.ids, a.span_s, a.index) == (b.format, b.path, b.ids, b.span_s, b.index)
    assert (a.counts is None) == (b.counts is None)
    if a.counts is not None:
        assert a.counts.dtype == b.counts.dtype and np.array_equal(a.counts, b.counts)
    for x, y in ((a.starts, b.starts), (a.durations, b.durations)):
        assert (x is None) == (y is None)
        if x is not None:
            assert len(x) == len(y) and all(u.tobytes() == v.tobytes() for u, v in zip(x, y))
    assert (a.quantiles is None) == (b.quantiles is None)
    if a.quantiles is not None:
        assert a.quantiles[0] == b.quantiles[0]
        assert a.quantiles[1].tobytes() == b.quantiles[1].tobytes()
    assert a.memory.keys() == b.memory.keys()
    assert all(a.memory[k].tobytes() == b.memory[k].tobytes() for k in a.memory)


def both(path, fmt):
    return read_trace(path, fmt), read_trace(path, fmt, plain=False)


@pytest.mark.parametrize("path", A19)
def test_shipped_2019_traces_read_the_same_without_pandas(path):
    a, b = both(path, "azure2019")
    same(a, b)
    assert a.counts.sum() > 0 and np.isfinite(a.quantiles[1]).any() and a.memory


def test_the_azure_day_scenario_loads_without_pandas():
    code = ("import sys, lambdasim; sc = lambdasim.Scenario.from_file('data/scenarios/azure2019_day.yaml'); "
            "print(len(sc.functions), 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    assert out == ["1000", "False"]


def test_2021_values_of_more_than_15_digits_take_the_pandas_path():
    # pandas' parser keeps 17 digits and rounds differently from float(): such cells are not plain numbers
    t = read_plain(A21)
    assert t is not None and t.numbers(["end_timestamp"]) is None and t.numbers(["duration"]) is not None
    same(*both(A21, "azure2021"))


def random_decimals(rng, n, int_digits=15):
    """Plain decimals of 1 to 15 digits: integers, leading zeros, trailing points, long fractions."""
    out = []
    for _ in range(n):
        k = int(rng.integers(1, 16))
        digits = "".join(str(d) for d in rng.integers(0, 10, k))
        cut = min(int(rng.integers(0, k + 1)), int_digits)
        out.append(digits if cut == k and rng.random() < 0.3 else digits[:max(cut, 1)] + "." + digits[max(cut, 1):])
    return out


def test_plain_decimals_parse_to_pandas_floats():
    rng = np.random.default_rng(7)
    cells = random_decimals(rng, 20_000)
    ours = np.array([float(c) for c in cells])
    theirs = pd.read_csv(pd.io.common.StringIO("x\n" + "\n".join(cells) + "\n"), skipinitialspace=True)["x"]
    assert ours.tobytes() == theirs.to_numpy(dtype=float).tobytes()


def write_2019(folder, rng, n=40, minutes=30, header="minute_", eol="\n", trigger=False, decimals=True):
    folder.mkdir()
    owners = [f"o{k % 7:x}ab" for k in range(n)]
    apps = [f"app{k % 11}x" for k in range(n)]
    fns = [f"f{k:04x}fn" for k in range(n)]
    counts = rng.integers(0, 50, (n, minutes)) * (rng.random((n, 1)) < 0.8)
    head = ["HashOwner", "HashApp", "HashFunction"] + (["Trigger"] if trigger else [])
    lines = [",".join(head + [f"{header}{m}" for m in range(1, minutes + 1)])]
    for k in range(n):
        lines.append(",".join([owners[k], apps[k], fns[k]] + (["http"] if trigger else []) + [str(c) for c in counts[k]]))
    (folder / "t_inv.csv").write_text(eol.join(lines) + eol)
    pcts = ["percentile_Average_" + p for p in ("0", "1", "25", "50", "75", "99", "100")]
    lines = [",".join(["HashOwner", "HashApp", "HashFunction", "Average", *pcts])]
    for k in rng.permutation(n)[: n - 3]:  # three functions without durations
        q = np.sort(rng.random(7) * 10 ** rng.integers(1, 5))
        vals = [random_decimals(rng, 1)[0] if decimals else str(int(v)) for v in q]
        vals = sorted(vals, key=float)
        lines.append(",".join([owners[k], apps[k], fns[k], "1.5", *vals]))
    (folder / "t_run.csv").write_text(eol.join(lines) + eol)
    lines = ["HashOwner,HashApp,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct50,AverageAllocatedMb_pct99"]
    for k in range(0, n, 2):  # each app once or twice (the first row counts), some apps missing
        lines.append(f"{owners[k]},{apps[k]},9,{rng.integers(60, 300)}.{rng.integers(0, 99)},{rng.integers(60, 300)},"
                     f"{rng.integers(60, 400)}")
    (folder / "t_mem.csv").write_text(eol.join(lines) + eol)
    return folder


@pytest.mark.parametrize("variant", [{}, {"header": ""}, {"eol": "\r\n"}, {"trigger": True}, {"decimals": False}])
def test_generated_2019_traces_read_the_same(tmp_path, variant):
    folder = write_2019(tmp_path / "t", np.random.default_rng(len(str(variant))), **variant)
    inv, *_ = folder.glob("*_inv.csv")
    assert read_plain(str(inv), tail_from=3 + variant.get("trigger", False)) is not None  # the plain path applies
    a, b = both(folder, "azure2019")
    same(a, b)
    assert np.isnan(a.quantiles[1]).any() and np.isnan(a.memory["p99"]).any() and not np.isnan(a.memory["p99"]).all()


FALLBACKS = [  # files the plain reader does not take: the pandas path reads them, with the same result
    ("quotes", lambda s: s.replace("o1ab,", '"o1ab",')),
    ("spaces", lambda s: s.replace(",", ", ")),
    ("byte-order mark", lambda s: "\ufeff" + s),
    ("blank line", lambda s: s.replace("\n", "\n\n", 3)),
    ("numeric ids", lambda s: s.replace("f0001fn", "17")),
]


@pytest.mark.parametrize("name,change", FALLBACKS, ids=[f[0] for f in FALLBACKS])
def test_files_that_are_not_plain_read_the_same_through_pandas(tmp_path, name, change):
    folder = write_2019(tmp_path / "t", np.random.default_rng(3))
    inv = folder / "t_inv.csv"
    inv.write_text(change(inv.read_text()))
    assert read_plain(str(inv), tail_from=3) is None or name == "numeric ids"
    same(*both(folder, "azure2019"))


@pytest.mark.parametrize("cell", ["1" * 25, "1000000001", "1.5", "", "-1", "1e30", "x"])
def test_bad_counts_get_the_pandas_paths_error(tmp_path, cell):
    f = tmp_path / "x_inv.csv"
    f.write_text(f"HashOwner,HashApp,HashFunction,minute_1,minute_2\na,a,a,1,2\nb,b,b,3,{cell}\n")
    with pytest.raises(TraceError) as plain:
        read_trace(f, "azure2019")
    with pytest.raises(TraceError) as reference:
        read_trace(f, "azure2019", plain=False)
    assert str(plain.value) == str(reference.value) and "line 3, column 5 ('minute_2')" in str(plain.value)


def test_user_logs_read_the_same(tmp_path):
    rng = np.random.default_rng(5)
    n = 500
    t = random_decimals(rng, n, int_digits=9)
    d = random_decimals(rng, n, int_digits=8)
    fn = [f"fn{k}" for k in rng.integers(0, 9, n)]
    f = tmp_path / "log.csv"
    f.write_text("function,timestamp_s,duration_s\n" + "".join(f"{a},{b},{c}\n" for a, b, c in zip(fn, t, d)))
    assert read_plain(str(f)) is not None
    same(*both(f, "csv"))
    g = tmp_path / "two.csv"  # azure2021 columns, a function in two apps: ids become app/func
    g.write_text("app,func,end_timestamp,duration\na1,f,10.5,0.25\na2,f,11.0,1\na1,g,3,0.5\n")
    a, b = both(g, "azure2021")
    same(a, b)
    assert a.ids == ("a1/f", "a2/f", "a1/g")
