"""The event-source interface, and what a source may ask of the Lambda model.

An *event source* takes the events of one function (an arrival, or an event an
application emits) and turns them into executions: a sync call starts at once
or is throttled, an async event waits in Lambda's queue, a stream record waits
on its shard, an SQS message on its queue. :class:`EventSource` is what the
model sees of a source; :class:`SourceHost` is all a source sees of the model;
:class:`EventListener` is what is told of every event's final fate (an
application runtime, which emits events along the graph's edges).

Implementations: :class:`~lambdasim.awslambda.sources.sync.SyncClient`,
:class:`~lambdasim.awslambda.sources.async_queue.AsyncQueue`,
:class:`~lambdasim.awslambda.sources.stream.StreamSource`,
:class:`~lambdasim.awslambda.sources.sqs.SqsSource`, and the application's
:class:`~lambdasim.application.runtime.Node` (which wraps one of them).
The host is :class:`~lambdasim.awslambda.model.LambdaModel`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional, Protocol

if TYPE_CHECKING:
    import simpy

    from lambdasim.awslambda.outcomes import Outcomes

__all__ = ["EventSource", "EventListener", "SourceHost", "Started"]

#: What :meth:`SourceHost.start` gives for an execution that started: (instance, end, cold, on_pc).
Started = tuple[int, float, bool, bool]


class EventSource(Protocol):
    """Takes one function's events, runs them on the host, counts each event's outcome once."""

    def offer(self, t: float, work_s: float, init: float, failed: bool, timed_out: bool,
              token: Optional[int] = None) -> None:
        """A new event at ``t``: its run time at this memory (``work_s``, before the timeout cut),
        its INIT time if it starts cold, whether its first run fails (``failed``, timeouts included)
        and whether it times out. ``token`` names the event to the host's listener (an application)."""

    def finish(self, horizon_s: float) -> None:
        """The run ended at ``horizon_s``: count the events still held (queued or in flight)."""


class EventListener(Protocol):
    """Told the final fate of every event that carries a token (an application runtime)."""

    def done(self, f: int, token: int, start: float, end: float, init: float, retry: float,
             share: float = 1.0) -> None:
        """Event ``token`` of function ``f`` ran successfully from ``start`` to ``end`` (``init`` of it
        a cold start's INIT, ``retry`` seconds lost to retries before it, ``share`` of its batch)."""

    def failed(self, f: int, token: int, t: float) -> None:
        """Event ``token`` of function ``f`` failed for good at ``t``."""


class SourceHost(Protocol):
    """The Lambda model as an event source uses it."""

    env: "simpy.Environment"  # sources with their own processes (stream lanes, SQS pollers) run in it
    outcomes: "Outcomes"      # each event's final outcome, and the sources' own counters
    horizon_s: float
    keep_records: bool        # whether per-invocation records are kept (records="full")
    listening: bool           # whether a listener hears of events' fates (skip report_* loops if not)

    def function_timeout_s(self, f: int) -> float:
        """Function ``f``'s timeout: a run is cut there (and fails)."""

    def start(self, f: int, t: float, dur: float, init: float) -> Optional[Started]:
        """Start one execution of ``f`` at ``t`` running ``dur`` seconds (after ``init`` if cold),
        or ``None`` if it is throttled (no concurrency, or no burst-scaling budget)."""

    def defer(self, t: float, callback: Callable[..., None], f: int, args: tuple = ()) -> None:
        """Call ``callback(t, *args)`` at ``t``; an event of ``f`` waits till then (``queued`` at the end)."""

    def draw_error(self, f: int) -> bool:
        """Whether a retried run of ``f`` fails (the function's error probability)."""

    def row(self, f: int, arrival: float, start: float, end: float, init: float, dur: float, cold: bool,
            gid: int, failed: bool, on_pc: bool, attempt: int, queue_delay: float) -> int:
        """Record one execution that started at ``start``; its invocation status code."""

    def throttled_row(self, f: int, t: float, attempt: int, queue_delay: float) -> None:
        """Record one throttled sync call (a 429 returned to the caller)."""

    def report_done(self, f: int, token: Optional[int], start: float, end: float, init: float, retry: float,
                    share: float = 1.0) -> None:
        """Tell the listener (if any) that event ``token`` succeeded (see :meth:`EventListener.done`)."""

    def report_failed(self, f: int, token: Optional[int], t: float) -> None:
        """Tell the listener (if any) that event ``token`` failed for good at ``t``."""
