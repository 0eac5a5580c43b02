"""Lineage: which event caused which, per root event (one external arrival).

Every event of an application (a root arrival, or an event emitted along an
edge) gets an id, its root and its parent. When its successful execution is
known, the event gets its start, end, INIT time, retry wait and its share of
the execution's cost. From that, :meth:`Lineage.end_to_end` gives per root:

- the end-to-end latency: from the root's arrival to the end of the last
  invocation it caused (NaN unless every event of the tree completed, or
  failed for good and was handled by a ``when: failure`` edge; ``failures``
  counts the failed events);
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

from typing import TYPE_CHECKING

import math
from array import array

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


__all__ = ["Lineage", "PARTS"]

PARTS = ["delay_s", "queue_s", "batching_s", "retry_s", "cold_s", "run_s"]


class Lineage:
    """Columns of typed arrays (8 bytes a value, not a Python object each): one entry per event or root."""

    def __init__(self):
        self.root, self.parent, self.fn = array("q"), array("q"), array("q")
        self.arrival = array("d")   # when the event reached its function
        self.sent = array("d")      # when its parent's run ended (the root: its arrival)
        self.start, self.end, self.init, self.retry = array("d"), array("d"), array("d"), array("d")
        self.lambda_usd, self.services_usd = array("d"), array("d")
        self.failed_at = array("d")  # when the event failed for good (NaN: it did not)
        self.root_t0, self.root_fn = array("d"), array("q")
        self.pending = array("q")   # events of the root not yet completed

    def new_root(self, fn: int, t: float, services_usd: float = 0.0) -> int:
        self.root_t0.append(t)
        self.root_fn.append(fn)
        self.pending.append(0)
        return self.add(len(self.root_t0) - 1, -1, fn, t, t, services_usd)

    def add(self, root: int, parent: int, fn: int, sent: float, arrival: float, services_usd: float = 0.0) -> int:
        nan = math.nan
        for col, v in ((self.root, root), (self.parent, parent), (self.fn, fn), (self.sent, sent),
                       (self.arrival, arrival), (self.start, nan), (self.end, nan), (self.init, nan),
                       (self.retry, nan), (self.lambda_usd, 0.0), (self.services_usd, services_usd),
                       (self.failed_at, nan)):
            col.append(v)
        self.pending[root] += 1
        return len(self.fn) - 1

    def done(self, e: int, start: float, end: float, init: float, retry: float, usd: float) -> None:
        self.start[e], self.end[e], self.init[e], self.retry[e] = start, end, init, retry
        self.lambda_usd[e] += usd
        self.pending[self.root[e]] -= 1

    def fail(self, e: int, t: float, handled: bool) -> None:
        """Event ``e`` failed for good at ``t``; ``handled``: an on-failure edge carries the tree on."""
        self.failed_at[e] = t
        if handled:
            self.pending[self.root[e]] -= 1

    @property
    def n_events(self) -> int:
        return len(self.fn)

    # --- tables ---------------------------------------------------------------------
    def events(self, names: list[str]) -> pd.DataFrame:
        """One row per event: root, parent, function, sent, arrival, start, end, init, retry, costs."""
        import pandas as pd
        df = pd.DataFrame({
            "root": np.array(self.root, dtype=np.int64), "parent": np.array(self.parent, dtype=np.int64),
            "function": pd.Categorical.from_codes(np.array(self.fn, dtype=np.int64), categories=names),
            "sent_s": self.sent, "arrival_s": self.arrival, "start_s": self.start, "end_s": self.end,
            "init_s": self.init, "retry_s": self.retry, "lambda_usd": self.lambda_usd,
            "services_usd": self.services_usd, "failed_s": self.failed_at,
        })
        df.index.name = "event"
        return df

    def end_to_end(self, names: list[str], window_s: list[float]) -> pd.DataFrame:
        """One row per root event: latency, critical path and its parts, cost (see the module doc)."""
        import pandas as pd
        nr = len(self.root_t0)
        root = np.array(self.root, dtype=np.int64)
        failed_at = np.array(self.failed_at, dtype=float)
        end = np.where(np.isnan(failed_at), np.array(self.end, dtype=float), failed_at)  # a failure ends there
        lam = np.bincount(root, weights=np.array(self.lambda_usd), minlength=nr) if nr else np.zeros(0)
        svc = np.bincount(root, weights=np.array(self.services_usd), minlength=nr) if nr else np.zeros(0)
        n_ev = np.bincount(root, minlength=nr) if nr else np.zeros(0, dtype=np.int64)
        n_fail = np.bincount(root, weights=~np.isnan(failed_at), minlength=nr).astype(np.int64) if nr else n_ev
        # the last-ending completed event of each root
        last = np.full(nr, -1, dtype=np.int64)
        last_end = np.full(nr, -np.inf)
        done = np.flatnonzero(~np.isnan(end))
        np.maximum.at(last_end, root[done], end[done])
        at_max = done[end[done] == last_end[root[done]]]
        last[root[at_max[::-1]]] = at_max[::-1]  # on a tie, the first event to end so
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
            "failures": n_fail,
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
            parts[0] += self.arrival[e] - self.sent[e]
            if not math.isnan(self.failed_at[e]):  # failed for good: all its time went to attempts
                parts[3] += self.failed_at[e] - self.arrival[e]
                e = self.parent[e]
                continue
            wait = self.start[e] - self.arrival[e]
            retry = min(self.retry[e], wait)
            batching = min(wait - retry, window_s[f])
            parts[1] += wait - retry - batching
            parts[2] += batching
            parts[3] += retry
            parts[4] += self.init[e]
            parts[5] += self.end[e] - self.start[e] - self.init[e]
            e = self.parent[e]
        return parts, " > ".join(reversed(chain))
