"""Front doors: API Gateway REST / HTTP / WebSocket, function URLs and the ALB's LCU rule, against AWS's figures."""
import datetime as dt

import pytest

from lambdasim.billing.catalogue import load_catalogue
from lambdasim.billing.frontdoor import (GB, KB, FrontDoorSpec, PayloadSpec, alb_lcu, api_line_items, front_door_line_items,
                                         metered_pieces)
from lambdasim.billing.network import transfer_out_line_items
from lambdasim.billing.rules import totals
from lambdasim.errors import CatalogueError

CAT = load_catalogue(dt.date(2025, 5, 19))


def _usd(items):
    return round(float(items["amount_usd"].sum()), 2)


def test_rest_api_example_five_million_calls_of_3_kb():
    # AWS API Gateway pricing page, REST APIs example (as mirrored on https://aws.eu/api-gateway/pricing, read
    # 2026-11; the USD figures quoted by https://awsforengineers.com/blog/aws-api-gateway-pricing-explained,
    # 2025-05-19): "five million API calls per month, with each API call returning responses of 3 KB ... no caching"
    # -> 5 M x $3.50/M = $17.50; 3 KB x 5 M = 14.3 GB x $0.09 = $1.29; total $18.79.
    calls = front_door_line_items(FrontDoorSpec(type="rest_api"), 5e6, CAT)
    out_gb = 5e6 * 3 * KB / GB
    assert out_gb == pytest.approx(14.305, abs=1e-3)
    dto = transfer_out_line_items(out_gb, CAT)  # the example takes no free tier
    assert (_usd(calls), _usd(dto), round(_usd(calls) + _usd(dto), 2)) == (17.50, 1.29, 18.79)
    assert set(calls["charge"]) == {"front_door"} and set(dto["charge"]) == {"network"}


def test_http_api_example_of_the_aws_pricing_page_432_million_requests():
    # AWS API Gateway pricing page, HTTP APIs pricing example (https://aws.amazon.com/api-gateway/pricing/), as
    # transcribed verbatim on 2026-09-20 by api-evangelist/amazon-web-services, plans/amazon-web-services-plans-
    # pricing.yml ("grounding: every price_text was found verbatim in the fetched page text"): "$1.00/million"
    # for the first 300 million requests a month and "132 million * $0.90/million (over 300 million)", i.e. a
    # month of 300 M + 132 M = 432 M requests under 512 KB. The page's total line was not transcribed; the sum of
    # its two lines is $300.00 + $118.80 = $418.80.
    cat = load_catalogue(dt.date(2026, 9, 20))
    items = front_door_line_items(FrontDoorSpec(type="http_api"), 432e6, cat)
    assert list(items["quantity"]) == [300e6, 132e6]
    assert [round(a, 2) for a in items["amount_usd"]] == [300.00, 118.80] and _usd(items) == 418.80


def test_websocket_prices_of_the_aws_price_list_reproduce_a_published_bill():
    # AWS price list, us-east-1, effective 2025-07-01 (as retrieved through the AWS Pricing API and transcribed in a
    # public repository, 2025-10): USE1-ApiGatewayMessage (SKU 3Y5E3ETY2M5CMHYP) $1.00 per million messages for the
    # first 1 billion a month, $0.80 above; USE1-ApiGatewayMinute (SKU UTA8VPBNDBWNCNMC) $0.25 per million
    # connection minutes. Infracost, whose prices come from the same price list, bills 1,500 M messages and 10 M
    # connection minutes as $1,000.00 + $400.00 + $2.50 = $1,402.50 (github.com/infracost/infracost pull 462,
    # 2021-02-24). The AWS pricing page's own WebSocket example quotes the same rates ("$1.00 (per million)",
    # "0.25 (cost per million)"; transcription above); its message counts were not transcribed.
    cat = load_catalogue(dt.date(2025, 7, 1))
    minutes = 10e6
    items = api_line_items("websocket", 1.5e9, cat, connections=minutes / (30 * 24 * 60))
    msgs = items[items["item"].str.contains("messages")]
    assert list(msgs["quantity"]) == [1e9, 0.5e9] and [round(a, 2) for a in msgs["amount_usd"]] == [1000.00, 400.00]
    conn = items[items["item"] == "WebSocket connection minutes"]
    assert float(conn["quantity"].iloc[0]) == pytest.approx(minutes) and round(float(conn["amount_usd"].iloc[0]), 2) == 2.50
    assert _usd(items) == 1402.50


def test_http_api_example_216_million_requests():
    # A third-party cross-check (AWS's own example is the 432 M one above):
    # https://awsforengineers.com/blog/aws-api-gateway-pricing-explained (2025-05-19): "216 million HTTP API
    # requests/month = $216" (first tier, $1.00 per million, requests under 512 KB). The rate itself is AWS's:
    # https://aws.amazon.com/api-gateway/pricing/ (read 2026-11-30) and the whitepaper's Table 4 below.
    assert _usd(front_door_line_items(FrontDoorSpec(type="http_api"), 216e6, CAT)) == 216.00


