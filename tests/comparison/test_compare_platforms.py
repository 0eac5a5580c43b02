"""compare(..., platforms=...) adds Fargate and LMI rows on the same replications."""
import numpy as np
import pytest

import lambdasim


def test_compare_lists_the_further_platforms():
    fn = {"name": "f", "duration": {"dist": "exponential", "mean_s": 0.5}, "workload": {"kind": "poisson", "rate_per_s": 5}}
    sc = lambdasim.Scenario.from_dict({"name": "t", "horizon_s": 1800.0, "functions": [fn], "pricing": "aws-latest",
                                       "lmi": {"min_instances": 1, "max_instances": 1}})
    df = lambdasim.compare(sc, replications=2, strategies=("configured",), platforms=("ec2", "fargate", "lmi"))
    assert list(df["platform"]) == ["lambda", "ec2", "fargate", "lmi"]
    costs = [lambdasim.simulate(sc, "lmi", seed=sc.seed + r).summary["cost_usd"] for r in range(2)]
    assert df.loc[df["platform"] == "lmi", "cost_usd"].iloc[0] == pytest.approx(np.mean(costs), rel=1e-12)


def every_platform(**top):
    fn = {"name": "f", "work": {"cpu": {"dist": "exponential", "mean_s": 0.02},
                                "wait": {"dist": "exponential", "mean_s": 0.3}},
          "workload": {"kind": "poisson", "rate_per_s": 8}}
    return {"name": "all", "horizon_s": 1200.0, "seed": 2, "functions": [fn], "pricing": "aws-latest",
            "fargate": {"vcpu": 0.5, "memory_gb": 1}, "lmi": {"min_instances": 1, "max_instances": 4},
            "hybrid": {"base": "fargate", "routing": "busy"}, **top}


def test_enabled_platforms_follow_the_sections_given():
    plain = lambdasim.Scenario.from_file("data/scenarios/default.yaml")
    assert plain.enabled_platforms() == ("lambda", "ec2")
    sc = lambdasim.Scenario.from_dict(every_platform())
    assert sc.enabled_platforms() == ("lambda", "ec2", "fargate", "lmi", "hybrid")
    assert lambdasim.Scenario.from_dict(every_platform(platforms=["lmi", "lambda"])).enabled_platforms() == ("lmi", "lambda")


def test_compare_lists_every_enabled_platform_with_cost_verdict_and_sizing():
    sc = lambdasim.Scenario.from_dict(every_platform())
    df = lambdasim.compare(sc, replications=1, strategies=("configured", "slo"), slo={"latency_p99_s": 2.0})
    labels = [lambdasim.comparison.compare.option_label(r) for _, r in df.iterrows()]
    from lambdasim.labels import option_label  # one vocabulary: every option named by the registry
    order = [("lambda", "on-demand"), ("ec2", "configured"), ("fargate", "configured"), ("lmi", "configured"),
             ("ec2", "slo"), ("fargate", "slo"), ("lmi", "slo"), ("hybrid", "slo")]
    assert labels == [option_label(p, s) for p, s in order]
    assert labels[1] == "EC2, the scenario's fleet" and labels[5] == "Fargate, smallest fleet meeting the SLO"
    assert df["monthly_cost_usd"].gt(0).all() and df["meets_slo"].dtype == bool
    assert df.loc[df["platform"] == "fargate", "config"].iloc[0].startswith("fixed ")
    assert "0.5 vCPU / 1 GB" in df.loc[df["platform"] == "fargate", "config"].iloc[0]
    # each SLO-sized fleet is the smallest fixed fleet meeting the SLO, found on its own platform
    for p in ("ec2", "fargate", "lmi"):
        n = df.attrs["sizing"][p]["instances"]
        assert n is not None and df.loc[(df["platform"] == p) & (df["strategy"] == "slo"), "config"].iloc[0] \
            .startswith(f"fixed {n} x")
        assert df.loc[(df["platform"] == p) & (df["strategy"] == "slo"), "meets_slo"].iloc[0]
    # the hybrid row: the cheapest base size meeting the SLO, run as run_hybrid runs it (same seed)
    hyb = df[df["platform"] == "hybrid"].iloc[0]
    n = df.attrs["sizing"]["hybrid"]["instances"]
    from lambdasim.billing.catalogue import load_catalogue
    from lambdasim.hybrid.model import run_hybrid
    s = run_hybrid(sc, load_catalogue(sc.pricing), n, "busy", base="fargate").summary
    assert hyb["cost_usd"] == s["cost_usd"] and hyb["latency_p99_s"] == s["latency_p99_s"]
    assert f"{n} x Fargate task" in hyb["config"] and "Lambda when every slot is busy" in hyb["config"]
    assert df.attrs["verdict"]["winner"] in labels


def test_cli_compare_lists_the_platforms_in_the_table_and_json(tmp_path, capsys):
    import json
    from lambdasim.cli import main

    path = tmp_path / "all.json"
    path.write_text(json.dumps(every_platform(horizon_s=600.0)))
    assert main(["compare", str(path), "--replications", "1", "--strategies", "configured",
                 "--slo", "latency_p99_s=2", "--platforms", "lambda,fargate,lmi,hybrid"]) == 0
    out = capsys.readouterr().out
    assert "all: Lambda vs Fargate vs LMI vs Hybrid" in out
    for head in ("Fargate, as configured", "Lambda Managed Instances, as configured",
                 "EC2 base + Lambda overflow, smallest fleet meeting the SLO", "monthly cost", "meets SLO"):
        assert head in out
    assert "capacity per task: Fargate task 0.5 vCPU / 1 GB" in out
    assert main(["compare", str(path), "--replications", "1", "--strategies", "configured",
                 "--slo", "latency_p99_s=2", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["platform"] for r in rows] == ["lambda", "ec2", "fargate", "lmi", "hybrid"]
    assert all(isinstance(r["monthly_cost_usd"], float) and isinstance(r["meets_slo"], bool) for r in rows)


def test_a_bad_platform_is_one_clear_error():
    with pytest.raises(ValueError, match="platforms must be among lambda, ec2, fargate, lmi, hybrid"):
        lambdasim.compare(lambdasim.Scenario.from_dict(every_platform()), 1, platforms=("azure",))
