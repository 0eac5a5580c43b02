"""Lineage: which event caused which, per root event (one external arrival).

Every event of an application (a root arrival, or an event emitted along an
edge) gets an id, its root and its parent. When its successful execution is
known, the event gets its start, end, INIT time, retry wait and its share of
the execution's cost. From that, :meth:`Lineage.end_to_end` gives per root:

- the end-to-end latency: from the root's arrival to the end of the last
  invocation it caused (NaN unless every event of the tree completed);
- the critical path: the chain of parents from the last-ending event back
  to the root, and how its time splits into ``delay_s`` (service delivery,
  e.g. an S3 notification), ``batching_s`` (waiting for a batch to fill:
  at most the function's ``batching_window_s``), ``queue_s`` (the rest of
  the wait: a stream lane or SQS pollers busy with earlier batches),
  ``retry_s`` (throttle and error retries), ``cold_s`` (INIT) and
  ``run_s``; the parts add up to the latency;
- the cost: Lambda (successful executions; a batch's cost shared equally
  by its records; a sync caller's wait) and services, in USD.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["Lineage", "PARTS"]

PARTS = ["delay_s", "queue_s", "batching_s", "retry_s", "cold_s", "run_s"]


class Lineage:
    def __init__(self):
        self.root: list[int] = []
        self.parent: list[int] = []
        self.fn: list[int] = []
        self.arrival: list[float] = []   # when the event reached its function
        self.sent: list[float] = []      # when its parent's run ended (the root: its arrival)
        self.start: list[float] = []
        self.end: list[float] = []
        self.init: list[float] = []
        self.retry: list[float] = []
        self.lambda_usd: list[float] = []
        self.services_usd: list[float] = []
        self.root_t0: list[float] = []
        self.root_fn: list[int] = []
        self.pending: list[int] = []     # events of the root not yet completed

    def new_root(self, fn: int, t: float, services_usd: float = 0.0) -> int:
        self.root_t0.append(t)
        self.root_fn.append(fn)
        self.pending.append(0)
        return self.add(len(self.root_t0) - 1, -1, fn, t, t, services_usd)

    def add(self, root: int, parent: int, fn: int, sent: float, arrival: float, services_usd: float = 0.0) -> int:
        nan = math.nan
        for col, v in ((self.root, root), (self.parent, parent), (self.fn, fn), (self.sent, sent),
                       (self.arrival, arrival), (self.start, nan), (self.end, nan), (self.init, nan),
                       (self.retry, nan), (self.lambda_usd, 0.0), (self.services_usd, services_usd)):
            col.append(v)
        self.pending[root] += 1
        return len(self.fn) - 1

    def done(self, e: int, start: float, end: float, init: float, retry: float, usd: float) -> None:
        self.start[e], self.end[e], self.init[e], self.retry[e] = start, end, init, retry
        self.lambda_usd[e] += usd
        self.pending[self.root[e]] -= 1

    @property
    def n_events(self) -> int:
        return len(self.fn)

    # --- tables ---------------------------------------------------------------------
    def events(self, names: list[str]) -> pd.DataFrame:
        """One row per event: root, parent, function, sent, arrival, start, end, init, retry, costs."""
        df = pd.DataFrame({
            "root": np.array(self.root, dtype=np.int64), "parent": np.array(self.parent, dtype=np.int64),
            "function": pd.Categorical.from_codes(np.array(self.fn, dtype=np.int64), categories=names),
            "sent_s": self.sent, "arrival_s": self.arrival, "start_s": self.start, "end_s": self.end,
            "init_s": self.init, "retry_s": self.retry, "lambda_usd": self.lambda_usd,
            "services_usd": self.services_usd,
        })
        df.index.name = "event"
        return df

    def end_to_end(self, names: list[str], window_s: list[float]) -> pd.DataFrame:
        """One row per root event: latency, critical path and its parts, cost (see the module doc)."""
        nr = len(self.root_t0)
        root = np.array(self.root, dtype=np.int64)
        end = np.array(self.end, dtype=float)
        lam = np.bincount(root, weights=np.array(self.lambda_usd), minlength=nr) if nr else np.zeros(0)
        svc = np.bincount(root, weights=np.array(self.services_usd), minlength=nr) if nr else np.zeros(0)
        n_ev = np.bincount(root, minlength=nr) if nr else np.zeros(0, dtype=np.int64)
        # the last-ending completed event of each root
        last = np.full(nr, -1, dtype=np.int64)
        last_end = np.full(nr, -np.inf)
        for e in np.flatnonzero(~np.isnan(end)):
            r = root[e]
            if end[e] > last_end[r]:
                last_end[r], last[r] = end[e], e
        complete = (np.array(self.pending) == 0) & (last >= 0)
        parts = np.zeros((nr, len(PARTS)))
        paths = [""] * nr
        for r in np.flatnonzero(complete):
            parts[r], paths[r] = self._path(int(last[r]), names, window_s)
        t0 = np.array(self.root_t0, dtype=float)
        out = pd.DataFrame({
            "entry": pd.Categorical.from_codes(np.array(self.root_fn, dtype=np.int64), categories=names),
            "arrival_s": t0, "end_s": np.where(complete, last_end, np.nan),
            "latency_s": np.where(complete, last_end - t0, np.nan), "complete": complete, "events": n_ev,
            **{p: np.where(complete, parts[:, k], np.nan) for k, p in enumerate(PARTS)},
            "critical_path": paths, "lambda_usd": lam, "services_usd": svc, "cost_usd": lam + svc,
        })
        out.index.name = "root"
        return out

    def _path(self, e: int, names: list[str], window_s: list[float]) -> tuple[np.ndarray, str]:
        parts = np.zeros(len(PARTS))
        chain = []
        while e >= 0:
            f = self.fn[e]
            chain.append(names[f])
            wait = self.start[e] - self.arrival[e]
            retry = min(self.retry[e], wait)
            batching = min(wait - retry, window_s[f])
            parts[0] += self.arrival[e] - self.sent[e]
            parts[1] += wait - retry - batching
            parts[2] += batching
            parts[3] += retry
            parts[4] += self.init[e]
            parts[5] += self.end[e] - self.start[e] - self.init[e]
            e = self.parent[e]
        return parts, " > ".join(reversed(chain))
