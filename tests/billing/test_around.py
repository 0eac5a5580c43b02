"""The bill around compute in simulated runs: front doors, logs, transfer, NAT and addresses on both platforms."""
import math

import pytest

import lambdasim
from lambdasim.billing.catalogue import MONTH_S
from lambdasim.billing.frontdoor import GB, KB
from lambdasim.billing.rules import totals


def _scenario(door=None, payload=None, network=None, fn_door=None, horizon_s=3600.0, rate=5.0, pricing="aws-latest",
              ec2=None):
    fn = {"name": "f", "duration": {"dist": "constant", "value_s": 0.1},
          "workload": {"kind": "poisson", "rate_per_s": rate}}
    if payload is not None:
        fn["payload"] = payload
    if fn_door is not None:
        fn["front_door"] = fn_door
    d = {"name": "t", "horizon_s": horizon_s, "seed": 3, "functions": [fn], "pricing": pricing}
    for k, v in (("front_door", door), ("network", network), ("ec2", ec2)):
        if v is not None:
            d[k] = v
    return lambdasim.Scenario.from_dict(d)


def _item(cost, prefix):
    rows = cost[cost["item"].str.startswith(prefix)]
    return float(rows["quantity"].sum()), float(rows["amount_usd"].sum())


def test_no_front_door_and_no_network_leave_the_bill_as_it_was():
    r = lambdasim.simulate(_scenario(), records="summary")
    assert set(r.cost["charge"]) <= {"requests", "compute"}
    assert r.compute_share == 1.0


def test_rest_api_bills_every_call_that_reached_it():
    r = lambdasim.simulate(_scenario(door={"type": "rest_api"}), records="summary")
    n = r.summary["invocations"]
    q, usd = _item(r.cost, "REST API calls")
    assert q == n and usd == pytest.approx(n * 3.50 / 1e6)
    # the monthly bill scales the calls to 30 days before tiering
    qm, _ = _item(r.monthly_cost, "REST API calls")
    assert qm == pytest.approx(n * MONTH_S / 3600.0)
    # a REST API in front of a 100 ms, 128 MB function costs more than the function
    assert r.compute_share < 0.5


def test_function_door_overrides_the_scenario_door():
    r = lambdasim.simulate(_scenario(door={"type": "rest_api"}, fn_door={"type": "function_url"}), records="summary")
    assert _item(r.cost, "REST API")[0] == 0 and _item(r.cost, "function URL requests")[1] == 0.0
    assert _item(r.cost, "function URL requests")[0] == r.summary["invocations"]


def test_alb_with_lambda_targets_counts_bytes_at_0_4_gb_per_lcu():
    payload = {"request_kb": 100, "response_kb": 400}
    r = lambdasim.simulate(_scenario(door={"type": "alb"}, payload=payload, rate=20), records="summary")
    n, done = r.summary["invocations"], r.summary["completed"]
    gb_per_h = (n * 100 + done * 400) * KB / GB  # one hour
    lcu = max(n / 3600 / 25, gb_per_h / 0.4)
    assert lcu == pytest.approx(gb_per_h / 0.4)
    assert _item(r.cost, "application load balancer")[0] == 1
    assert _item(r.cost, "load balancer capacity units")[0] == pytest.approx(lcu)


def test_logs_transfer_nat_and_addresses_from_the_run_counts():
    net = {"log_bytes_per_call": 730, "log_retention_months": 0, "transfer_out": True, "private_subnet": True,
           "nat_bytes_per_call": 4096, "public_ipv4": 1}
    r = lambdasim.simulate(_scenario(door={"type": "http_api"}, payload={"request_kb": 1, "response_kb": 50},
                                     network=net), records="summary")
    n, done = r.summary["invocations"], r.summary["completed"]
    assert _item(r.cost, "log ingestion")[0] == pytest.approx(done * (730 + 270) / GB)
    assert _item(r.cost, "data transfer out")[0] == pytest.approx(done * 50 * KB / GB)
    assert _item(r.cost, "NAT gateway data processed")[0] == pytest.approx(n * 4096 / GB)
    assert _item(r.cost, "NAT gateway")[0] - _item(r.cost, "NAT gateway data")[0] == 1  # one gateway-hour
    assert _item(r.cost, "public IPv4 addresses")[0] == 1
    t = totals(r.cost)
    assert {"front_door", "logs", "network"} <= set(r.cost["charge"])
    assert t["front_door_usd"] + t["logs_usd"] + t["network_usd"] + t["requests_usd"] + t["compute_usd"] == \
        pytest.approx(t["total_usd"]) and t["total_usd"] == pytest.approx(r.summary["cost_usd"])


def test_ec2_bills_the_same_api_gateway_and_network_and_its_alb_counts_bytes():
    sc = _scenario(door={"type": "http_api"}, payload={"request_kb": 1, "response_kb": 600},
                   network={"log_bytes_per_call": 500, "transfer_out": True},
                   ec2={"instance_type": "m5.large", "load_balancer": True})
    r = lambdasim.simulate(sc, platform="ec2", records="summary")
    n, done = r.summary["invocations"], r.summary["completed"]
    assert _item(r.cost, "HTTP API calls")[0] == 2 * n  # 600 KB responses: two 512 KB pieces each
    assert _item(r.cost, "log ingestion")[0] == pytest.approx(done * 500 / GB)  # no Lambda platform lines
    lcu = max(n / 3600 / 25, (n * 1 + done * 600) * KB / GB / 1.0)
    assert _item(r.cost, "load balancer capacity units")[0] == pytest.approx(lcu)
    assert 0 < r.compute_share < 1


def test_the_documented_example_bills_every_charge():
    from pathlib import Path
    import re
    doc = (Path(__file__).resolve().parents[2] / "docs" / "scenario.md").read_text()
    block = re.search(r"## Front doors, payloads and network.*?```yaml\n(.*?)```", doc, re.S).group(1)
    import yaml
    sc = lambdasim.Scenario.from_dict(yaml.safe_load(block))
    r = lambdasim.simulate(sc, records="summary")
    items = set(r.cost["item"])
    assert {"HTTP API calls (512 KB units)", "WebSocket connection minutes", "log ingestion", "log storage",
            "data transfer out", "NAT gateway", "NAT gateway data processed"} <= items
    assert math.isfinite(r.compute_share)


def test_an_unpriced_front_door_is_one_clear_error():
    with pytest.raises(lambdasim.ScenarioError, match=r"front door 'http_api'.*in force from 2020-03-12"):
        _scenario(door={"type": "http_api"}, pricing="aws-2015")


@pytest.mark.parametrize("platform", ["fargate", "lmi"])
def test_every_server_platform_bills_its_front_door_and_network(platform):
    sc = _scenario(door={"type": "rest_api"}, payload={"request_kb": 1, "response_kb": 20},
                   network={"log_bytes_per_call": 500, "transfer_out": True, "public_ipv4": 1})
    r = lambdasim.simulate(sc, platform=platform, records="summary")
    n = r.summary["invocations"]
    assert _item(r.cost, "REST API calls")[0] == n
    assert _item(r.cost, "log ingestion")[0] > 0 and _item(r.cost, "public IPv4 addresses")[0] == 1
    assert set(r.cost["platform"]) == {platform} and 0 < r.compute_share < 1
