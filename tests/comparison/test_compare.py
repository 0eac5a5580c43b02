"""The comparison: monotonicity, SLO sizing against Erlang C, a hand-computed break-even, the table, the CLI."""
import json

import numpy as np
import pytest

import lambdasim
from lambdasim.stats import mean_interval
from lambdasim.cli import main
from lambdasim.ec2.cost import hour_price_usd
from lambdasim.billing.catalogue import load_catalogue
from lambdasim.comparison.replication import ci95
from lambdasim.theory import mmc_wait_mean


def poisson(rate, horizon_s=2000.0, seed=3, *, mean_s=1.0, ec2=None, memory_mb=128):
    return lambdasim.Scenario.from_dict({
        "name": "cmp", "horizon_s": horizon_s, "seed": seed,
        "functions": [{"name": "f", "memory_mb": memory_mb, "duration": {"dist": "exponential", "mean_s": mean_s},
                       "workload": {"kind": "poisson", "rate_per_s": rate}}],
        "ec2": ec2 or {}})


def fixed(n, workers=2):
    return {"workers_per_instance": workers, "scaling": {"policy": "fixed", "instances": n}}


def test_more_instances_never_raise_latency_nor_lower_cost():
    rows = [lambdasim.simulate(poisson(7.0, ec2=fixed(n)), "ec2", records="summary").summary for n in (4, 5, 6, 8, 12)]
    for a, b in zip(rows, rows[1:]):
        assert b["latency_mean_s"] <= a["latency_mean_s"]
        assert b["queue_wait_mean_s"] <= a["queue_wait_mean_s"]
        assert b["latency_p99_s"] <= a["latency_p99_s"] * (1 + 0.01)  # histogram bins are 0.5 % wide
        assert b["cost_usd"] > a["cost_usd"]


def test_higher_rate_never_lowers_utilisation():
    util = [lambdasim.simulate(poisson(r, ec2=fixed(10)), "ec2", records="summary").summary["utilization"]
            for r in (2.0, 6.0, 10.0, 14.0, 18.0)]
    assert util == sorted(util)
    assert util[0] == pytest.approx(2.0 / 20, rel=0.1)


def test_size_ec2_finds_the_erlang_c_fleet():
    # M/M/c with 1 worker per instance, 8 requests/s of 1 s: Erlang C gives a mean wait of
    # 0.082 s with 11 workers and 0.035 s with 12, so the cheapest fleet for 0.05 s is 12.
    assert mmc_wait_mean(11, 8.0, 1.0) > 0.05 > mmc_wait_mean(12, 8.0, 1.0)
    sc = poisson(8.0, horizon_s=6000, ec2={"workers_per_instance": 1})
    s = lambdasim.size_ec2(sc, {"queue_wait_mean_s": 0.05}, target_tracking=False)
    assert s.instances == 12
    tried = s.tried.set_index("setting")
    assert not tried.loc[11, "meets"] and tried.loc[12, "meets"]
    assert s.fixed["queue_wait_mean_s"] <= 0.05


def test_size_ec2_gives_up_on_an_slo_below_the_work_itself():
    sc = poisson(4.0, horizon_s=500, ec2={"workers_per_instance": 1})
    s = lambdasim.size_ec2(sc, {"latency_p99_s": 0.5}, target_tracking=False)  # p99 of Exp(1 s) is 4.6 s
    assert s.instances is None and s.fixed is None


def test_break_even_matches_the_hand_computed_rate():
    # One m5.large (2 workers) for the horizon against Lambda at 128 MB, 10 ms per request, 1 ms billing:
    # equal cost per request when rate x (request price + 0.125 GB x 0.01 s x GB-s price) = hourly price / 3600.
    sc = lambdasim.Scenario.from_dict({
        "name": "be", "horizon_s": 100.0, "seed": 1, "pricing": "aws-2024",
        "functions": [{"name": "f", "memory_mb": 128, "duration": {"dist": "constant", "value_s": 0.01},
                       "workload": {"kind": "deterministic", "rate_per_s": 50}}],
        "ec2": fixed(1)})
    cat = load_catalogue(sc.pricing)
    assert cat["lambda.billing_granularity_ms"] == 1
    per_request = cat["lambda.request_per_million_usd"] / 1e6 + 0.125 * 0.01 * cat["lambda.duration_gb_s_usd"]
    by_hand = hour_price_usd("m5.large", cat) / 3600 / per_request
    be = lambdasim.break_even(sc, low=20, high=190, replications=2)
    assert be.value == pytest.approx(by_hand, rel=1e-3)
    assert be.cheaper == ["crosses", "crosses"]
    c = be.curves
    assert (c["lambda_cost_per_million_usd"] < c["ec2_cost_per_million_usd"]).iloc[0]
    assert (c["lambda_cost_per_million_usd"] > c["ec2_cost_per_million_usd"]).iloc[-1]


def test_break_even_reports_no_crossing_and_the_winner():
    sc = poisson(2.0, horizon_s=300, mean_s=0.05, ec2=fixed(1))
    be = lambdasim.break_even(sc, low=0.5, high=2.0, replications=2, points=3)
    assert np.isnan(be.value) and be.cheaper == ["lambda", "lambda"]


