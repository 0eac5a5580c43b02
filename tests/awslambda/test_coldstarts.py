"""Cold-start presets: quantile tables of measured INIT durations, sampled as measured."""
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import lambdasim
from lambdasim.awslambda.coldstarts import PROBS, InitPreset, table
from lambdasim.errors import ScenarioError
from support.platforms import conserved

SHARED = Path(__file__).resolve().parents[2].parent.parent / "shared" / "data"
if not SHARED.is_dir():  # CI puts shared/ beside the project
    SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _fn(init, **fn):
    return lambdasim.Scenario.from_dict({"horizon_s": 2000, "seed": 2, "functions": [{
        "name": "f", "duration": {"dist": "constant", "value_s": 0.1}, "init": init,
        "workload": {"kind": "poisson", "rate_per_s": 0.5}, **fn}], "lambda": {"keep_alive": {"idle_s": 0}}})


@pytest.mark.parametrize("preset, arch, pkg, mem", [
    ("python3.12", "x86_64", "zip", 128), ("nodejs22.x", "arm64", "zip", 512), ("java21", "x86_64", "image", 1024),
    ("e2e-2021-nodejs-35mb-deps", "x86_64", "zip", 2048), ("e2e-2021-container-image", "x86_64", "image", 128)])
def test_sample_quantiles_match_the_table(preset, arch, pkg, mem):
    d = InitPreset(preset=preset, arch=arch, package_type=pkg, memory_mb=mem)
    x = d.sample(np.random.default_rng(0), 400_000)
    table_s = np.array(d.row["ms"]) / 1000
    n = len(x)
    below = np.searchsorted(np.sort(x), table_s, side="right") / n   # the sample CDF at each table value
    se = np.sqrt(np.array(PROBS) * (1 - np.array(PROBS)) / n)
    assert np.all(np.abs(below - np.array(PROBS)) <= 4 * se + 1e-9), below
    assert x.min() >= table_s[0] and x.max() <= table_s[-1]
    assert abs(x.mean() - d.mean) < 4 * np.sqrt(d.variance / n)


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared data not beside the project")
def test_table_reproduces_the_raw_measurements():
    import pandas as pd
    raw = pd.read_csv(SHARED / "lambda-perf-maxday" / "lambda_perf_init_durations_long.csv")
    for runtime, arch, pkg, mem in [("python3.12", "x86_64", "zip", 128), ("java21", "arm64", "image", 256)]:
        ms = raw[(raw.runtime == runtime) & (raw.arch == arch) & (raw.package == pkg) & (raw.memory_mb == mem)].init_ms
        d = InitPreset(preset=runtime, arch=arch, package_type=pkg, memory_mb=mem)
        assert d.row["n"] == len(ms)
        assert d.row["ms"][5] == pytest.approx(ms.median(), abs=0.01)
        assert d.row["ms"][0] == pytest.approx(ms.min()) and d.row["ms"][-1] == pytest.approx(ms.max())
    import json
    pts = json.loads((SHARED / "shilkov-coldstarts" / "raw_coldstart_aws_vpc.json").read_text())["points"]
    vpc = InitPreset(preset="e2e-2021-nodejs-vpc")
    assert vpc.row["ms"][5] == pytest.approx(1000 * np.median([p[0] for p in pts]), abs=0.01)


def test_quantiles_keep_the_tail_a_lognormal_fit_loses():
    """A lognormal through p50 and p90 puts p99 lower than measured for the heavy-tailed e2e samples."""
    d = InitPreset(preset="e2e-2021-python")
    p50, p90, p99 = d.row["ms"][5], d.row["ms"][7], d.row["ms"][9]
    sigma = np.log(p90 / p50) / 1.2815515655446004
    lognormal_p99 = p50 * np.exp(2.3263478740408408 * sigma)
    assert lognormal_p99 < 0.9 * p99
    x = d.sample(np.random.default_rng(1), 200_000)
    assert np.quantile(x, 0.99) * 1000 == pytest.approx(p99, rel=0.02)


def test_function_fields_are_the_defaults_and_nearest_memory_is_used():
    sc = _fn({"preset": "python3.12"}, memory_mb=3008, arch="arm64")
    init = sc.functions[0].init
    assert (init.arch, init.memory_mb, init.package_type) == ("arm64", 3008, "zip")
    assert init.row["memory_mb"] == 1024 and init.row["arch"] == "arm64"
    again = lambdasim.Scenario.from_dict(sc.to_dict())
    assert again.functions[0].init == init
    own = _fn({"preset": "python3.12", "memory_mb": 128}, memory_mb=3008).functions[0].init
    assert own.row["memory_mb"] == 128


def test_cold_starts_in_a_run_draw_from_the_preset():
    sc = _fn({"preset": "java21"})
    r = lambdasim.simulate(sc)
    init = r.invocations.loc[r.invocations["cold"], "init_s"].to_numpy()
    lo, hi = np.array(sc.functions[0].init.row["ms"])[[0, -1]] / 1000
    assert len(init) > 500 and init.min() >= lo and init.max() <= hi
    assert abs(init.mean() - sc.functions[0].init.mean) < 4 * init.std() / np.sqrt(len(init))


@pytest.mark.parametrize("init, words", [
    ({"preset": "python9"}, ["unknown cold-start preset", "python3.12"]),
    ({"preset": "e2e-2021-python", "package_type": "image"}, ["no measurements", "x86_64/zip"]),
])
def test_bad_init_preset_gives_one_clear_error(init, words):
    with pytest.raises(ScenarioError) as e:
        _fn(init)
    assert "functions.0.init" in str(e.value) and all(w in str(e.value) for w in words), str(e.value)


_ROWS = [(r["preset"], r["arch"], r["package_type"], r["memory_mb"] or 128) for r in table()]


@settings(max_examples=25, deadline=None)
@given(row=st.sampled_from(_ROWS), keep_alive=st.sampled_from(["aws-2016", "aws-2018", "aws-2020", "aws-2021"]),
       seed=st.integers(0, 10_000), rate=st.sampled_from([0.01, 0.3, 5.0]))
def test_every_cold_start_preset_conserves_and_is_deterministic(row, keep_alive, seed, rate):
    """Any measured INIT table (every preset, arch, package and memory measured) under any keep-alive era:
    every arrival accounted for, the same seed gives the same run, and each cold start's INIT lies within
    the table's measured range (p0..p100)."""
    preset, arch, pkg, mem = row
    sc = lambdasim.Scenario.from_dict({"horizon_s": 3000, "seed": seed, "lambda": {"keep_alive": {"preset": keep_alive}},
                                       "functions": [{"name": "f", "memory_mb": mem, "arch": arch,
                                                      "package_type": pkg, "duration": {"dist": "exponential",
                                                                                        "mean_s": 1.0},
                                                      "init": {"preset": preset},
                                                      "workload": {"kind": "poisson", "rate_per_s": rate}}]})
    a, b = lambdasim.simulate(sc), lambdasim.simulate(sc)
    assert conserved(a.summary) and a.summary == b.summary
    assert a.invocations.equals(b.invocations)
    lo, hi = (v / 1000 for v in (sc.functions[0].init.row["ms"][0], sc.functions[0].init.row["ms"][-1]))
    init = a.invocations.loc[a.invocations["cold"], "init_s"].to_numpy()
    assert len(init) > 0 and (init >= lo - 1e-12).all() and (init <= hi + 1e-12).all()
