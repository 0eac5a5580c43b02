"""What became of every event (a call, an async event, a stream record, a queue message).

Invocation records (:mod:`lambdasim.awslambda.records`) have one row per execution or
rejected sync call; a stream batch or an SQS batch runs many events in one
invocation, and an async event may run several times or never. This tally
counts each event once, by its final outcome, so that conservation holds for
every invocation type::

    events == completed + failed + throttled + to_destination + dropped_age
              + dlq + queued + in_flight
"""
from __future__ import annotations

import numpy as np

from lambdasim.stats import LogHistogram

__all__ = ["OUTCOMES", "Outcomes"]

#: The first four equal the invocation statuses of records.STATUS (same order, same codes).
OUTCOMES = ["completed", "throttled", "failed", "in_flight", "to_destination", "dropped_age", "dlq", "queued"]
(O_COMPLETED, O_THROTTLED, O_FAILED, O_IN_FLIGHT, O_DESTINATION, O_DROPPED_AGE, O_DLQ, O_QUEUED) = range(8)


class Outcomes:
    def __init__(self, n_functions: int, queued_kinds: list[bool]):
        self.queued_kinds = np.array(queued_kinds)  # per function: are its events queued (async, stream, sqs)?
        self.delays = LogHistogram()  # queue_delay_s of executions of async, stream and sqs functions
        self.counts = np.zeros((n_functions, len(OUTCOMES)), dtype=np.int64)
        self.events = np.zeros(n_functions, dtype=np.int64)
        self.async_throttles = 0      # internal throttled attempts (async, stream, sqs)
        self.duplicates = 0           # sqs: a message processed again after its visibility timeout
        self.event_age_max_s = 0.0    # async / sqs: oldest event at the start of an execution
        self.iterator_age_max_s = 0.0  # stream: largest iterator age at a batch's start

    def add(self, f: int, outcome: int, n: int = 1) -> None:
        self.counts[f, outcome] += n

    def add_delays(self, f: np.ndarray, queue_delay_s: np.ndarray) -> None:
        if self.queued_kinds.any():
            self.delays.add(queue_delay_s[self.queued_kinds[f]])

    def delay_quantiles(self, tally) -> tuple[float, float]:
        """p50 and p99 of queue_delay_s over executions of queued functions (exact with full records)."""
        if not self.queued_kinds.any():
            return 0.0, 0.0  # nothing queues: sync calls start at once or are throttled
        if tally.keep:
            c = tally.columns()
            d = c["queue_delay_s"][self.queued_kinds[c["function"]] & (c["status"] != 1)]
            if not len(d):
                return float("nan"), float("nan")
            p50, p99 = np.quantile(d, [0.5, 0.99], method="inverted_cdf")
            return float(p50), float(p99)
        return self.delays.quantile(0.5), self.delays.quantile(0.99)

    def summary(self, tally=None) -> dict:
        c = self.counts.sum(axis=0)
        p50, p99 = self.delay_quantiles(tally) if tally is not None else (0.0, 0.0)
        return {
            "events": int(self.events.sum()),
            "events_completed": int(c[O_COMPLETED]),
            "events_failed": int(c[O_FAILED]),
            "events_throttled": int(c[O_THROTTLED]),
            "to_destination": int(c[O_DESTINATION]),
            "dropped_age": int(c[O_DROPPED_AGE]),
            "dlq": int(c[O_DLQ]),
            "queued_at_end": int(c[O_QUEUED]),
            "events_in_flight": int(c[O_IN_FLIGHT]),
            "internal_throttles": int(self.async_throttles),
            "duplicates": int(self.duplicates),
            "event_age_max_s": float(self.event_age_max_s),
            "iterator_age_max_s": float(self.iterator_age_max_s),
            "queue_delay_p50_s": p50,
            "queue_delay_p99_s": p99,
        }
