"""Managed services around the functions: pure billing over request counts.

An application's bill is not only Lambda: uploads are S3 PUTs, table writes
are DynamoDB write request units, a Kinesis stream costs shard-hours and
PUT payload units, queues and topics cost per request. Quantities come in
as numbers (from a run's emission counts, or typed by hand); prices come
from the catalogue (``data/pricing/services.yaml``, keys in
:data:`SERVICES`). Line items have the same columns
as the Lambda and EC2 bills (``billing.COLUMNS``), with ``platform`` and
``charge`` set to ``"services"``.
"""
from __future__ import annotations

from typing import Mapping, TYPE_CHECKING

from lambdasim.billing.rules import line_items_frame
from lambdasim.billing.catalogue import Catalogue

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SERVICES", "service_rate_usd", "services_usd", "service_line_items", "SHARD_HOUR_KEY"]

SHARD_HOUR_KEY = "kinesis.shard_hour_usd"

#: Service request names usable in ``services``: (catalogue key, requests per priced unit, unit).
SERVICES = {
    "s3.put": ("s3.put_per_thousand_usd", 1e3, "PUT requests"),
    "s3.get": ("s3.get_per_thousand_usd", 1e3, "GET requests"),
    "dynamodb.write": ("dynamodb.write_per_million_usd", 1e6, "write request units"),
    "dynamodb.read": ("dynamodb.read_per_million_usd", 1e6, "read request units"),
    "kinesis.put_payload": ("kinesis.put_payload_per_million_usd", 1e6, "PUT payload units"),
    "sqs.request": ("sqs.request_per_million_usd", 1e6, "requests"),
    "sns.publish": ("sns.publish_per_million_usd", 1e6, "publishes"),
}


def service_rate_usd(name: str, catalogue: Catalogue) -> float:
    """Price of one request of service ``name`` (e.g. ``s3.put``) on the catalogue's date."""
    if name not in SERVICES:
        raise ValueError(f"Unknown service {name!r}; known: {', '.join(SERVICES)}.")
    key, per, _ = SERVICES[name]
    return catalogue[key] / per


def services_usd(requests: Mapping[str, float], catalogue: Catalogue) -> float:
    """Cost of a bundle of requests, e.g. one emitted event's ``{s3.put: 1, dynamodb.write: 2}``."""
    return float(sum(n * service_rate_usd(s, catalogue) for s, n in requests.items()))


def service_line_items(requests: Mapping[str, float], catalogue: Catalogue, *, shard_hours: float = 0.0,
                       period: str = "horizon") -> pd.DataFrame:
    """Line items for request counts by service and Kinesis shard-hours (zero quantities left out)."""
    import pandas as pd
    rows = []
    for name in SERVICES:  # a fixed order, whatever the mapping's
        n = float(requests.get(name, 0.0))
        if n < 0:
            raise ValueError(f"requests[{name!r}] must be >= 0. Got {n} instead.")
        if n > 0:
            rate = service_rate_usd(name, catalogue)
            rows.append(("services", name, n, SERVICES[name][2], rate, n * rate, "services", period))
    unknown = set(requests) - set(SERVICES)
    if unknown:
        raise ValueError(f"Unknown service(s) {', '.join(sorted(unknown))}; known: {', '.join(SERVICES)}.")
    if shard_hours < 0:
        raise ValueError(f"shard_hours must be >= 0. Got {shard_hours} instead.")
    if shard_hours > 0:
        rate = catalogue[SHARD_HOUR_KEY]
        rows.append(("services", "kinesis.shard_hour", float(shard_hours), "shard-hours", rate, shard_hours * rate,
                     "services", period))
    return line_items_frame(rows)
