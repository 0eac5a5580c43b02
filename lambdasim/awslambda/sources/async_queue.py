"""Asynchronous invocation: Lambda's internal event queue for one function.

An event (an S3 notification, say) is accepted at once and queued; Lambda
then tries to run it (AWS docs, "Error handling for asynchronous
invocation"; What's New 2019-11-25):

- throttled (no concurrency, or no scaling budget): retried with an
  exponential backoff from ``throttle_backoff_min_s`` (1 s) doubling up to
  ``throttle_backoff_max_s`` (5 min), for as long as the event is younger
  than ``maximum_event_age_s`` (60 s - 6 h, default 6 h);
- the function fails (an error or a timeout): retried up to
  ``maximum_retry_attempts`` times (0-2, default 2), ``retry_delays_s``
  (about 1 and 2 minutes) after the failed run ends;
- retries used up: the event goes to the on-failure destination
  (``to_destination``); too old: it is dropped (``dropped_age``; AWS sends it
  to the same destination, counted apart here).

No event waits on a completion: each retry is a deferred callback at its
time. An execution's row records the event age at its start in
``queue_delay_s`` and the attempt number in ``attempt``.
"""
from __future__ import annotations

from lambdasim.awslambda.invocation import Async, backoff_s
from lambdasim.awslambda.outcomes import O_COMPLETED, O_DESTINATION, O_DROPPED_AGE, O_IN_FLIGHT
from lambdasim.awslambda.sources.protocol import SourceHost

__all__ = ["AsyncQueue"]


class AsyncQueue:
    def __init__(self, model: SourceHost, f: int, spec: Async):
        self.model, self.f, self.spec = model, f, spec
        self.timeout_s = model.function_timeout_s(f)

    def offer(self, t: float, work_s: float, init: float, failed: bool, timed_out: bool, token=None) -> None:
        """A new event at ``t``; ``failed`` is the first run's error draw (timeouts included).

        ``token`` identifies the event to the model's listener (an application), told of its fate.
        """
        self._attempt(t, t, min(work_s, self.timeout_s), init, failed, timed_out, 0, 0, token)

    def _attempt(self, t: float, t0: float, dur: float, init: float, failed: bool, timed_out: bool,
                 tries: int, throttles: int, token=None) -> None:
        m, sp, f = self.model, self.spec, self.f
        res = m.start(f, t, dur, init)
        if res is None:
            m.outcomes.async_throttles += 1
            nxt = t + backoff_s(throttles, sp.throttle_backoff_min_s, 2.0, sp.throttle_backoff_max_s)
            if nxt - t0 > sp.maximum_event_age_s:
                m.defer(t0 + sp.maximum_event_age_s, self._drop, f, (token,))
            else:
                m.defer(nxt, self._attempt, f, (t0, dur, init, failed, timed_out, tries, throttles + 1, token))
            return
        gid, end, cold, on_pc = res
        m.row(f, t, t, end, init if cold else 0.0, dur, cold, gid, failed, on_pc, tries, t - t0)
        if t - t0 > m.outcomes.event_age_max_s:
            m.outcomes.event_age_max_s = t - t0
        if end > m.horizon_s:
            m.outcomes.add(f, O_IN_FLIGHT)
        elif not failed:
            m.outcomes.add(f, O_COMPLETED)
            m.report_done(f, token, t, end, init if cold else 0.0, t - t0)
        elif tries >= sp.maximum_retry_attempts:
            m.outcomes.add(f, O_DESTINATION)
            m.report_failed(f, token, end)
        else:
            nxt = end + sp.retry_delays_s[min(tries, len(sp.retry_delays_s) - 1)]
            if nxt - t0 > sp.maximum_event_age_s:
                m.defer(max(end, t0 + sp.maximum_event_age_s), self._drop, f, (token,))
            else:
                again = timed_out or m.draw_error(f)
                m.defer(nxt, self._attempt, f, (t0, dur, init, again, timed_out, tries + 1, 0, token))

    def _drop(self, t: float, token=None) -> None:
        self.model.outcomes.add(self.f, O_DROPPED_AGE)
        self.model.report_failed(self.f, token, t)

    def finish(self, horizon_s: float) -> None:
        """Events still waiting for a retry were counted as queued by the model."""
