"""Synchronous invocation: a call starts at once or is throttled (a 429 to the caller).

A throttled call is retried by the client when the function's invocation has
a ``retry`` policy (``attempts`` in all, exponential backoff from
``backoff_s`` times ``multiplier`` up to ``max_backoff_s``); each attempt is a
row (``attempt`` 0, 1, ...; ``queue_delay_s`` the time since the first one).
The call's outcome is final at its last attempt: completed, failed (an error
or a timeout) or throttled.

The model's driver starts the first attempt of a plain sync call inline (the
hot path) and hands a throttled one to :meth:`SyncClient.retry`; an
application's sync functions take every event through :meth:`SyncClient.offer`.
This module is the one place where sync retries are decided.
"""
from __future__ import annotations

from typing import Optional

from lambdasim.awslambda.invocation import Sync, backoff_s
from lambdasim.awslambda.records import COMPLETED, FAILED, THROTTLED
from lambdasim.awslambda.sources.protocol import SourceHost

__all__ = ["SyncClient"]


class SyncClient:
    def __init__(self, host: SourceHost, f: int, spec: Sync):
        self.host, self.f, self.retry_policy = host, f, spec.retry
        self.timeout_s = host.function_timeout_s(f)

    def offer(self, t: float, work_s: float, init: float, failed: bool, timed_out: bool,
              token: Optional[int] = None) -> None:
        self._call(t, t, min(work_s, self.timeout_s), init, failed, timed_out, 0, token)

    def retry(self, t: float, dur: float, init: float, timed_out: bool) -> None:
        """The first attempt at ``t`` was throttled: retry it by the policy (its error is drawn when it runs)."""
        self._later(t, t, dur, init, None, timed_out, 1, None)

    def _later(self, t: float, t0: float, dur: float, init: float, failed: Optional[bool], timed_out: bool,
               attempt: int, token: Optional[int]) -> None:
        r = self.retry_policy
        wait = backoff_s(attempt - 1, r.backoff_s, r.multiplier, r.max_backoff_s)
        self.host.defer(t + wait, self._call, self.f, (t0, dur, init, failed, timed_out, attempt, token))

    def _call(self, t: float, t0: float, dur: float, init: float, failed: Optional[bool], timed_out: bool,
              attempt: int, token: Optional[int]) -> None:
        """Attempt ``attempt`` of a call first made at ``t0``; ``failed`` None: draw the error now."""
        m, f, r = self.host, self.f, self.retry_policy
        res = m.start(f, t, dur, init)
        if res is None:
            m.throttled_row(f, t, attempt, t - t0)
            if r is not None and attempt + 1 < r.attempts:
                self._later(t, t0, dur, init, failed, timed_out, attempt + 1, token)
            else:
                m.outcomes.add(f, THROTTLED)  # outcome codes 0-3 equal the status codes
                m.report_failed(f, token, t)
            return
        gid, end, cold, on_pc = res
        if failed is None:
            failed = timed_out or m.draw_error(f)
        status = m.row(f, t, t, end, init if cold else 0.0, dur, cold, gid, failed, on_pc, attempt, t - t0)
        m.outcomes.add(f, status)
        if status == COMPLETED:
            m.report_done(f, token, t, end, init if cold else 0.0, t - t0)
        elif status == FAILED:
            m.report_failed(f, token, end)

    def finish(self, horizon_s: float) -> None:
        """Retries still waiting were counted as queued by the model."""
