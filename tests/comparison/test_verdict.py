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