def test_compare_table_rows_cis_and_common_random_numbers():
    sc = poisson(5.0, horizon_s=600, mean_s=0.2, ec2=fixed(20))
    df = lambdasim.compare(sc, replications=3, slo={"latency_p99_s": 1.5})
    assert df["strategy"].tolist() == ["on-demand", "configured", "slo", "autoscaled"]
    assert df.loc[0, "cost_ratio"] == 1.0
    assert df.loc[1, "cost_ratio"] == pytest.approx(df.loc[1, "cost_per_million_usd"] / df.loc[0, "cost_per_million_usd"])
    # an ample fleet and no Lambda init time: the same arrivals and work give the same latencies
    assert df.loc[1, "latency_mean_s"] == pytest.approx(df.loc[0, "latency_mean_s"], rel=1e-12)
    lam = [lambdasim.simulate(sc, "lambda", seed=s, records="summary").summary["cost_per_million_usd"] for s in (3, 4, 5)]
    mean, lo, hi = mean_interval(lam)  # bootstrap percentile: inside the values' range (stats.py)
    assert df.loc[0, "cost_per_million_usd"] == pytest.approx(mean)
    assert (df.loc[0, "cost_per_million_usd_lo"], df.loc[0, "cost_per_million_usd_hi"]) == pytest.approx((lo, hi))
    assert min(lam) <= lo <= mean <= hi <= max(lam)
    assert df.attrs["slo_instances"] <= 20 and df.loc[2, "latency_p99_s"] <= 1.5
    assert df.loc[2, "cost_usd"] <= df.loc[1, "cost_usd"]


def test_ci95_is_the_t_interval():
    mean, half = ci95([1.0, 2.0, 3.0])
    assert mean == 2.0 and half == pytest.approx(4.302652729749464 * 1.0 / np.sqrt(3))
    assert np.isnan(ci95([1.0])[1]) and ci95([2.0, 2.0, 2.0])[1] == 0.0


def test_cli_compare_prints_the_table_and_json(tmp_path, capsys):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(poisson(3.0, horizon_s=300, mean_s=0.2).to_dict()))
    assert main(["compare", str(path), "--replications", "2", "--strategies", "configured,slo",
                 "--slo", "latency_p99_s=2", "--plots", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "Lambda" in out and "EC2, smallest fleet meeting the SLO" in out and "cost per million requests" in out
    assert (tmp_path / "out" / "cmp_compare.png").is_file() and (tmp_path / "out" / "cmp_fleets.png").is_file()
    assert main(["compare", str(path), "--replications", "2", "--strategies", "configured", "--json",
                 "--horizon-s", "100"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["platform"] for r in rows] == ["lambda", "ec2"]
    assert main(["run", str(path), "--platform", "ec2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["mean_instances"] >= 1


def test_cli_compare_bad_input_is_one_line_and_status_2(tmp_path, capsys):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(poisson(3.0, horizon_s=100).to_dict()))
    assert main(["compare", str(path), "--slo", "latency_p98_s=1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "slo keys must be among" in err and len(err.splitlines()) == 1
    assert main(["compare", str(path), "--replications", "0"]) == 2
    assert main(["compare", str(path), "--strategies", "cheapest"]) == 2


# --- intervals inside each metric's range, on the compare table (issue 12) ------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lambdasim.comparison.compare import _row  # noqa: E402
from lambdasim.comparison.replication import METRICS  # noqa: E402
from lambdasim.stats import wilson  # noqa: E402


class _Drawn:
    """A stand-in runner whose replications are drawn by hypothesis (no simulation)."""

    def __init__(self, runs):
        self.runs = runs

    def summaries(self, sc, platform):
        return self.runs


@st.composite
def _runs(draw):
    out = []
    for _ in range(draw(st.integers(1, 7))):
        started = draw(st.integers(1, 10**6))
        cold = draw(st.integers(0, started))
        run = {k: draw(st.floats(0.0, 1e5)) for k in METRICS}
        run.update(cold_starts=float(cold), started=float(started), cold_start_rate=cold / started,
                   utilization=draw(st.floats(0.0, 1.0)), cpu_utilization=draw(st.floats(0.0, 1.0)))
        out.append(run)
    return out


@settings(max_examples=150, deadline=None)
@given(_runs())
def test_no_compare_interval_leaves_its_metrics_domain(runs):
    row = _row(_Drawn(runs), None, "lambda", "on-demand", "f")
    for k in METRICS:
        lo, hi = row[f"{k}_lo"], row[f"{k}_hi"]
        if np.isnan(lo):
            assert len(runs) < 3 and k != "cold_start_rate"  # too few: the values are shown instead
            continue
        assert 0.0 <= lo <= row[k] <= hi, k
        if k in ("cold_start_rate", "utilization", "cpu_utilization"):
            assert hi <= 1.0, k
    pooled = wilson(sum(r["cold_starts"] for r in runs), sum(r["started"] for r in runs))
    assert (row["cold_start_rate"], row["cold_start_rate_lo"], row["cold_start_rate_hi"]) == pytest.approx(pooled)
