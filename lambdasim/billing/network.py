"""The bill around compute: CloudWatch Logs, data transfer out, NAT Gateways, public IPv4 addresses.

* **Logs**: bytes logged per invocation or request, ingested at
  ``logs.ingest_gb_usd`` per GB (Lambda's own logs from 2025-05-01 in the
  vended-log volume tiers ``logs.lambda_tier*``) and stored for
  ``retention_months`` at ``logs.storage_gb_month_usd`` on the archived
  size (``stored_fraction`` of the ingested bytes: AWS bills the compressed
  size; 1, the default, is an upper bound); the month's free GB
  (``logs.free_gb``, a switch) come off ingestion and off storage, as AWS's
  worked example takes them. Lambda adds its START/END/REPORT lines
  (``logs.lambda_platform_bytes`` per invocation).
* **Data transfer out** to the internet: the month's free GB
  (``dto.free_gb``, 1 GB until 2021-11-30, 100 GB from 2021-12-01; a
  switch) then four volume tiers.
* **NAT Gateway**: per gateway-hour (started hours) and per GB processed,
  for functions or instances in private subnets reaching the internet.
* **Public IPv4**: per address-hour, charged for in-use addresses from
  2024-02-01 (0 before).

:class:`NetworkSpec` is the scenario's ``network`` section. Pure: usage
numbers in, line items (``billing.rules.COLUMNS``) out; monthly allowances and
tiers prorated to the period as Lambda's are.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import math

from lambdasim.billing.catalogue import MONTH_S, Catalogue
from lambdasim.billing.frontdoor import GB
from lambdasim.billing.rules import line_items_frame, tiered
from lambdasim.spec import FloatIn, IntIn, NonNegative, Spec

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["NetworkSpec", "log_line_items", "transfer_out_line_items", "nat_line_items", "ipv4_line_items",
           "network_line_items"]


class NetworkSpec(Spec):
    """Logs, data transfer, NAT and public addresses of a scenario (all platforms).

    ``log_bytes_per_call``: bytes the code logs per invocation (Lambda) or
    request (EC2); Lambda's own START/END/REPORT lines come on top.
    ``log_retention_months``: how long logs are kept (billed as storage);
    ``log_stored_fraction``: archived size / ingested size (AWS bills the
    compressed bytes; 1 is an upper bound); ``log_free_tier``: take the
    month's free GB off ingestion and off storage.
    ``transfer_out``: bill the responses' bytes as data transfer out to the
    internet; ``transfer_free_tier``: take the month's free GB off.
    ``private_subnet``: the compute reaches the internet through
    ``nat_gateways`` NAT Gateways, which process ``nat_bytes_per_call``
    (bytes each call sends and receives beyond the VPC) and run all horizon.
    ``public_ipv4``: public IPv4 addresses held all horizon (an ALB holds
    one per availability zone, an EC2 instance with a public address one).
    """

    log_bytes_per_call: NonNegative = 0.0
    log_retention_months: NonNegative = 1.0
    log_stored_fraction: FloatIn(0.0, 1.0, lo_open=True) = 1.0
    log_free_tier: bool = False
    transfer_out: bool = False
    transfer_free_tier: bool = False
    private_subnet: bool = False
    nat_gateways: IntIn(1, None) = 1
    nat_bytes_per_call: NonNegative = 0.0
    public_ipv4: IntIn(0, None) = 0


def _row(platform, item, qty, unit, rate, charge, period):
    return (platform, item, float(qty), unit, float(rate), float(qty * rate), charge, period)


def log_line_items(ingested_gb: float, catalogue: Catalogue, *, retention_months: float = 1.0,
                   lambda_logs: bool = False, stored_fraction: float = 1.0, free_tier: bool = False,
                   period_s: float = MONTH_S, period: str = "month", platform: str = "lambda") -> pd.DataFrame:
    """CloudWatch Logs: ingestion (Lambda's in volume tiers where the catalogue has them) and storage of
    ``stored_fraction`` of the ingested GB for ``retention_months``; ``free_tier`` takes the month's free GB
    off each."""
    cat, share, rows = catalogue, period_s / MONTH_S, []
    if ingested_gb < 0 or not math.isfinite(ingested_gb):
        raise ValueError(f"ingested_gb must be a finite number >= 0. Got {ingested_gb!r} instead.")
    if not 0 < stored_fraction <= 1:
        raise ValueError(f"stored_fraction (archived / ingested size) must be in (0, 1]. Got {stored_fraction!r} instead.")
    if ingested_gb == 0:
        return line_items_frame(rows)
    if lambda_logs and "logs.lambda_tier1_gb" in cat:
        limits = [cat[f"logs.lambda_tier{k}_gb"] for k in (1, 2, 3)]
        rates = [cat[f"logs.lambda_tier{k}_gb_usd"] for k in (2, 3, 4)]
        for k, q, rate in tiered(ingested_gb, cat["logs.ingest_gb_usd"], limits, rates, share):
            rows.append(_row(platform, "log ingestion" + (f" tier {k}" if k > 1 else ""), q, "GB", rate, "logs", period))
    else:
        rows.append(_row(platform, "log ingestion", ingested_gb, "GB", cat["logs.ingest_gb_usd"], "logs", period))
    free = cat["logs.free_gb"] * share if free_tier else 0.0
    if free > 0:
        rows.append(_row(platform, "log ingestion free tier", -min(ingested_gb, free), "GB", cat["logs.ingest_gb_usd"],
                         "logs", period))
    stored = ingested_gb * stored_fraction * retention_months
    if stored > 0:
        rows.append(_row(platform, "log storage", stored, "GB-months", cat["logs.storage_gb_month_usd"], "logs", period))
        if free > 0:
            rows.append(_row(platform, "log storage free tier", -min(stored, free), "GB-months",
                             cat["logs.storage_gb_month_usd"], "logs", period))
    return line_items_frame(rows)


def transfer_out_line_items(gb: float, catalogue: Catalogue, *, free_tier: bool = False, period_s: float = MONTH_S,
                            period: str = "month", platform: str = "lambda") -> pd.DataFrame:
    """Data transfer out to the internet: the free GB (a switch) then the volume tiers."""
    cat, share, rows = catalogue, period_s / MONTH_S, []
    if gb < 0 or not math.isfinite(gb):
        raise ValueError(f"gb must be a finite number >= 0. Got {gb!r} instead.")
    if gb == 0:
        return line_items_frame(rows)
    limits = [cat["dto.tier1_gb"], cat["dto.tier2_gb"], cat["dto.tier3_gb"]]
    rates = [cat[f"dto.tier{k}_gb_usd"] for k in (2, 3, 4)]
    for k, q, rate in tiered(gb, cat["dto.gb_usd"], limits, rates, share):
        rows.append(_row(platform, "data transfer out" + (f" tier {k}" if k > 1 else ""), q, "GB", rate, "network",
                         period))
    if free_tier:
        rows.append(_row(platform, "data transfer out free tier", -min(gb, cat["dto.free_gb"] * share), "GB",
                         cat["dto.gb_usd"], "network", period))
    return line_items_frame(rows)


def nat_line_items(seconds: float, gb: float, catalogue: Catalogue, *, gateways: int = 1, scale: float = 1.0,
                   period: str = "horizon", platform: str = "lambda") -> pd.DataFrame:
    """NAT Gateways running ``seconds`` (times ``scale``; started hours) and the GB they process."""
    cat = catalogue
    hours = math.ceil(round(seconds * scale, 9) / 3600.0) * gateways
    return line_items_frame([_row(platform, "NAT gateway", hours, "gateway-hours", cat["nat.hour_usd"], "network", period),
                             _row(platform, "NAT gateway data processed", gb * scale, "GB", cat["nat.gb_usd"], "network",
                                  period)])


def ipv4_line_items(address_hours: float, catalogue: Catalogue, *, period: str = "horizon",
                    platform: str = "lambda") -> pd.DataFrame:
    """Public IPv4 address-hours (free for in-use addresses before 2024-02-01)."""
    return line_items_frame([_row(platform, "public IPv4 addresses", address_hours, "address-hours",
                                  catalogue["ipv4.hour_usd"], "network", period)])


def network_line_items(spec: NetworkSpec, catalogue: Catalogue, *, calls: float, executions: float,
                       response_bytes: float, seconds: float, platform: str, lambda_logs: bool,
                       scale: float = 1.0, period: str = "horizon") -> pd.DataFrame:
    """All of a run's logs, transfer, NAT and IPv4 line items from its counts.

    ``calls`` reached the front door, ``executions`` ran (and logged);
    ``response_bytes`` left towards callers; ``seconds`` is the horizon;
    ``scale`` multiplies usage (a monthly projection), with allowances and
    tiers applied to the scaled period.
    """
    import pandas as pd
    cat, parts = catalogue, []
    period_s = seconds * scale
    per_exec = spec.log_bytes_per_call + (cat["logs.lambda_platform_bytes"] if lambda_logs else 0.0)
    if per_exec > 0 and executions > 0:
        parts.append(log_line_items(executions * scale * per_exec / GB, cat, retention_months=spec.log_retention_months,
                                    lambda_logs=lambda_logs, stored_fraction=spec.log_stored_fraction,
                                    free_tier=spec.log_free_tier, period_s=period_s, period=period, platform=platform))
    if spec.transfer_out and response_bytes > 0:
        parts.append(transfer_out_line_items(response_bytes * scale / GB, cat, free_tier=spec.transfer_free_tier,
                                             period_s=period_s, period=period, platform=platform))
    if spec.private_subnet:
        parts.append(nat_line_items(seconds, calls * spec.nat_bytes_per_call / GB, cat, gateways=spec.nat_gateways,
                                    scale=scale, period=period, platform=platform))
    if spec.public_ipv4 > 0:
        hours = math.ceil(round(period_s, 9) / 3600.0) * spec.public_ipv4
        parts.append(ipv4_line_items(hours, cat, period=period, platform=platform))
    return pd.concat(parts, ignore_index=True) if parts else line_items_frame([])
