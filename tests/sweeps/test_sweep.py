"""Sweeps: the expander, seeding, the runner's rows, CIs, the results folder, the CLI."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import lambdasim
from lambdasim.cli import main
from lambdasim.errors import LambdasimError, SweepError
from lambdasim.stats import wilson
from lambdasim.sweeps.spec import Factors, SweepSpec, expand, run_seed
from lambdasim.viz.sweeps import plot_factor, plot_heatmap

from support.scenarios import one_function

GRID = {"lambda.keep_alive.idle_s": [5.0, 60.0], "functions.0.memory_mb": [128, 256, 512]}


def base(horizon_s=120.0):
    return one_function(horizon_s=horizon_s, rate=1.0, init_s=0.2, duration={"dist": "exponential", "mean_s": 0.5})


def spec(factors=GRID, replications=2, seed=3, **kw) -> SweepSpec:
    return SweepSpec.from_dict({"base": base(), "factors": factors, "replications": replications, "seed": seed, **kw})


# --- the expander -------------------------------------------------------------
def test_grid_is_the_cartesian_product_in_the_order_given():
    vs = expand(spec())
    assert [tuple(v.factors.values()) for v in vs] == [(5.0, 128), (5.0, 256), (5.0, 512),
                                                       (60.0, 128), (60.0, 256), (60.0, 512)]
    for v in vs:
        assert v.scenario.lambda_.keep_alive.idle_s == v.factors["lambda.keep_alive.idle_s"]
        assert v.scenario.functions[0].memory_mb == v.factors["functions.0.memory_mb"]
        assert v.scenario.functions[0].duration == base().functions[0].duration  # the rest is the base's
    assert len({v.key for v in vs}) == 6


def test_explicit_variants_and_fixed_overrides():
    vs = expand(spec(factors={"variants": [{"functions.0.memory_mb": 1024}, {"lambda.keep_alive.idle_s": 1.0}]},
                     overrides={"horizon_s": 30.0}))
    assert [v.scenario.functions[0].memory_mb for v in vs] == [1024, 128]
    assert [v.scenario.lambda_.keep_alive.idle_s for v in vs] == [600.0, 1.0]
    assert all(v.scenario.horizon_s == 30.0 for v in vs)


def test_sample_is_seeded_in_range_typed_and_growing_n_only_appends():
    ranges = {"functions.0.memory_mb": [128, 1024], "lambda.keep_alive.idle_s": [1.0, 900.0]}
    five = expand(spec(factors={"sample": {"n": 5, "ranges": ranges}}))
    again = expand(spec(factors={"sample": {"n": 5, "ranges": ranges}}))
    eight = expand(spec(factors={"sample": {"n": 8, "ranges": ranges}}))
    other = expand(spec(factors={"sample": {"n": 5, "ranges": ranges}}, seed=4))
    assert [v.factors for v in five] == [v.factors for v in again] == [v.factors for v in eight[:5]]
    assert [v.factors for v in five] != [v.factors for v in other]
    for v in eight:
        mem, idle = v.factors["functions.0.memory_mb"], v.factors["lambda.keep_alive.idle_s"]
        assert isinstance(mem, int) and 128 <= mem <= 1024
        assert isinstance(idle, float) and 1.0 <= idle <= 900.0


def test_bad_value_fails_in_the_expander_naming_the_field():
    with pytest.raises(LambdasimError) as err:
        expand(spec(factors={"functions.0.memory_mb": [128, 64]}))
    assert "functions.0.memory_mb" in str(err.value) and "[128, 10240]" in str(err.value) and "64" in str(err.value)


@pytest.mark.parametrize("factors, words", [
    ({"grid": {"functions.0.memory_mb": [128]}, "variants": [{"functions.0.memory_mb": 256}]}, "exactly one of"),
    ({"seed": [1, 2]}, "cannot vary 'seed'"),
    ({"functions.0.memory_mb": []}, "at least one value"),
    ({"sample": {"n": 2, "ranges": {"horizon_s": [10.0, 1.0]}}}, "low <= high"),
])
def test_bad_factors_get_one_clear_error(factors, words):
    with pytest.raises(SweepError, match=words):
        expand(spec(factors=factors))


def test_a_repeated_variant_is_refused():
    with pytest.raises(SweepError, match="same variant twice"):
        expand(spec(factors={"functions.0.memory_mb": [256, 256]}))


def test_replications_must_be_positive():
    with pytest.raises(SweepError, match=r"'replications' field of Sweep must be an int in the range \[1, inf\]"):
        spec(replications=0)


# --- seeding ---------------------------------------------------------------------
def test_run_seeds_depend_on_identity_only():
    keys = [v.key for v in expand(spec())]
    seeds = {(k, r): run_seed(3, k, r) for k in keys for r in range(4)}
    assert len(set(seeds.values())) == len(seeds)  # every run its own stream
    assert all(0 <= s < 2**63 for s in seeds.values())
    assert run_seed(3, keys[0], 1) == seeds[(keys[0], 1)] and run_seed(4, keys[0], 1) != seeds[(keys[0], 1)]
    crn = {run_seed(3, k, 2, common_random_numbers=True) for k in keys}
    assert len(crn) == 1 and crn != {run_seed(3, keys[0], 1, common_random_numbers=True)}


def test_rows_do_not_depend_on_order_or_on_other_variants():
    a = lambdasim.sweep(base(), {"functions.0.memory_mb": [128, 256]}, 2, seed=9, progress=False)
    b = lambdasim.sweep(base(), {"functions.0.memory_mb": [512, 256, 128]}, 2, seed=9, progress=False)
    b = b[b["functions.0.memory_mb"] != 512].sort_values(["functions.0.memory_mb", "replication"])
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_a_row_is_the_factor_values_seed_and_every_summary_metric():
    df = lambdasim.sweep(spec(replications=2), progress=False)
    assert len(df) == 12 and list(df.columns[:7]) == [*GRID, "variant", "replication", "seed", "status", "error"]
    variants = {v.key: v for v in expand(spec())}
    for _, row in df.iloc[[0, 7]].iterrows():
        expected = lambdasim.simulate(variants[row["variant"]].scenario, seed=int(row["seed"]), records="summary").summary
        assert {k: row[k] for k in expected} == expected
        assert row["status"] == "ok" and row["error"] is None


# --- summarising --------------------------------------------------------------
def _table(values: dict[str, list[float]]) -> pd.DataFrame:
    rows = [{"x": x, "variant": f"v{x}", "replication": r, "seed": 0, "status": "ok", "error": None, "m": v}
            for x, vs in values.items() for r, v in enumerate(vs)]
    return pd.DataFrame(rows)


def test_summarize_exact_t_interval():
    s = lambdasim.summarize(_table({1: [1.0, 2.0, 3.0], 2: [5.0, 5.0], 3: [7.0]}))
    one, two, three = (s[s["x"] == x].iloc[0] for x in (1, 2, 3))
    half = 4.30265 / np.sqrt(3)  # t(0.975, 2 d.o.f.) from a printed table * sd 1 / sqrt(3)
    assert one["n"] == 3 and one["mean"] == 2.0 and one["std"] == 1.0
    assert 2.0 - half < 0 and one["ci_low"] == 0.0  # cut at 0: no summary metric is negative
    assert one["ci_high"] == pytest.approx(2.0 + half, rel=1e-5)
    assert two["ci_low"] == two["ci_high"] == 5.0
    assert three["n"] == 1 and np.isnan(three["ci_low"]) and np.isnan(three["ci_high"])


def test_summarize_ignores_failed_rows_and_nan_values():
    df = _table({1: [1.0, 3.0, np.nan, 100.0]})
    df.loc[3, "status"] = "failed"
    s = lambdasim.summarize(df).iloc[0]
    assert s["n"] == 2 and s["mean"] == 2.0


def test_t_intervals_cover_the_true_mean_95_percent_of_the_time():
    rng = np.random.default_rng(11)
    k, n, mu = 4000, 5, 10.0
    draws = rng.normal(mu, 2.0, size=(k, n))
    s = lambdasim.summarize(_table({i: list(d) for i, d in enumerate(draws)}))
    cover = ((s["ci_low"] <= mu) & (mu <= s["ci_high"])).mean()
    assert abs(cover - 0.95) < 4 * np.sqrt(0.95 * 0.05 / k)  # binomial: ±4 standard errors
    # a z-interval (too narrow with 5 replications) would cover markedly less
    z_half = stats.norm.ppf(0.975) * s["std"] / np.sqrt(n)
    assert ((s["mean"] - z_half <= mu) & (mu <= s["mean"] + z_half)).mean() < cover - 0.03


def test_plots_of_a_sweep_summary():
    df = lambdasim.sweep(spec(replications=3), progress=False)
    s = lambdasim.summarize(df, metrics=["cold_start_rate", "cost_usd"])
    ax = plot_factor(s, "cold_start_rate", x="lambda.keep_alive.idle_s", hue="functions.0.memory_mb")
    assert len(ax.lines) == 3 and len(ax.collections) == 3  # a line and a CI band per memory size
    ax = plot_heatmap(s, "cost_usd", x="lambda.keep_alive.idle_s", y="functions.0.memory_mb")
    assert ax.images[0].get_array().shape == (3, 2)
    with pytest.raises(ValueError, match="other factors vary"):
        plot_factor(s, "cost_usd", x="lambda.keep_alive.idle_s")


# --- failures, the results folder, resuming -------------------------------------
def test_a_run_that_raises_is_a_failed_row_and_the_sweep_goes_on(monkeypatch):
    import lambdasim.sweeps.executors as ex

    real = ex.simulate

    def flaky(sc, **kw):
        if sc.functions[0].memory_mb == 256:
            raise RuntimeError("boom")
        return real(sc, **kw)

    monkeypatch.setattr(ex, "simulate", flaky)
    df = lambdasim.sweep(spec(replications=2), progress=False)
    bad = df[df["status"] == "failed"]
    assert len(df) == 12 and len(bad) == 4 and df.attrs["failed"] == 4
    assert set(bad["functions.0.memory_mb"]) == {256} and set(bad["error"]) == {"RuntimeError: boom"}
    assert bad["cost_usd"].isna().all() and df.loc[df["status"] == "ok", "cost_usd"].notna().all()
    assert len(lambdasim.summarize(df, metrics=["cost_usd"])) == 4  # the failed variants have no row


def test_results_folder_round_trip_and_resume(tmp_path, monkeypatch):
    out = tmp_path / "res"
    first = lambdasim.sweep(spec(replications=2), out=out, progress=False)
    pd.testing.assert_frame_equal(lambdasim.read_results(out), first)
    assert len(list((out / "scenarios").glob("*.json"))) == 6
    stored = lambdasim.Scenario.from_file(out / "scenarios" / f"{first['variant'][0]}.json")
    assert stored == expand(spec())[0].scenario

    import lambdasim.sweeps.executors as ex

    calls = []
    real = ex.run_one
    monkeypatch.setattr(ex, "run_one", lambda t: calls.append((t.variant, t.replication)) or real(t))
    again = lambdasim.sweep(spec(replications=2), out=out, progress=False)
    assert calls == [] and again.equals(first)
    more = lambdasim.sweep(spec(replications=3), out=out, progress=False)
    assert sorted(r for _, r in calls) == [2] * 6  # only the new replication ran
    pd.testing.assert_frame_equal(more[more["replication"] < 2].reset_index(drop=True), first)


def test_a_pair_written_twice_is_read_once(tmp_path):
    out = tmp_path / "res"
    first = lambdasim.sweep(spec(), out=out, progress=False)
    part = next((out / "parts").glob("part-*.parquet"))
    shutil.copy(part, part.with_name("part-9-copy.parquet"))
    pd.testing.assert_frame_equal(lambdasim.read_results(out), first)


def test_a_changed_sweep_is_refused_in_the_same_folder(tmp_path):
    out = tmp_path / "res"
    lambdasim.sweep(spec(), out=out, progress=False)
    with pytest.raises(SweepError, match="holds a different sweep: its variants"):
        lambdasim.sweep(spec(factors={"functions.0.memory_mb": [128, 1024]}), out=out, progress=False)
    with pytest.raises(SweepError, match="its seed"):
        lambdasim.sweep(spec(seed=4), out=out, progress=False)


def test_unknown_executor_is_an_error_before_anything_is_written(tmp_path):
    with pytest.raises(SweepError, match="executor must be"):
        lambdasim.sweep(spec(), executor="threads", out=tmp_path / "res", progress=False)
    assert not (tmp_path / "res").exists()


# --- the sweep file and the CLI -----------------------------------------------------
SWEEP_YAML = """\
name: tiny
base: scenario.yaml
overrides: {horizon_s: 60}
factors:
  grid:
    lambda.keep_alive.idle_s: [5, 60]
