"""How a function is invoked: ``invocation: {type: sync | async | stream | sqs, ...}``.

- ``sync`` (API calls): a throttled call fails at once (429); an optional
  client ``retry`` policy resubmits it after a backoff.
- ``async`` (S3 and other event notifications): Lambda's internal queue,
  throttle retries with backoff, error retries, an on-failure destination.
- ``stream`` (Kinesis, DynamoDB Streams): shards processed in order by batches.
- ``sqs``: pollers receive batches; visibility timeout, max receive count, DLQ.

The semantics and their sources are in ``docs/model.md`` ("Lambda model").
"""
from __future__ import annotations

import math

from typing import Annotated, Literal, Union

from pydantic import Field

from lambdasim.errors import register_tags
from lambdasim.spec import FloatIn, IntIn, NonNegative, Positive, Spec

__all__ = ["ClientRetry", "Sync", "Async", "Stream", "Sqs", "Invocation", "backoff_s"]


class ClientRetry(Spec):
    """A caller's retry policy for throttled (429) sync calls: capped exponential backoff."""

    attempts: IntIn(1, 20) = 3            # total attempts, the first included
    backoff_s: Positive = 0.1             # wait before the first retry
    multiplier: FloatIn(1.0, None) = 2.0
    max_backoff_s: Positive = 20.0


class Sync(Spec):
    type: Literal["sync"] = "sync"
    retry: ClientRetry | None = None


class Async(Spec):
    """Asynchronous invocation (AWS docs "Error handling for asynchronous invocation")."""

    type: Literal["async"] = "async"
    maximum_event_age_s: FloatIn(60, 21600) = 21600.0
    maximum_retry_attempts: IntIn(0, 2) = 2
    retry_delays_s: tuple[NonNegative, NonNegative] = (60.0, 120.0)  # before error retry 1 and 2
    throttle_backoff_min_s: Positive = 1.0
    throttle_backoff_max_s: Positive = 300.0


class Stream(Spec):
    """A Kinesis / DynamoDB stream event source mapping."""

    type: Literal["stream"] = "stream"
    shards: IntIn(1, 10000) = 1
    parallelization_factor: IntIn(1, 10) = 1
    batch_size: IntIn(1, 10000) = 100
    batching_window_s: FloatIn(0, 300) = 0.0
    maximum_retry_attempts: IntIn(0, 10000) | None = None   # None: retry until the records expire
    maximum_record_age_s: FloatIn(60, 604800) | None = None  # None: never expire (retention not modelled)
    throttle_backoff_s: Positive = 1.0


class Sqs(Spec):
    """An SQS standard-queue event source mapping."""

    type: Literal["sqs"] = "sqs"
    scaling: Literal["current", "legacy"] = "current"   # +300/min to 1,250 or +60/min to 1,000
    batch_size: IntIn(1, 10000) = 10
    batching_window_s: FloatIn(0, 300) = 0.0
    visibility_timeout_s: FloatIn(0, 43200) = 30.0
    max_receive_count: IntIn(1, 1000) | None = None      # None: no redrive policy (no DLQ)
    maximum_concurrency: IntIn(2, 1000) | None = None
    throttle_backoff_s: Positive = 1.0


Invocation = Annotated[Union[Sync, Async, Stream, Sqs], Field(discriminator="type")]
register_tags("sync", "async", "stream", "sqs")


def backoff_s(k: int, first_s: float, multiplier: float, cap_s: float) -> float:
    """The ``k``-th wait (k = 0, 1, ...) of a capped exponential backoff.

    The exponent stops one step past the cap, so a retry loop of any length never overflows
    (the waits are the same numbers as ``min(cap_s, first_s * multiplier**k)``).
    """
    if multiplier > 1.0:
        k = min(k, math.ceil(math.log(cap_s / first_s) / math.log(multiplier)) + 1 if first_s < cap_s else 0)
    return min(cap_s, first_s * multiplier**k)
