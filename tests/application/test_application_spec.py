"""The application graph's validation and the managed services' bill (issue 8)."""
from __future__ import annotations

import copy

import pytest

import lambdasim
from lambdasim.application.spec import find_cycle, layers
from lambdasim.billing.services import SERVICES
from lambdasim.errors import ScenarioError
from lambdasim.billing.catalogue import load_catalogue
from lambdasim.billing.services import service_line_items, service_rate_usd, services_usd

from support.applications import app_scenario, at, fn

FNS = [fn("upload", "async", workload=at(1.0)), fn("extract"), fn("trend", "stream")]
EDGES = [{"from": "upload", "to": "extract", "trigger": "async"},
         {"from": "extract", "to": "trend", "trigger": "stream"}]


def build(edit=None, fns=None, **app):
    edges, functions = copy.deepcopy(EDGES), copy.deepcopy(fns or FNS)
    if edit:
        edit(edges, functions)
    return app_scenario(functions, edges, **app)


def error(edit=None, fns=None, **app) -> str:
    with pytest.raises(ScenarioError) as exc:
        build(edit, fns, **app)
    return str(exc.value)


def test_a_valid_graph_loads_and_round_trips():
    sc = build()
    assert [(e.from_, e.to) for e in sc.application.edges] == [("upload", "extract"), ("extract", "trend")]
    again = lambdasim.Scenario.from_dict(sc.to_dict())
    assert again.application == sc.application


def test_a_cycle_is_an_error_naming_it():
    msg = error(lambda e, f: e.append({"from": "trend", "to": "upload", "trigger": "async"}))
    assert "no cycle" in msg and "upload -> extract -> trend -> upload" in msg


def test_an_edge_to_an_unknown_function_is_an_error_with_a_hint():
    msg = error(lambda e, f: e[1].update(to="trends"))
    assert "application.edges.1.to names unknown function 'trends'" in msg and "did you mean 'trend'" in msg
    assert "unknown function 'nope'" in error(lambda e, f: e[0].update({"from": "nope"}))


def test_a_trigger_must_match_the_target_invocation_type():
    msg = error(lambda e, f: e[1].update(trigger="sqs"))
    assert "trigger 'sqs'" in msg and "function 'trend' must have invocation type 'sqs'; it has 'stream'" in msg


def test_a_fan_in_needs_its_fan_out():
    msg = error(lambda e, f: e[1].update(fan_in="upload"))  # upload -> extract emits 1: no group
    assert "fan_in 'upload' but no fan-out edge upload -> extract" in msg

    def ok(e, f):
        e[0]["emit"] = 4
        e[1]["fan_in"] = "upload"
    assert build(ok).application.edges[1].fan_in == "upload"


def test_a_sync_edge_calls_once():
    fns = [fn("api", "sync", workload=at(1.0)), fn("db", "sync")]
    with pytest.raises(ScenarioError, match="sync call.*emit must be 1"):
        app_scenario(fns, [{"from": "api", "to": "db", "trigger": "sync", "emit": 2}])


def test_a_triggered_function_needs_an_edge_and_an_application():
    fns = copy.deepcopy(FNS) + [fn("orphan")]
    assert "'orphan' has workload 'triggered' but no application edge" in error(fns=fns)
    sc = {"horizon_s": 10, "functions": [fn("a", workload=at(1.0)), fn("b")]}
    with pytest.raises(ScenarioError, match="must have an application section"):
        lambdasim.Scenario.from_dict(sc)


@pytest.mark.parametrize("emit, text", [
    (-1, "must be an int in the range [0, 100000]. Got -1"),
    ("many", "must be a count (an int >= 0), {dist: uniform, low, high} or {dist: poisson, mean}"),
    ({"dist": "uniform", "low": 5, "high": 2}, "must have high >= low"),
])
def test_bad_emit_counts_read_clearly(emit, text):
    msg = error(lambda e, f: e[0].update(emit=emit))
    assert "'application.edges.0.emit' field of Scenario" in msg and text in msg


def test_unknown_services_and_probabilities_are_rejected():
    assert "'application.edges.0.services.s3.putt" in error(lambda e, f: e[0].update(services={"s3.putt": 1}))
    assert "must be a float in the range [0.0, 1.0]" in error(lambda e, f: e[0].update(probability=1.5))


def test_kinesis_names_a_stream_function():
    assert build(kinesis=["trend"]).application.kinesis == ("trend",)
    assert "must have invocation type 'stream'" in error(kinesis=["extract"])


