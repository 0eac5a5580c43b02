"""Logs, data transfer, NAT Gateways and public IPv4 addresses, against published figures."""
import datetime as dt

import pytest

from lambdasim.billing.catalogue import MONTH_S, load_catalogue
from lambdasim.billing.network import (NetworkSpec, ipv4_line_items, log_line_items, nat_line_items,
                                       network_line_items, transfer_out_line_items)

LATEST = load_catalogue("aws-latest")


def _usd(items):
    return round(float(items["amount_usd"].sum()), 2)


# AWS's own CloudWatch pricing examples: https://aws.amazon.com/cloudwatch/pricing/ ("Pricing examples"), as transcribed
# with their figures on 2020-07-18 in github.com/ocholuo/ocholuo.github.io
# _posts/00AWS/Network/2020-07-18-VPC-monitor.md@035a49f (the live page's examples section is not in the search corpus).
AWS_EXAMPLE_DAY = dt.date(2020, 7, 18)


def test_aws_example_monitoring_with_logs_30_gb_a_month():
    # "by sending 1GB per day of ingested log data ... and archiving the data for one month": 30 GB ingested,
    # "0 to 5GB: $0 / 5 to 30GB: $0.50 * 25 = $12.50"; "(assume log data compresses to 6GB) 0 to 5GB: $0 /
    # 5GB to 6GB: $0.03 * 1 = $0.03"; the three metric filters "@$0"; "$12.50 + $0 + $0.03 = $12.53".
    cat = load_catalogue(AWS_EXAMPLE_DAY)
    items = log_line_items(30, cat, retention_months=1, stored_fraction=6 / 30, free_tier=True)
    ingest = items[items["item"].str.startswith("log ingestion")]
    store = items[items["item"].str.startswith("log storage")]
    assert (_usd(ingest), _usd(store), _usd(items)) == (12.50, 0.03, 12.53)
    # without the free tier the same month is 30 x $0.50 + 6 x $0.03
    assert _usd(log_line_items(30, cat, retention_months=1, stored_fraction=0.2)) == 15.18


def test_aws_example_72_tb_of_vended_logs_in_volume_tiers():
    # "72TB of ingested VPC flow logs to CloudWatch logs per month and archiving the data for one month":
    # "0 to 10TB @$0.50 per GB = 10 * 1,024 * $0.50 = $5,120.00 ... 50TB to 72TB @$0.05 per GB = 22 * 1024 * $0.05 =
    # $1,126.40; Total Ingestion Charges = ... $13,414.40"; "(Assume log data compresses to 30TB) 30TB @ $0.03 per GB
    # = 30 * 1024 * 0.03 = $921.6"; "Monthly CloudWatch Charges = $13,414.40 + $921.6 = $14,336".
    # Lambda's own logs are billed in these vended-log tiers from 2025-05-01 (logs.lambda_tier*).
    items = log_line_items(72 * 1024, LATEST, retention_months=1, lambda_logs=True, stored_fraction=30 / 72)
    ingest = items[items["item"].str.startswith("log ingestion")]
    assert list(ingest["amount_usd"].round(2)) == [5120.00, 5120.00, 2048.00, 1126.40]
    assert (_usd(ingest), _usd(items[items["item"] == "log storage"]), _usd(items)) == (13414.40, 921.60, 14336.00)
    # before 2025-05-01 Lambda's logs were not vended: flat $0.50 a GB
    before = load_catalogue(dt.date(2025, 4, 30))
    assert "logs.lambda_tier1_gb" not in before
    assert _usd(log_line_items(72 * 1024, before, retention_months=0, lambda_logs=True)) == 72 * 1024 * 0.50


def test_lambda_logs_tiers_agree_with_the_60_tb_example():
    # Secondary cross-check, https://www.duckbillgroup.com/?p=9080 (2025-05): 60 TB of Lambda logs a month cost
    # $30,000 at the old flat $0.50/GB and $12,500 with the tiers. The post writes 1 TB = 1,000 GB (AWS's example
    # above writes 1,024), so its figures are checked with limits in its own unit.
    before = load_catalogue(dt.date(2025, 4, 30))
    assert _usd(log_line_items(60_000, before, retention_months=0, lambda_logs=True)) == 30_000.00
    from lambdasim.billing.spec import PricingSpec
    decimal = load_catalogue(PricingSpec(as_of=dt.date(2025, 6, 1), overrides={
        "logs.lambda_tier1_gb": 10_000, "logs.lambda_tier2_gb": 30_000, "logs.lambda_tier3_gb": 50_000}))
    assert _usd(log_line_items(60_000, decimal, retention_months=0, lambda_logs=True)) == 12_500.00
    assert _usd(log_line_items(60 * 1024, LATEST, retention_months=0, lambda_logs=True)) == 12_800.00
    # the function's own logs on EC2 are not vended: flat
    assert _usd(log_line_items(60 * 1024, LATEST, retention_months=0, lambda_logs=False)) == 30_720.00


def test_the_log_free_tier_never_makes_a_bill_negative_and_is_prorated():
    items = log_line_items(2, LATEST, retention_months=1, free_tier=True)
    assert _usd(items) == 0.0 and (items.groupby(items["item"].str.startswith("log storage"))["quantity"].sum() == 0).all()
    half = log_line_items(30, LATEST, retention_months=0, free_tier=True, period_s=15 * 86400)
    assert _usd(half) == round((30 - 2.5) * 0.50, 2)
    with pytest.raises(ValueError, match=r"stored_fraction \(archived / ingested size\) must be in \(0, 1\]"):
        log_line_items(1, LATEST, stored_fraction=0)


