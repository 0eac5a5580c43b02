"""A Kinesis / DynamoDB stream event source: shards read in order, in batches.

Records (one per arrival) land on the ``shards`` in turn (many partition
keys spread evenly). Each shard is read by ``parallelization_factor``
concurrent batches (1-10; records of one partition key stay on one of
them), so there are ``shards x parallelization_factor`` ordered *lanes*.
A lane runs one batch at a time, in arrival order (AWS docs, "Using Lambda
with Kinesis"; What's New 2019-11):

- a batch is at most ``batch_size`` records; with ``batching_window_s`` > 0
  the lane waits until the batch is full or the window (from the oldest
  waiting record) has passed;
- one invocation per batch; its run time is the sum of the records' run
  times (cut at the function's timeout, which fails the batch);
- a failing batch is retried at once and blocks its lane until it succeeds,
  ``maximum_retry_attempts`` is used up (records to the on-failure
  destination) or its records are older than ``maximum_record_age_s``
  (``dropped_age``);
- a throttled batch is retried after ``throttle_backoff_s``.

Each batch's row carries the iterator age in ``queue_delay_s``: how old the
newest record of the batch is when the batch starts (the CloudWatch
``IteratorAge`` definition). A lane is a SimPy process: it waits for
records and for its batch to end.
"""
from __future__ import annotations

from collections import deque

from lambdasim.awslambda.invocation import Stream
from lambdasim.awslambda.outcomes import O_COMPLETED, O_DESTINATION, O_DROPPED_AGE, O_IN_FLIGHT, O_QUEUED
from lambdasim.awslambda.sources.protocol import SourceHost

__all__ = ["StreamSource"]


class _Lane:
    __slots__ = ("records", "wake", "full", "batch", "seq", "log")

    def __init__(self):
        self.records: deque = deque()  # (seq, arrival, work_s, init, token)
        self.wake = self.full = None
        self.batch: list | None = None
        self.seq = 0
        self.log: list[tuple[int, int, float]] = []  # (first seq, last seq, end) of each completed batch


class StreamSource:
    def __init__(self, model: SourceHost, f: int, spec: Stream):
        self.model, self.f, self.spec = model, f, spec
        self.lanes = [_Lane() for _ in range(spec.shards * spec.parallelization_factor)]
        self._next = 0
        self.timeout_s = model.function_timeout_s(f)
        for lane in self.lanes:
            model.env.process(self._run(lane))

    def offer(self, t: float, work_s: float, init: float, failed: bool, timed_out: bool, token=None) -> None:
        lane = self.lanes[self._next]
        self._next = (self._next + 1) % len(self.lanes)
        lane.records.append((lane.seq, t, work_s, init, token))
        lane.seq += 1
        if lane.wake is not None and not lane.wake.triggered:
            lane.wake.succeed()
        if lane.full is not None and len(lane.records) >= self.spec.batch_size and not lane.full.triggered:
            lane.full.succeed()

    def _run(self, lane: _Lane):
        env, sp = self.model.env, self.spec
        while True:
            if not lane.records:
                lane.wake = env.event()
                yield lane.wake
                lane.wake = None
            if sp.batching_window_s > 0 and len(lane.records) < sp.batch_size:
                deadline = lane.records[0][1] + sp.batching_window_s
                if deadline > env.now:
                    lane.full = env.event()
                    yield lane.full | env.timeout(deadline - env.now)
                    lane.full = None
            lane.batch = [lane.records.popleft() for _ in range(min(sp.batch_size, len(lane.records)))]
            yield from self._process(lane)
            lane.batch = None

    def _process(self, lane: _Lane):
        m, sp, f, env = self.model, self.spec, self.f, self.model.env
        out = m.outcomes
        tries, first = 0, env.now  # time since ``first`` is lost to retries (throttles, failed runs)
        while True:
            t = env.now
            if sp.maximum_record_age_s is not None:
                old = [r for r in lane.batch if t - r[1] > sp.maximum_record_age_s]
                if old:
                    out.add(f, O_DROPPED_AGE, len(old))
                    if m.listening:
                        for r in old:
                            m.report_failed(f, r[4], t)
                    lane.batch = [r for r in lane.batch if t - r[1] <= sp.maximum_record_age_s]
                    if not lane.batch:
                        return
            batch = lane.batch
            work = sum(r[2] for r in batch)
            dur = min(work, self.timeout_s)
            res = m.start(f, t, dur, batch[0][3])
            if res is None:
                out.async_throttles += 1
                yield env.timeout(sp.throttle_backoff_s)
                continue
            gid, end, cold, on_pc = res
            failed = work > self.timeout_s or m.draw_error(f)
            age = t - batch[-1][1]
            if age > out.iterator_age_max_s:
                out.iterator_age_max_s = age
            m.row(f, t, t, end, batch[0][3] if cold else 0.0, dur, cold, gid, failed, on_pc, tries, age)
            yield env.timeout(end - t)
            if not failed:
                out.add(f, O_COMPLETED, len(batch))
                if m.keep_records:
                    lane.log.append((batch[0][0], batch[-1][0], end))
                if m.listening:  # an application runtime: each record's share of the batch
                    for r in batch:
                        m.report_done(f, r[4], t, end, batch[0][3] if cold else 0.0, t - first, 1.0 / len(batch))
                return
            tries += 1
            if sp.maximum_retry_attempts is not None and tries > sp.maximum_retry_attempts:
                out.add(f, O_DESTINATION, len(batch))
                if m.listening:  # the records failed for good
                    for r in batch:
                        m.report_failed(f, r[4], env.now)
                return

    def finish(self, horizon_s: float) -> None:
        """Count the records still waiting on a lane (queued) or in its current batch (in flight)."""
        for lane in self.lanes:
            self.model.outcomes.add(self.f, O_QUEUED, len(lane.records))
            if lane.batch:
                self.model.outcomes.add(self.f, O_IN_FLIGHT, len(lane.batch))