def test_find_cycle_and_layers():
    assert find_cycle(["a", "b"], [("a", "b")]) is None
    assert find_cycle(["a"], [("a", "a")]) == ["a", "a"]
    assert layers(["a", "b", "c", "d"], [("a", "b"), ("b", "d"), ("a", "c"), ("c", "d")]) == {"a": 0, "b": 1, "c": 1, "d": 2}


# --- services billing --------------------------------------------------------------------
def test_service_rates_come_from_the_catalogue():
    cat = load_catalogue("aws-2024")
    assert service_rate_usd("s3.put", cat) == pytest.approx(0.005 / 1000)
    assert service_rate_usd("dynamodb.write", cat) == pytest.approx(cat["dynamodb.write_per_million_usd"] / 1e6)
    assert services_usd({"s3.put": 2, "sns.publish": 1}, cat) == pytest.approx(2 * 0.005 / 1000 + 0.5 / 1e6)
    for name, (key, _, _) in SERVICES.items():
        assert key in cat, name


def test_dynamodb_writes_halved_in_november_2024():
    before, after = load_catalogue(lambdasim.billing.spec.PricingSpec(as_of="2024-10-01")), load_catalogue("aws-latest")
    assert service_rate_usd("dynamodb.write", before) == pytest.approx(2 * service_rate_usd("dynamodb.write", after))


def test_service_line_items_exact():
    cat = load_catalogue("aws-2024")
    items = service_line_items({"sqs.request": 2_000_000, "s3.put": 1000, "s3.get": 0}, cat, shard_hours=48)
    assert list(items["item"]) == ["s3.put", "sqs.request", "kinesis.shard_hour"]  # zero rows left out
    assert list(items["amount_usd"]) == pytest.approx([0.005, 0.8, 48 * cat["kinesis.shard_hour_usd"]])
    assert set(items["platform"]) == {"services"} and set(items["charge"]) == {"services"}
    assert service_line_items({}, cat).empty
    with pytest.raises(ValueError, match="Unknown service"):
        service_line_items({"s3.delete": 1}, cat)
    with pytest.raises(ValueError, match=">= 0"):
        service_line_items({"s3.put": -1}, cat)


def test_a_service_price_can_be_overridden():
    spec = lambdasim.billing.spec.PricingSpec(preset="aws-2024", overrides={"sns.publish_per_million_usd": 1.0})
    assert service_rate_usd("sns.publish", load_catalogue(spec)) == pytest.approx(1e-6)


# --- lineage, without a simulation ------------------------------------------------------------
def test_lineage_critical_path_and_parts_by_hand():
    from lambdasim.application.lineage import PARTS, Lineage

    lin = Lineage()
    r = lin.new_root(0, 10.0, services_usd=0.5)              # arrives at 10
    lin.done(r, 10.0, 12.0, 0.5, 0.0, 1.0)                     # cold 0.5, runs to 12
    a = lin.add(0, r, 1, 12.0, 13.0)                           # 1 s delivery
    b = lin.add(0, r, 1, 12.0, 12.0)
    lin.done(a, 15.0, 16.0, 0.0, 0.5, 0.25)                    # waited 2 s, 0.5 of it retrying
    lin.done(b, 12.0, 20.0, 0.0, 0.0, 0.25)                    # the slow branch
    c = lin.add(0, b, 2, 20.0, 20.0)                           # pending: root 0 incomplete
    lin.new_root(0, 30.0)                                      # never ran
    e2e = lin.end_to_end(["x", "y", "z"], [0.0, 1.0, 0.0])
    assert not e2e["complete"].any() and e2e["latency_s"].isna().all()
    lin.done(c, 21.0, 22.0, 0.0, 0.0, 0.0)
    e2e = lin.end_to_end(["x", "y", "z"], [0.0, 1.0, 0.0])
    row = e2e.loc[0]
    assert row["complete"] and row["critical_path"] == "x > y > z" and row["latency_s"] == 12.0
    assert [row[p] for p in PARTS] == [0.0, 1.0, 0.0, 0.0, 0.5, 10.5]  # z waited 1 s; no window there
    assert row["lambda_usd"] == 1.5 and row["services_usd"] == 0.5 and row["events"] == 4
    assert list(e2e["complete"]) == [True, False] and e2e.loc[1, "events"] == 1
    ev = lin.events(["x", "y", "z"])
    assert list(ev["parent"]) == [-1, 0, 0, 2, -1] and list(ev["function"]) == ["x", "y", "y", "z", "x"]


def test_an_on_failure_edge_cannot_join():
    def bad(e, f):
        e[0]["emit"] = 3
        e[1].update(fan_in="upload", when="failure")
    assert "fires on failure, so it cannot be a fan-in" in error(bad)
    assert "'application.edges.0.when' field" in error(lambda e, f: e[0].update(when="always"))
