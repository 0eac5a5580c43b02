"""SLO-aware verdicts: an option that misses the SLO or is overloaded is marked and never the winner."""
from __future__ import annotations

import json

import pytest

import lambdasim
from lambdasim.cli import main
from lambdasim.comparison.compare import compare


def cpu_bound(rate: float, instances: int):
    return lambdasim.Scenario.from_dict({
        "name": "cpu", "horizon_s": 600.0, "seed": 2, "pricing": "aws-2024",
        "ec2": {"instance_type": "m5.large", "scaling": {"policy": "fixed", "instances": instances}},
        "functions": [{"name": "f", "memory_mb": 1769, "work": {"cpu": {"dist": "exponential", "mean_s": 0.1}},
                       "workload": {"kind": "poisson", "rate_per_s": rate}}]})


def test_an_overloaded_fleet_fails_and_lambda_wins():
    """30 req/s of 0.1 s CPU on one 2-vCPU instance: 1.5x its capacity (20 req/s)."""
    df = compare(cpu_bound(30.0, 1), 1, slo={"latency_p99_s": 1.0}, strategies=("configured",))
    lam, ec2 = df.iloc[0], df.iloc[1]
    assert lam["meets_slo"] and lam["stable"]
    assert not ec2["meets_slo"] and not ec2["stable"]
    assert "latency_p99_s" in ec2["slo_miss"] and "cpu_utilization" in ec2["unstable_why"]
    assert ec2["cost_usd"] < lam["cost_usd"]  # cheaper, yet not the winner
    assert df.attrs["verdict"]["winner"] == "Lambda"
    assert "Lambda" in df.attrs["answer"] and "no EC2 option compared meets it" in df.attrs["answer"]


def test_a_fleet_meeting_the_slo_is_the_verdict_with_its_ratio():
    df = compare(cpu_bound(10.0, 2), 1, slo={"latency_p99_s": 2.0}, strategies=("configured",))
    ec2 = df.iloc[1]
    assert ec2["meets_slo"] and ec2["stable"]
    v = df.attrs["verdict"]
    cheaper = "EC2, the scenario's fleet" if ec2["monthly_cost_usd"] < df.iloc[0]["monthly_cost_usd"] else "Lambda"
    assert v["winner"] == cheaper
    other = "Lambda" if cheaper != "Lambda" else "EC2, the scenario's fleet"
    assert v["ratios"][other] == pytest.approx(
        df.set_index(df["platform"].map({"lambda": "Lambda", "ec2": "EC2, the scenario's fleet"}))
        .loc[other, "monthly_cost_usd"] / v["monthly_cost_usd"])


