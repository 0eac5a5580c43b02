"""The record of execution environments: created, ready, retired.

With ``keep=True`` every instance is a row; otherwise only live instances
are held and retired ones are folded into running totals, so memory stays
bounded on long runs.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import math

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


__all__ = ["InstanceLog"]


class InstanceLog:
    def __init__(self, function_names: list[str], keep: bool = True, measure_from_s: float = 0.0):
        self.names, self.t0 = function_names, measure_from_s
        self.keep = keep
        self.count = 0
        self.rows: list[list[float]] = []      # [function, created, ready, retired] (keep=True)
        self._live: dict[int, tuple[int, float]] = {}  # id -> (function, created) (keep=False)
        self.retired_lifetime_s = 0.0               # keep=False
        self.retired_count = 0

    def create(self, function: int, created: float, ready: float) -> int:
        gid = self.count
        self.count += 1
        if self.keep:
            self.rows.append([function, created, ready, math.nan])
        else:
            self._live[gid] = (function, created)
        return gid

    def retire(self, gid: int, t: float) -> None:
        if self.keep:
            self.rows[gid][3] = t
        else:
            _, created = self._live.pop(gid)
            self.retired_lifetime_s += t - created if self.t0 == 0 else max(t - max(created, self.t0), 0.0)
            self.retired_count += 1

    def instance_seconds(self, horizon_s: float) -> float:
        """Total live time of all instances within [measure_from_s, horizon] (the whole run without a warm-up)."""
        t0 = self.t0
        if self.keep:
            a = self.array()
            if not len(a):
                return 0.0
            end = np.fmin(np.nan_to_num(a[:, 3], nan=horizon_s), horizon_s)
            if t0 > 0:
                return float(np.sum(np.maximum(end - np.maximum(a[:, 1], t0), 0.0)))
            return float(np.sum(end - a[:, 1]))
        if t0 > 0:
            return self.retired_lifetime_s + sum(horizon_s - max(c, t0) for _, c in self._live.values())
        return self.retired_lifetime_s + sum(horizon_s - c for _, c in self._live.values())

    def array(self) -> np.ndarray:
        return np.asarray(self.rows, dtype=float).reshape(-1, 4)

    def frame(self) -> pd.DataFrame:
        import pandas as pd
        if not self.keep:
            raise ValueError("Instance records were not kept: simulate(..., records='full') keeps them.")
        a = self.array()
        return pd.DataFrame({
            "instance": np.arange(len(a)),
            "function": pd.Categorical.from_codes(a[:, 0].astype(int), categories=self.names),
            "created_s": a[:, 1], "ready_s": a[:, 2], "retired_s": a[:, 3],
        })
