"""Invocation records and the running tally of every summary metric.

The engine hands over one batch of invocations at a time as columns. The
:class:`Tally` folds each batch into counts and sums (and, with
``keep=True``, keeps the columns for ``Result.invocations``), so a run in
``records="summary"`` mode holds only bounded state however long it is.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lambdasim.stats import LogHistogram
from lambdasim.timeseries import busy_seconds, measured

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COMPLETED", "THROTTLED", "FAILED", "IN_FLIGHT", "STATUS", "Tally"]

COMPLETED, THROTTLED, FAILED, IN_FLIGHT = 0, 1, 2, 3
STATUS = ["completed", "throttled", "failed", "in_flight"]

COLUMNS = ["function", "arrival_s", "start_s", "end_s", "init_s", "duration_s", "cold", "instance",
           "status", "billed_ms", "on_pc", "attempt", "queue_delay_s"]
#: Columns added for platform fidelity (issue 4) and their values when a producer leaves them out:
#: ran on a provisioned instance; attempt number (0 = first); event age at the start (async/sqs)
#: or iterator age (stream batches).
#: A batch may leave them out; they are materialised only when the records are asked for.
DEFAULTS = {"on_pc": (False, np.bool_), "attempt": (0, np.int32), "queue_delay_s": (0.0, np.float64)}


class Tally:
    """Counts and sums of the invocations that arrived at or after ``measure_from_s`` (the scenario's
    warm-up; busy time inside [measure_from_s, horizon]); with ``keep``, every invocation's columns."""

    def __init__(self, n_functions: int, horizon_s: float, keep: bool, measure_from_s: float = 0.0):
        self.horizon_s, self.keep, self.t0 = horizon_s, keep, measure_from_s
        self.status = np.zeros((n_functions, len(STATUS)), dtype=np.int64)
        self.cold = np.zeros(n_functions, dtype=np.int64)
        self.billed_ms = np.zeros(n_functions)
        self.pc_requests = np.zeros(n_functions, dtype=np.int64)  # of which on provisioned concurrency
        self.pc_billed_ms = np.zeros(n_functions)
        self.run_s = np.zeros(n_functions)
        self.latency_sum = np.zeros(n_functions)
        self.busy_s = 0.0
        self.max_concurrency = 0
        self.hist = LogHistogram()
        self.batches: list[dict[str, np.ndarray]] = []
        self.outcomes = None  # the engine's per-event Outcomes (lambdasim.awslambda.outcomes), if it keeps one
        self.hourly = None  # a timeseries.HourlyCounts of arrivals when the bill needs them per hour (an ALB)

    def add(self, b: dict[str, np.ndarray]) -> None:
        """Fold one batch of columns into the counts and sums (and keep it, with ``keep``).

        Each sum is a ``bincount`` (in row order). Rows left out of a sum get weight 0.0 rather than
        being cut out of the arrays: adding +0.0 leaves every partial sum as it was, bit for bit (a sum
        that starts at +0.0 is never -0.0), and it spares a copy of each column.
        """
        nf = len(self.cold)
        if self.keep:
            self.batches.append(b)
        started = b["status"] != THROTTLED
        if started.all():  # the same arrays, not copies of them
            self.busy_s += busy_seconds(b["start_s"], b["end_s"], self.t0, self.horizon_s)
        else:
            self.busy_s += busy_seconds(b["start_s"][started], b["end_s"][started], self.t0, self.horizon_s)
        if self.t0 > 0:
            b = measured(b, self.t0)
        f, st = b["function"].astype(np.intp), b["status"]
        ns = self.status.shape[1]
        code = f * ns
        code += st
        self.status += np.bincount(code, minlength=self.status.size).reshape(self.status.shape)
        done = st == COMPLETED
        all_done = bool(done.all())
        self.cold += np.bincount(f[b["cold"]], minlength=nf)
        billed = done | (st == FAILED)  # failed executions (errors, timeouts) are billed too
        self.billed_ms += np.bincount(f, weights=_only(billed, b["billed_ms"], all_done), minlength=nf)
        if "on_pc" in b:
            pc = billed & b["on_pc"].astype(bool)  # billing: executions on provisioned concurrency
            self.pc_requests += np.bincount(f[pc], minlength=nf)
            self.pc_billed_ms += np.bincount(f[pc], weights=b["billed_ms"][pc], minlength=nf)
        self.run_s += np.bincount(f, weights=_only(done, b["duration_s"], all_done), minlength=nf)
        lat = b["end_s"] - b["arrival_s"]
        self.latency_sum += np.bincount(f, weights=_only(done, lat, all_done), minlength=nf)
        if self.hourly is not None:
            self.hourly.add(b["function"], b["arrival_s"] - self.t0)  # hours of the measured span
        if not self.keep:
            self.hist.add(lat if all_done else lat[done])

    def columns(self) -> dict[str, np.ndarray]:
        """All invocation records as one array per column (joined once, then cached)."""
        if not self.keep:
            raise ValueError("Invocation records were not kept: simulate(..., records='full') keeps them.")
        if len(self.batches) != 1 or any(c not in self.batches[0] for c in DEFAULTS):
            joined, sizes = {}, [len(b["status"]) for b in self.batches]
            for c in COLUMNS:  # one column at a time, freeing the parts, to keep the peak low
                if c in DEFAULTS and not any(c in b for b in self.batches):
                    value, dtype = DEFAULTS[c]  # zeros come from calloc: no pass over the memory
                    joined[c] = np.zeros(sum(sizes), dtype) if not value else np.full(sum(sizes), value, dtype)
                elif len(self.batches) == 1:
                    joined[c] = self.batches[0].pop(c)
                else:
                    joined[c] = (np.concatenate([self._pop(b, c, n) for b, n in zip(self.batches, sizes)])
                                 if self.batches else np.empty(0))
            self.batches = [joined]
        return self.batches[0]

    @staticmethod
    def _pop(b: dict[str, np.ndarray], c: str, n: int) -> np.ndarray:
        if c in b:
            return b.pop(c)
        value, dtype = DEFAULTS[c]
        return np.full(n, value, dtype=dtype)

    def latency_quantiles(self, qs: list[float]) -> list[float]:
        if self.keep:
            cols = self.columns()
            cols = measured(cols, self.t0) if self.t0 > 0 else cols
            lat = (cols["end_s"] - cols["arrival_s"])[cols["status"] == COMPLETED]  # a new array: sorted in place
            return ([float(v) for v in np.quantile(lat, qs, method="inverted_cdf", overwrite_input=True)]
                    if len(lat) else [float("nan")] * len(qs))
        return [self.hist.quantile(q) for q in qs]

    def frame(self, names: list[str]) -> pd.DataFrame:
        import pandas as pd
        c = dict(self.columns())
        c["function"] = pd.Categorical.from_codes(c["function"], categories=names)
        c["status"] = pd.Categorical.from_codes(c["status"], categories=STATUS)
        return pd.DataFrame(c, copy=False)


def _only(rows: np.ndarray, values: np.ndarray, every: bool) -> np.ndarray:
    """``values`` with 0.0 outside ``rows`` (``values`` itself when ``every`` row counts)."""
    return values if every else np.where(rows, values, 0.0)