def test_log_storage_is_gb_months_at_the_archive_price():
    items = log_line_items(100, LATEST, retention_months=3)
    store = items[items["item"] == "log storage"]
    assert float(store["quantity"].iloc[0]) == 300 and float(store["amount_usd"].iloc[0]) == pytest.approx(9.0)


def test_transfer_out_reproduces_aws_pages_to_the_cent():
    # AWS's API Gateway pricing page, REST API example (https://aws.amazon.com/api-gateway/pricing/, as mirrored on
    # https://aws.eu/api-gateway/pricing read 2026-11; figures quoted by awsforengineers.com 2025-05-19): "3 KB x 5
    # million = 14.3 GB = 14.3 GB x $0.09 = $1.29" of data transfer out, no free tier taken.
    assert _usd(transfer_out_line_items(5e6 * 3 / 1024 ** 2, load_catalogue(dt.date(2025, 5, 19)))) == 1.29
    # An AWS bill on AWS re:Post, https://repost.aws/questions/QUAT1NfOeZSAK5z8KXXO9jgA (2023): 107.330 GB out,
    # 100 GB free, "$0.090 per GB - first 10 TB / month data transfer out beyond the global free tier 7.330 GB $0.66".
    assert _usd(transfer_out_line_items(107.330, LATEST, free_tier=True)) == 0.66


def test_transfer_out_agrees_with_a_third_party_worked_example():
    # https://cloud-cost-557.pages.dev/blog/estimate-aws-data-transfer-bill/ (2026-06-10): 5 TB out,
    # "5,120 - 100 free = 5,020" GB at $0.09 = ~$452 (exactly $451.80).
    assert _usd(transfer_out_line_items(5 * 1024, LATEST, free_tier=True)) == 451.80
    # before 2021-12-01 only 1 GB a month was free
    assert _usd(transfer_out_line_items(107.330, load_catalogue(dt.date(2021, 6, 1)), free_tier=True)) == \
        round(106.330 * 0.09, 2)


def test_transfer_out_tiers():
    gb = 200 * 1024
    items = transfer_out_line_items(gb, LATEST)
    assert list(items["quantity"]) == [10 * 1024, 40 * 1024, 100 * 1024, 50 * 1024]
    assert _usd(items) == round(1024 * (10 * 0.09 + 40 * 0.085 + 100 * 0.07 + 50 * 0.05), 2)


def test_nat_gateway_and_ipv4_examples():
    # https://basavytix.com/blog/aws-nat-gateway-pricing, scenario 1: one NAT Gateway, 730 h, 500 GB -> $55.35
    assert _usd(nat_line_items(730 * 3600, 500, LATEST, period="month")) == 55.35
    # https://www.doit.com/aws-public-ipv4-price-increase-the-complete-guide/: $0.005/h = $3.65 a month (730 h)
    assert _usd(ipv4_line_items(730, LATEST)) == 3.65
    assert _usd(ipv4_line_items(730, load_catalogue(dt.date(2024, 1, 31)))) == 0.0


def test_network_items_from_a_run_counts():
    spec = NetworkSpec(log_bytes_per_call=730, log_retention_months=0, transfer_out=True, private_subnet=True,
                       nat_bytes_per_call=1024, public_ipv4=2)
    gb = 1024.0 ** 3
    items = network_line_items(spec, LATEST, calls=1e6, executions=1e6, response_bytes=10 * gb, seconds=3600,
                               platform="lambda", lambda_logs=True)
    ingest = items[items["item"].str.startswith("log ingestion")]["quantity"].sum()
    assert ingest == pytest.approx(1e6 * (730 + LATEST["logs.lambda_platform_bytes"]) / gb)
    assert set(items["charge"]) == {"logs", "network"}
    assert float(items.loc[items["item"] == "NAT gateway", "quantity"].iloc[0]) == 1
    assert float(items.loc[items["item"] == "public IPv4 addresses", "quantity"].iloc[0]) == 2
    # a monthly projection scales usage, then bills: 720 NAT hours
    month = network_line_items(spec, LATEST, calls=1e6, executions=1e6, response_bytes=10 * gb, seconds=3600,
                               platform="lambda", lambda_logs=True, scale=MONTH_S / 3600, period="month")
    assert float(month.loc[month["item"] == "NAT gateway", "quantity"].iloc[0]) == 720


def test_bad_network_values_are_rejected_by_field():
    from pydantic import ValidationError
    with pytest.raises(ValidationError, match="nat_gateways"):
        NetworkSpec(nat_gateways=0)
    with pytest.raises(ValidationError, match="log_bytes_per_call"):
        NetworkSpec(log_bytes_per_call=-1)
    with pytest.raises(ValidationError, match=r"log_stored_fraction[\s\S]*range \(0.0, 1.0\]"):
        NetworkSpec(log_stored_fraction=0)
    with pytest.raises(ValidationError, match="log_free_tier"):
        NetworkSpec(log_free_tier="sometimes")


def test_the_network_section_passes_archive_fraction_and_free_tier_to_the_logs():
    gb = 1024.0 ** 3
    spec = NetworkSpec(log_bytes_per_call=1024, log_retention_months=2, log_stored_fraction=0.25, log_free_tier=True)
    items = network_line_items(spec, LATEST, calls=1e8, executions=1e8, response_bytes=0, seconds=MONTH_S,
                               platform="ec2", lambda_logs=False, period="month")
    ingested = 1e8 * 1024 / gb  # 95 GB: the archive (24 GB-months) is above the 5 free GB too
    qty = items.set_index("item")["quantity"]
    assert qty["log ingestion"] == pytest.approx(ingested)
    assert qty["log storage"] == pytest.approx(ingested * 0.25 * 2)
    assert qty["log ingestion free tier"] == -5 and qty["log storage free tier"] == -5
