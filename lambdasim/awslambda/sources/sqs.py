"""An SQS standard-queue event source: pollers, visibility timeout, redrive to a DLQ.

Each arrival is a message on the queue. Pollers receive batches and invoke
the function once per batch (AWS docs, "Using Lambda with Amazon SQS";
AWS Compute Blog 2023-11 on faster SQS scaling):

- the number of concurrent batches (pollers) starts at 5 when messages
  appear and, while messages are waiting at each full minute, grows by 60
  up to 1,000 (``scaling: legacy``) or by 300 up to 1,250 (``current``),
  never above ``maximum_concurrency``; when the queue is found empty at a
  minute mark it falls back to 5 (surplus pollers stop when idle);
- a poller takes up to ``batch_size`` visible messages (waiting up to
  ``batching_window_s`` for a full batch); each received message turns
  invisible for ``visibility_timeout_s`` and its receive count grows;
- the batch's run time is the sum of its messages' run times; on success
  the messages are deleted; on failure (an error or a timeout) they
  reappear when their visibility timeout ends;
- a message received ``max_receive_count`` times that comes up again goes
  to the dead-letter queue (``dlq``) instead;
- a message whose visibility timeout ends while it is still being
  processed can be received and processed again: a successful run that
  can no longer delete its message (deleted already, or received again
  since) counts as a ``duplicate``;
- a throttled batch is retried after ``throttle_backoff_s``.

Pollers, the scaling controller and the visibility clock are SimPy
processes; a new or reappearing message wakes one idle poller, not all.
"""
from __future__ import annotations

import heapq
from collections import deque

from lambdasim.awslambda.invocation import Sqs
from lambdasim.awslambda.outcomes import O_COMPLETED, O_DLQ, O_IN_FLIGHT, O_QUEUED
from lambdasim.awslambda.sources.protocol import SourceHost

__all__ = ["SqsSource", "RAMP"]

#: (initial pollers, added per minute, maximum) by ``scaling``.
RAMP = {"legacy": (5, 60, 1000), "current": (5, 300, 1250)}


