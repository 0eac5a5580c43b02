"""The comparison panel works without a kernel: setting a knob re-runs the comparison."""
import lambdasim
from lambdasim.notebook.compare import ComparisonPanel


def base():
    return lambdasim.Scenario.from_dict({
        "name": "panel", "horizon_s": 300, "seed": 2,
        "functions": [{"name": "f", "memory_mb": 128, "duration": {"dist": "exponential", "mean_s": 0.2},
                       "workload": {"kind": "poisson", "rate_per_s": 5}}]})


def test_knobs_rerun_the_comparison():
    p = ComparisonPanel(base(), replications=2, strategies=("configured", "slo"))
    first = p.result
    assert first["strategy"].tolist() == ["on-demand", "configured", "slo"]
    assert p.image.value[:4] == b"\x89PNG" and "EC2, smallest fleet meeting the SLO" in p.table.value
    p.memory.value = 1024  # 8x the GB-s: Lambda's compute charge grows
    assert p.result.loc[0, "cost_per_million_usd"] > first.loc[0, "cost_per_million_usd"]
    assert p.result.loc[1, "cost_usd"] == first.loc[1, "cost_usd"]  # the EC2 fleet does not care
    p.instance.value = "t3.micro"  # 1 GiB less the 512 MiB reserve cannot hold a 1,024 MB request: said, not run
    assert "cannot hold one request" in p.message.value and "comparing" not in p.status.value
    p.memory.value = 128
    assert "t3.micro" in p.result.loc[1, "config"] and p.message.value == ""
    p.slo.value = 0.02  # below the work itself: no fleet meets it
    assert p.result.loc[2, "config"] == "no configuration meets the SLO"


def test_the_rate_knob_moves_both_platforms_and_memory_reaches_10240_mb():
    p = ComparisonPanel(base(), replications=1, strategies=("configured",))
    first = p.result
    assert p.memory.max == 10240 and p.has_rate and not p.rate.disabled
    p.rate.value = 20  # four times the load: one m5.large still holds it (memory admission), busier
    assert p.result.loc[0, "completed"] > 3 * first.loc[0, "completed"]
    assert p.result.loc[1, "utilization"] > 3 * first.loc[1, "utilization"]
    assert "update 2 took" in p.status.value and not any(c.disabled for c in p.controls)


def test_the_panel_says_the_verdict_marks_failing_options_and_shows_the_month():
    """One instance of 2 workers serves 20 req/s of 0.1 s; at 30 req/s it is overloaded and must be marked."""
    sc = base().with_overrides({"functions.0.workload.rate_per_s": 30.0,
                                "functions.0.duration": {"dist": "constant", "value_s": 0.1},
                                "ec2": {"workers_per_instance": 2, "scaling": {"policy": "fixed", "instances": 1}}})
    p = ComparisonPanel(sc, replications=1, strategies=("configured",))
    ec2 = p.result.iloc[1]
    assert not ec2["meets_slo"] and not ec2["stable"]
    html = p.table.value
    assert "(fails)</td>" in html and "no, overloaded" in html
    assert p.result.attrs["verdict"]["sentence"].split(";")[0] in html and "At 30 req/s Lambda costs" in html
    assert "monthly cost" in html and "extrapolated from under a day" in html