replications: 2
seed: 5
"""


def write_sweep(tmp_path, text=SWEEP_YAML):
    (tmp_path / "scenario.yaml").write_text(
        "horizon_s: 1000\nseed: 1\nfunctions:\n  - name: f\n    duration: {dist: constant, value_s: 0.5}\n"
        "    workload: {kind: poisson, rate_per_s: 2}\n")
    path = tmp_path / "sweep.yaml"
    path.write_text(text)
    return path


def test_sweep_file_matches_the_python_call(tmp_path, capsys):
    path = write_sweep(tmp_path)
    assert main(["sweep", str(path), "--out", str(tmp_path / "res"), "--no-progress"]) == 0
    assert "tiny: 4 runs (2 variants × 2 replications), 0 failed" in capsys.readouterr().out
    sc = lambdasim.Scenario.from_file(tmp_path / "scenario.yaml")
    df = lambdasim.sweep(sc, {"lambda.keep_alive.idle_s": [5, 60]}, 2, seed=5, overrides={"horizon_s": 60},
                         name="tiny", progress=False)
    got = lambdasim.read_results(tmp_path / "res")
    pd.testing.assert_frame_equal(got, df)


def test_cli_ends_with_a_labelled_table_and_csv_files_and_resumes_past_them(tmp_path, capsys):
    from lambdasim.sweeps.summary import summarize, summary_table

    path, res = write_sweep(tmp_path), tmp_path / "res"
    assert main(["sweep", str(path), "--out", str(res), "--no-progress"]) == 0
    out = capsys.readouterr().out
    df = lambdasim.read_results(res)
    table = summary_table(summarize(df))
    assert list(table.columns[:1]) == ["keep-alive (s)"] and "p99 latency (s)" in table.columns
    assert table.to_string(index=False) in out and "lambda.keep_alive.idle_s" not in out
    mean = df.groupby("variant")["cost_per_million_usd"].mean().iloc[0]
    assert table["cost per million requests"][0].startswith(f"${mean:.2f}" if mean >= 1 else "$")
    assert len(pd.read_csv(res / "runs.csv")) == len(df) and pd.read_csv(res / "summary.csv")["variant"].nunique() == 2
    assert main(["sweep", str(path), "--out", str(res), "--no-progress"]) == 0  # resumes: nothing to run
    pd.testing.assert_frame_equal(lambdasim.read_results(res), df)


def test_cli_bad_sweep_file_is_one_line_and_status_2(tmp_path, capsys):
    path = write_sweep(tmp_path, SWEEP_YAML.replace("replications: 2", "replications: two"))
    assert main(["sweep", str(path), "--out", str(tmp_path / "res")]) == 2
    err = capsys.readouterr().err
    assert "'replications' field of Sweep must be a valid integer" in err and "Traceback" not in err


def test_cli_failed_runs_give_status_1(tmp_path, capsys, monkeypatch):
    import lambdasim.sweeps.executors as ex

    def boom(*a, **k):
        raise MemoryError("too big")

    monkeypatch.setattr(ex, "simulate", boom)
    assert main(["sweep", str(write_sweep(tmp_path)), "--out", str(tmp_path / "res"), "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "4 failed" in out and "4 × MemoryError: too big" in out


def test_platform_is_passed_to_simulate_and_checked():
    df = lambdasim.sweep(base(), {"functions.0.memory_mb": [128, 256]}, 1, platform="ec2", progress=False)
    sc = expand(spec(factors={"functions.0.memory_mb": [128, 256]}))[1].scenario
    expected = lambdasim.simulate(sc, platform="ec2", seed=int(df["seed"][1]), records="summary").summary
    assert {k: df.loc[1, k] for k in expected} == expected
    with pytest.raises(SweepError, match="'platform' field of Sweep must be one of lambda"):
        lambdasim.sweep(base(), {"functions.0.memory_mb": [128]}, platform="gcp", progress=False)


def test_sweep_file_with_inline_base_and_a_misspelt_key(tmp_path):
    inline = SWEEP_YAML.replace("base: scenario.yaml", "base:\n  horizon_s: 60\n  functions:\n    - name: f\n"
                                "      duration: {dist: constant, value_s: 0.5}\n"
                                "      workload: {kind: poisson, rate_per_s: 2}")
    spec_ = SweepSpec.from_file(write_sweep(tmp_path, inline))
    assert spec_.base.functions[0].name == "f" and len(expand(spec_)) == 2
    with pytest.raises(SweepError, match="'replication' key of Sweep is not allowed .did you mean 'replications'"):
        SweepSpec.from_file(write_sweep(tmp_path, SWEEP_YAML.replace("replications:", "replication:")))


def test_the_shipped_example_sweep_file_expands():
    path = Path(__file__).absolute().parents[2] / "data" / "sweeps" / "keepalive_memory.yaml"
    spec_ = SweepSpec.from_file(path)
    variants = expand(spec_)
    assert len(variants) == 12 and spec_.replications == 10
    assert {v.scenario.pricing.preset for v in variants} == {"aws-latest"}


# --- intervals inside each metric's range (issue 12) ----------------------------------------------


@st.composite
def _replications(draw):
    """A random set of runs of one variant: counts and the rates and costs they imply."""
    n = draw(st.integers(1, 8))
    rows = []
    for r in range(n):
        inv = draw(st.integers(1, 10**6))
        thr = draw(st.integers(0, inv))
        cold = draw(st.integers(0, inv - thr))
        rows.append({"x": 1, "variant": "v", "replication": r, "seed": r, "status": "ok", "error": None,
                     "invocations": inv, "throttled": thr, "cold_starts": cold,
                     "cold_start_rate": cold / (inv - thr) if inv > thr else np.nan, "throttle_rate": thr / inv,
                     "latency_p99_s": draw(st.floats(0.0, 1e4)), "cost_usd": draw(st.floats(0.0, 1e6))})
    return pd.DataFrame(rows)


@settings(max_examples=150, deadline=None)
@given(_replications())
def test_no_sweep_interval_leaves_its_metrics_domain(df):
    s = lambdasim.summarize(df).set_index("metric")
    for m, row in s.iterrows():
        if np.isnan(row["ci_low"]):
            assert row["n"] < 2 and m not in ("cold_start_rate", "throttle_rate")
            continue
        assert 0.0 <= row["ci_low"] <= row["mean"] <= row["ci_high"], m
        if m.endswith("_rate"):
            assert row["ci_high"] <= 1.0, m
    thr = s.loc["throttle_rate"]
    p, lo, hi = wilson(df["throttled"].sum(), df["invocations"].sum())
    assert (thr["mean"], thr["ci_low"], thr["ci_high"]) == pytest.approx((p, lo, hi))  # pooled Wilson