def test_rest_api_volume_tiers_split_at_333_million_and_1_billion():
    items = front_door_line_items(FrontDoorSpec(type="rest_api"), 1.5e9, CAT)
    assert list(items["quantity"]) == [333e6, 667e6, 500e6]
    assert _usd(items) == round(333 * 3.50 + 667 * 2.80 + 500 * 2.38, 2)
    # a 15-day period gets half of each monthly tier
    half = front_door_line_items(FrontDoorSpec(type="rest_api"), 750e6, CAT, period_s=15 * 86400)
    assert list(half["quantity"]) == [166.5e6, 333.5e6, 250e6]


def test_http_api_is_metered_in_512_kb_pieces():
    # "HTTP APIs are metered in 512 KB increments" (AWS whitepaper "Best practices for designing Amazon API Gateway
    # private APIs and private integration", Cost optimization, Table 4, docs.aws.amazon.com, read 2026-11-30)
    big = PayloadSpec(request_kb=800, response_kb=10)
    items = front_door_line_items(FrontDoorSpec(type="http_api"), 1e6, CAT, payload=big)
    assert items["quantity"].sum() == 2e6 and _usd(items) == 2.00
    exactly = PayloadSpec(request_kb=512, response_kb=512)
    assert front_door_line_items(FrontDoorSpec(type="http_api"), 1e6, CAT, payload=exactly)["quantity"].sum() == 1e6
    # past 300 M metered calls a month the second price applies
    tiers = front_door_line_items(FrontDoorSpec(type="http_api"), 400e6, CAT)
    assert _usd(tiers) == 300 * 1.00 + 100 * 0.90


def test_websocket_messages_in_32_kb_pieces_and_connection_minutes():
    # "Messages are metered in 32 KB increments. So, a 33 KB message is metered as two messages."
    # (https://aws.amazon.com/api-gateway/pricing/, WebSocket APIs, read 2026-11-30)
    assert metered_pieces(33, 32) == 2 and metered_pieces(32, 32) == 1 and metered_pieces(0.1, 32) == 1
    door = FrontDoorSpec(type="websocket", messages_per_call=2, connections=1000)
    items = front_door_line_items(door, 1e6, CAT, payload=PayloadSpec(request_kb=33, response_kb=1))
    msgs = items[items["item"].str.contains("messages")]["quantity"].sum()
    assert msgs == 1e6 * (2 + 1)  # the 33 KB request is two messages, the reply one
    minutes = items[items["item"] == "WebSocket connection minutes"]
    assert float(minutes["quantity"].iloc[0]) == 1000 * 30 * 24 * 60
    assert float(minutes["amount_usd"].iloc[0]) == pytest.approx(1000 * 30 * 24 * 60 * 0.25 / 1e6)


def test_exponential_payloads_expect_a_geometric_number_of_pieces():
    import numpy as np
    rng = np.random.default_rng(7)
    x = rng.exponential(300.0, 2_000_000)
    assert metered_pieces(300, 512, "exponential") == pytest.approx(np.ceil(x / 512).mean(), rel=2e-3)


def test_function_urls_cost_nothing_and_do_not_exist_before_2022_04_06():
    items = front_door_line_items(FrontDoorSpec(type="function_url"), 1e6, CAT)
    assert totals(items)["front_door_usd"] == 0 and len(items) == 1
    with pytest.raises(CatalogueError, match=r"furl.request_per_million_usd.*2022-04-06"):
        front_door_line_items(FrontDoorSpec(type="function_url"), 1, load_catalogue(dt.date(2021, 1, 1)))


def test_alb_lcu_takes_the_largest_dimension_and_lambda_targets_count_bytes_at_0_4_gb():
    h = 3600.0
    # 90,000 requests an hour = 25 new connections per second = 1 LCU; tiny payloads
    assert alb_lcu(90_000, 1e6, h, CAT, lambda_targets=False) == pytest.approx(1.0)
    # 2 GB in an hour: 2 LCU for instance targets, 5 LCU for Lambda targets
    assert alb_lcu(10, 2 * GB, h, CAT, lambda_targets=False) == pytest.approx(2.0)
    assert alb_lcu(10, 2 * GB, h, CAT, lambda_targets=True) == pytest.approx(5.0)
    with pytest.raises(CatalogueError, match="lcu_processed_gb_per_h_lambda"):
        alb_lcu(10, 1, h, load_catalogue(dt.date(2018, 1, 1)), lambda_targets=True)


def test_bad_front_door_values_are_rejected_by_field():
    from pydantic import ValidationError
    with pytest.raises(ValidationError, match="type"):
        FrontDoorSpec(type="graphql")
    with pytest.raises(ValidationError, match="request_kb"):
        PayloadSpec(request_kb=-1)
    with pytest.raises(ValueError, match="calls must be a finite number >= 0"):
        front_door_line_items(FrontDoorSpec(type="rest_api"), -5, CAT)
