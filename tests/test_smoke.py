import lambdasim


def test_default_scenario_runs_and_conserves():
    sc = lambdasim.Scenario.from_file("data/scenarios/default.yaml").with_overrides({"horizon_s": 2000})
    s = lambdasim.simulate(sc).summary
    assert s["invocations"] == s["completed"] + s["throttled"] + s["failed"] + s["in_flight"]
    assert s["invocations"] > 0