class SqsSource:
    def __init__(self, model: SourceHost, f: int, spec: Sqs):
        self.model, self.f, self.spec = model, f, spec
        self.env = model.env
        self.first, self.step, cap = RAMP[spec.scaling]
        self.cap = min(cap, spec.maximum_concurrency or cap)
        self.first = min(self.first, self.cap)
        self.timeout_s = model.function_timeout_s(f)
        # messages: [arrival, work_s, init, receives, receipt, state, token, first received]
        # state 0 live, 1 deleted, 2 dlq
        self.msgs: list[list] = []
        self.visible: deque[int] = deque()
        self.invisible: list[tuple[float, int, int]] = []  # heap (visible again at, message, receipt)
        self.level = 0      # pollers allowed now
        self.pollers = 0    # poller processes alive
        self.idle: deque = deque()  # wake-up events of idle pollers, first idle first
        self.running: dict[int, list[tuple[int, int]]] = {}  # poller -> batch of (message, receipt)
        self.ramp_log: list[tuple[float, int]] = []
        self._ctl_wake = None
        self._inv_added = None
        self._ids = 0
        self.env.process(self._controller())
        self.env.process(self._expiry())

    # --- the queue ----------------------------------------------------------------
    def offer(self, t: float, work_s: float, init: float, failed: bool, timed_out: bool, token=None) -> None:
        self.msgs.append([t, work_s, init, 0, 0, 0, token, None])
        self.visible.append(len(self.msgs) - 1)
        self._wake(1)
        if self._ctl_wake is not None and not self._ctl_wake.triggered:
            self._ctl_wake.succeed()

    def _wake(self, k: int) -> None:
        """Wake up to ``k`` idle pollers (one per newly visible message, not all of them)."""
        while k > 0 and self.idle:
            ev = self.idle.popleft()
            if not ev.triggered:
                ev.succeed()
                k -= 1

    def _expire(self, t: float) -> None:
        inv, msgs, k = self.invisible, self.msgs, 0
        while inv and inv[0][0] <= t:
            _, i, rc = heapq.heappop(inv)
            if msgs[i][5] == 0 and msgs[i][4] == rc:
                self.visible.append(i)
                k += 1
        self._wake(k)

    def _expiry(self):
        """Make messages visible again when their visibility timeout ends."""
        env, inv, msgs = self.env, self.invisible, self.msgs
        while True:
            while inv and not (msgs[inv[0][1]][5] == 0 and msgs[inv[0][1]][4] == inv[0][2]):
                heapq.heappop(inv)  # deleted, or received again since: nothing to do
            if not inv:
                self._inv_added = env.event()
                yield self._inv_added
                self._inv_added = None
                continue
            if inv[0][0] > env.now:
                yield env.timeout(inv[0][0] - env.now)
            self._expire(env.now)

    def _receive(self, t: float) -> list[tuple[int, int]]:
        sp, msgs, out = self.spec, self.msgs, self.model.outcomes
        batch = []
        while self.visible and len(batch) < sp.batch_size:
            i = self.visible.popleft()
            m = msgs[i]
            if m[5] != 0:
                continue  # deleted by a run that ended after its visibility timeout
            if sp.max_receive_count is not None and m[3] >= sp.max_receive_count:
                m[5] = 2
                out.add(self.f, O_DLQ)
                self.model.report_failed(self.f, m[6], t)
                continue
            m[3] += 1
            m[4] += 1
            if m[7] is None:
                m[7] = t
            heapq.heappush(self.invisible, (t + sp.visibility_timeout_s, i, m[4]))
            batch.append((i, m[4]))
        if batch and self._inv_added is not None and not self._inv_added.triggered:
            self._inv_added.succeed()
        return batch

    # --- scaling ------------------------------------------------------------------
    def _controller(self):
        env = self.env
        while True:
            if not self.visible:
                self._ctl_wake = env.event()
                yield self._ctl_wake
                self._ctl_wake = None
                continue
            self._set_level(self.first)
            while True:
                yield env.timeout(60.0)
                if self.visible and not self.idle:   # messages wait and every poller is busy
                    self._set_level(min(self.cap, self.level + self.step))
                elif not self.visible:
                    self._set_level(self.first)
                    break

    def _set_level(self, level: int) -> None:
        if level != self.level:
            self.level = level
            self.ramp_log.append((self.env.now, level))
        while self.pollers < self.level:
            self.pollers += 1
            self._ids += 1
            self.env.process(self._poller(self._ids))
        self._wake(self.pollers - self.level)  # surplus idle pollers stop

    # --- a poller -------------------------------------------------------------------
    def _poller(self, pid: int):
        env, sp, m = self.env, self.spec, self.model
        out, f, msgs = m.outcomes, self.f, self.msgs
        while True:
            if self.pollers > self.level:
                self.pollers -= 1
                return
            if not self.visible:
                ev = env.event()
                self.idle.append(ev)
                yield ev
                continue
            if sp.batching_window_s > 0 and len(self.visible) < sp.batch_size:
                yield env.timeout(sp.batching_window_s)
            batch = self._receive(env.now)
            if not batch:
                continue
            self.running[pid] = batch
            work = sum(msgs[i][1] for i, _ in batch)
            dur, init = min(work, self.timeout_s), msgs[batch[0][0]][2]
            while True:
                t = env.now
                res = m.start(f, t, dur, init)
                if res is not None:
                    break
                out.async_throttles += 1
                yield env.timeout(sp.throttle_backoff_s)
            gid, end, cold, on_pc = res
            failed = work > self.timeout_s or m.draw_error(f)
            age = t - min(msgs[i][0] for i, _ in batch)
            if age > out.event_age_max_s:
                out.event_age_max_s = age
            attempt = max(msgs[i][3] for i, _ in batch) - 1
            m.row(f, t, t, end, init if cold else 0.0, dur, cold, gid, failed, on_pc, attempt, age)
            yield env.timeout(end - t)
            del self.running[pid]
            if failed:
                continue  # the messages reappear when their visibility timeout ends
            for i, rc in batch:
                msg = msgs[i]
                if msg[5] == 0 and msg[4] == rc:
                    msg[5] = 1
                    out.add(f, O_COMPLETED)  # to an application runtime: each message's share of the batch
                    m.report_done(f, msg[6], t, end, init if cold else 0.0, t - msg[7], 1.0 / len(batch))
                else:
                    out.duplicates += 1

    def finish(self, horizon_s: float) -> None:
        """Count live messages: held by a running batch (in flight) or waiting (queued)."""
        msgs = self.msgs
        held = {i for batch in self.running.values() for i, rc in batch if msgs[i][5] == 0 and msgs[i][4] == rc}
        live = sum(1 for msg in msgs if msg[5] == 0)
        self.model.outcomes.add(self.f, O_IN_FLIGHT, len(held))
        self.model.outcomes.add(self.f, O_QUEUED, live - len(held))