def test_cli_marks_the_failing_option_in_the_table_and_the_json(tmp_path, capsys):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(cpu_bound(30.0, 1).to_dict()))
    assert main(["compare", str(path), "--replications", "1", "--strategies", "configured",
                 "--slo", "latency_p99_s=1"]) == 0
    out = capsys.readouterr().out
    assert "EC2, the scenario's fleet (fails)" in out and "EC2, the scenario's fleet fails: latency_p99_s" in out
    assert "capacity per instance: m5.large: 2 vCPU, 8 GiB" in out and "CPU-bound above 20 req/s" in out
    assert "Cheapest option meeting the SLO: Lambda" in out
    assert main(["compare", str(path), "--replications", "1", "--strategies", "configured",
                 "--slo", "latency_p99_s=1", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [r["meets_slo"] for r in d["rows"]] == [True, False]
    assert d["attrs"]["verdict"]["winner"] == "Lambda"


def test_size_ec2_says_why_nothing_met_the_slo():
    from lambdasim.comparison.sizing import size_ec2

    sc = lambdasim.Scenario.from_dict({
        "name": "slow", "horizon_s": 300.0, "seed": 1, "functions": [
            {"name": "f", "work": {"cpu": {"dist": "constant", "value_s": 0.01}, "wait": {"dist": "constant",
             "value_s": 1.0}}, "workload": {"kind": "poisson", "rate_per_s": 5}}]})
    r = size_ec2(sc, slo={"latency_p99_s": 0.5}, target_tracking=False)
    assert r.instances is None
    assert "below the service time itself: one request alone takes 1.01 s" in r.why
    assert str(r).startswith("No fixed fleet meets the SLO")


def test_break_even_counts_only_options_meeting_the_slo():
    """One 2-vCPU instance serves at most 20 req/s of 0.1 s CPU: at 40 req/s it is cheaper per request than
    Lambda yet overloaded, so Lambda wins there and the sentence says EC2 fails."""
    from lambdasim.comparison.break_even import break_even

    sc = cpu_bound(10.0, 1).with_overrides({"horizon_s": 300.0})
    be = break_even(sc, low=10.0, high=40.0, replications=1, points=4, log=False, slo={"latency_p99_s": 1.0})
    c = be.curves.set_index("x")
    assert c.loc[40.0, "ec2_meets_slo"] == 0.0 and c.loc[40.0, "lambda_meets_slo"] == 1.0
    assert c.loc[40.0, "ec2_cost_per_million_usd"] < c.loc[40.0, "lambda_cost_per_million_usd"]  # cheaper, failing
    # cheaper at 10 req/s, failing from 20 (its capacity): the winner flips to Lambda in between
    assert (be.below, be.above) == ("ec2", "lambda") and 10.0 < be.value < 20.0
    assert "EC2, the scenario's fleet is cheaper below it and Lambda above it" in str(be)
    assert "EC2, the scenario's fleet misses the SLO or is overloaded at 20, 30, 40 req/s" in str(be)


def test_break_even_says_in_words_when_nothing_crosses():
    from lambdasim.comparison.break_even import break_even

    sc = cpu_bound(2.0, 1).with_overrides({"horizon_s": 200.0})
    be = break_even(sc, low=0.5, high=2.0, replications=2, points=3, slo={"latency_p99_s": 5.0})
    assert not be.crosses and be.cheaper == ["lambda", "lambda"] and be.below == be.above == "lambda"
    assert str(be).startswith("No break-even between 0.5 and 2 req/s: Lambda is cheaper throughout among options "
                              "meeting the SLO (p99 latency (s) <= 5")
    nobody = break_even(sc, low=0.5, high=2.0, replications=1, points=3, slo={"latency_p99_s": 0.001})
    assert nobody.cheaper == ["neither"] and "neither platform meets the SLO" in str(nobody)


def test_compare_answer_ends_with_where_it_flips():
    """A fixed 10 ms function: one m5.large costs the same as Lambda at a rate computed by hand
    (test_compare.test_break_even_matches_the_hand_computed_rate); compare's answer names that rate."""
    sc = lambdasim.Scenario.from_dict({
        "name": "flip", "horizon_s": 100.0, "seed": 1, "pricing": "aws-2024",
        "functions": [{"name": "f", "memory_mb": 128, "duration": {"dist": "constant", "value_s": 0.01},
                       "workload": {"kind": "deterministic", "rate_per_s": 50}}],
        "ec2": {"workers_per_instance": 2, "scaling": {"policy": "fixed", "instances": 1}}})
    df = compare(sc, 1, slo={"latency_p99_s": 0.5}, strategies=("configured", "slo"), break_even=(20.0, 190.0))
    z = df.attrs["break_even"]["value"]
    assert 20 < z < 190 and df.attrs["break_even"]["below"] == "lambda"
    side = "below" if z < 50 else "above"
    assert df.attrs["answer"].endswith(f"the answer flips {side} {z:.3g} req/s (break-even searched over "
                                       "20-190 req/s, EC2 sized to the SLO).")
    plain = compare(sc, 1, slo={"latency_p99_s": 0.5}, strategies=("configured",))
    assert "flips" not in plain.attrs["answer"] and "break_even" not in plain.attrs


def test_cli_break_even_flag_ends_the_answer_and_bad_ranges_are_one_line(tmp_path, capsys):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(lambdasim.Scenario.from_dict({
        "name": "flip", "horizon_s": 100.0, "seed": 1, "pricing": "aws-2024",
        "functions": [{"name": "f", "memory_mb": 128, "duration": {"dist": "constant", "value_s": 0.01},
                       "workload": {"kind": "deterministic", "rate_per_s": 50}}],
        "ec2": {"workers_per_instance": 2, "scaling": {"policy": "fixed", "instances": 1}}}).to_dict()))
    args = ["compare", str(path), "--replications", "1", "--strategies", "configured", "--slo", "latency_p99_s=0.5"]
    assert main(args) == 0
    assert "Where the answer flips: not searched; --break-even LOW:HIGH" in capsys.readouterr().out
    assert main(args + ["--break-even", "20:190"]) == 0
    out = capsys.readouterr().out
    answer = [line for line in out.splitlines() if line.startswith("At 50 req/s")][0]
    assert "; the answer flips above 12" in answer  # by hand: 121 req/s (test_compare.py)
    assert answer.endswith("(break-even searched over 20-190 req/s, EC2 sized to the SLO).")
    assert "Where the answer flips: Break-even at" in out
    for bad in ("190:20", "x:1", "5"):
        assert main(args + ["--break-even", bad]) == 2
        err = capsys.readouterr().err
        assert "--break-even must" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
