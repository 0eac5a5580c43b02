"""The logic of notebook 05 (trace day on Lambda and EC2), tested without a kernel."""
import numpy as np
import pytest

import lambdasim
from lambdasim.notebook import trace_day as trace_study


@pytest.fixture(scope="module")
def day():
    sc = lambdasim.Scenario.from_dict(trace_study.trace_day(30, "sample", hours=1.0).to_dict())
    return sc, lambdasim.simulate(sc)


def test_trace_day_selects_and_replays(day):
    sc, r = day
    assert len(sc.functions) == 30 and sc.horizon_s == 3600 and sc.lambda_.keep_alive.idle_s == 600
    assert r.summary["invocations"] == sc.workload.table()["invocations"].sum()
    top = trace_study.trace_day(5, "top", hours=0.5)
    assert [f.name for f in top.functions] == list(top.workload.table()["function"])


def test_cold_start_cdf_and_cost(day):
    sc, r = day
    cdf = trace_study.cold_start_cdf(r)
    assert np.all(np.diff(cdf["cold_start_pct"]) >= 0) and cdf["cdf"].iloc[-1] == 1.0
    assert cdf["cold_start_pct"].between(0, 100).all()
    assert len(cdf) == int((r.by_function["invocations"] > 0).sum())
    cost = trace_study.cost_by_function(r)
    cat = r.catalogue
    expect = (r.summary["completed"] * cat["lambda.request_per_million_usd"] / 1e6
              + r.summary["billed_gb_s"] * cat["lambda.duration_gb_s_usd"])
    assert cost["cost_usd"].sum() == pytest.approx(expect)
    assert np.all(np.diff(cost["cost_usd"]) <= 0)


def test_ec2_fleets_run_the_same_arrivals(day):
    sc, _ = day
    t = trace_study.ec2_fleets(sc)
    assert list(t.index) == list(trace_study.FLEET_OPTIONS)
    assert (t["cost_usd"] > 0).all()


def test_panel_resimulates_on_slider_moves():
    p = trace_study.TraceDayPanel(functions=10, hours=0.5, keep_alive_min=10)
    warm = p.result.summary["cold_start_rate"]
    p.keep_alive_min.value = 0
    assert p.result.summary["cold_start_rate"] == 1.0 > warm
    p.functions.value = 3
    assert len(p.result.scenario.functions) == 3
    assert p.image.value[:4] == b"\x89PNG" and "invocations" in p.label.value
    with pytest.raises(ValueError, match="pick must be"):
        trace_study.trace_day(3, "best")
