"""Keep-alive policies: when an idle execution environment is retired.

- ``fixed``: an instance idle for ``idle_s`` is retired. ``idle_s`` may be a
  range ``[low, high]``, drawn uniformly each time an instance goes idle
  (AWS before July 2019: a random 25-65 min, mikhail.io 2019; 2021: about 6.3 min,
  mikhail.io 2021).
- ``function_idle``: the two-timer model measured on AWS in 2020 (SimFaaS
  logs, github.com/pacslab/serverless-performance-modeling). When the
  *function* has had no run for ``idle_s`` its idle instances are retired
  (a lone instance: about 640 s after its last run, sharp); while other
  instances serve, a spare idle instance lives ``spare_idle_s`` (a number or
  a range; seen up to 1,523 s), or until the function goes quiet.
- ``hybrid_histogram`` (Shahrad et al., "Serverless in the Wild", USENIX
  ATC 2020): per function, a histogram of idle times (1-minute bins over a
  4-hour range). When it is representative, an instance that goes idle is
  unloaded and a fresh one pre-warmed at the histogram's head (5th
  percentile, minus a 10 % margin) and kept until its tail (99th
  percentile, plus 10 %); with a head of zero the instance simply stays
  for the tail window. When the histogram is not representative (too few
  samples, too many idle times beyond its range, or bin counts with a
  coefficient of variation below the threshold) the fixed policy applies.
  The paper's ARIMA forecast for out-of-range idle times is not modelled.

``max_lifetime_s`` (every policy; a number, or a range drawn once per
instance) recycles instances of that age, even busy ones once their call
ends (2020 logs: no instance past 123 min; Lambda docs: "every few hours").

A scenario without ``lambda.keep_alive`` gets the preset of its pricing date
(:mod:`lambdasim.awslambda.eras`, ``data/lambda/keepalive_presets.yaml``);
``{preset: aws-2020}`` names one, and fields given beside it override it.

A policy is a pool class (:mod:`lambdasim.awslambda.pool`): its ``take``
(an idle instance for a call at ``t``, or -1), ``release`` (an instance that
finished at ``t``), ``reap`` and ``close``. :data:`POLICIES` maps each
``policy`` name to the function that builds its pool; a new policy adds its
name to :class:`KeepAlive`'s ``policy``, its fields, a pool class and an entry.
"""
from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BeforeValidator, model_validator
from pydantic_core import PydanticCustomError

from lambdasim.awslambda.eras import era, preset_for, preset_names
from lambdasim.awslambda.instances import InstanceLog
from lambdasim.awslambda.pool import InstancePool, ProvisionedPool, open_pool
from lambdasim.awslambda.timers import TimerPool
from lambdasim.rng import stream
from lambdasim.spec import FloatIn, IntIn, NonNegative, Probability, Spec

__all__ = ["KeepAlive", "HistogramPool", "POLICIES", "make_pool", "in_force", "routing_in_force", "typical_idle_s", "Seconds"]


def _seconds(v: Any, positive: bool = False) -> Any:
    """A number of seconds or a ``[low, high]`` range; one clear message otherwise."""
    what = "a positive number of seconds or a range [low, high]" if positive else \
        "a number of seconds >= 0 or a range [low, high]"

    def number(x: Any) -> float:
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) or x < 0 \
                or (positive and x == 0):
            raise PydanticCustomError("seconds", "must be {what}" + ("; got {v}" if x is not v else ""),
                                      {"what": what, "v": v})
        return float(x)

    if isinstance(v, (list, tuple)):
        if len(v) != 2:
            raise PydanticCustomError("seconds", "must be {what}; got {v}", {"what": what, "v": list(v)})
        lo, hi = number(v[0]), number(v[1])
        if hi < lo:
            raise PydanticCustomError("seconds", "must be a range [low, high] with low <= high; got {v}",
                                      {"v": list(v)})
        return (lo, hi) if hi > lo else lo
    return number(v)


#: Seconds: a number, or a [low, high] range drawn uniformly.
Seconds = Annotated[float | tuple[float, float], BeforeValidator(_seconds)]
PositiveSeconds = Annotated[float | tuple[float, float], BeforeValidator(lambda v: _seconds(v, positive=True))]


class KeepAlive(Spec):
    """``lambda.keep_alive``: the policy that retires idle execution environments."""

    preset: str | None = None
    policy: Literal["fixed", "function_idle", "hybrid_histogram"] = "fixed"
    idle_s: Seconds = 600.0
    spare_idle_s: Seconds | None = None
    max_lifetime_s: PositiveSeconds | None = None
    histogram_range_s: FloatIn(0.0, None, lo_open=True) = 14400.0
    histogram_bin_s: FloatIn(0.0, None, lo_open=True) = 60.0
    head_percentile: FloatIn(0, 100) = 5.0
    tail_percentile: FloatIn(0, 100) = 99.0
    margin: Probability = 0.1
    min_samples: IntIn(1, None) = 10
    cv_threshold: NonNegative = 2.0
    max_out_of_range: Probability = 0.5

    @model_validator(mode="before")
    @classmethod
    def _from_preset(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("preset") is not None:
            name = data["preset"]
            if name not in preset_names():
                raise PydanticCustomError("preset", "has an unknown preset '{p}'; known presets are {known}",
                                          {"p": name, "known": ", ".join(preset_names())})
            data = {**era(name)["keep_alive"], **data}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> "KeepAlive":
        if self.spare_idle_s is not None and self.policy != "function_idle":
            raise PydanticCustomError("policy", "must have policy function_idle to use spare_idle_s; got policy {p}",
                                      {"p": self.policy})
        if self.policy != "fixed" and isinstance(self.idle_s, tuple):
            raise PydanticCustomError("policy", "must give idle_s as one number under policy {p}; got {v}",
                                      {"p": self.policy, "v": list(self.idle_s)})
        if self.policy == "hybrid_histogram" and isinstance(self.max_lifetime_s, tuple):
            raise PydanticCustomError("policy", "must give max_lifetime_s as one number under hybrid_histogram; "
                                      "got {v}", {"v": list(self.max_lifetime_s)})
        return self


@lru_cache(maxsize=None)
def _preset_spec(name: str) -> KeepAlive:
    return KeepAlive(preset=name)


def in_force(ka: KeepAlive | None, date: dt.date) -> KeepAlive:
    """The keep-alive in force: the one stated, else the preset of ``date``'s era."""
    return ka if ka is not None else _preset_spec(preset_for(date))


def routing_in_force(selection: str | None, date: dt.date) -> str:
    """The instance selection in force: the one stated, else the routing of ``date``'s era."""
    return selection if selection is not None else era(preset_for(date))["routing"]


def typical_idle_s(ka: KeepAlive) -> float:
    """``idle_s`` as one number (a range's midpoint), e.g. for a slider."""
    return sum(ka.idle_s) / 2 if isinstance(ka.idle_s, tuple) else ka.idle_s


def make_pool(f: int, ka: KeepAlive, selection: str, log: InstanceLog, rng, init_mean_s: float,
              provisioned: bool, seed: int = 0):
    """Function ``f``'s pool under keep-alive ``ka`` (``provisioned``: it has a PC setting; ``seed``: the
    scenario's, for timers drawn from ranges)."""
    return POLICIES[ka.policy](f, ka, selection, log, rng, init_mean_s, provisioned, seed)


def _fixed(f: int, ka: KeepAlive, selection: str, log: InstanceLog, rng, init_mean_s: float,
           provisioned: bool, seed: int = 0):
    if isinstance(ka.idle_s, tuple) or isinstance(ka.max_lifetime_s, tuple):  # timers drawn per instance
        return TimerPool(f, selection, log, rng, stream(seed, "keep_alive", f), instance_idle_s=ka.idle_s,
                         max_lifetime_s=ka.max_lifetime_s)
    return open_pool(f, ka.idle_s, selection, log, rng, ka.max_lifetime_s, provisioned)


def _function_idle(f: int, ka: KeepAlive, selection: str, log: InstanceLog, rng, init_mean_s: float,
                   provisioned: bool, seed: int = 0) -> TimerPool:
    return TimerPool(f, selection, log, rng, stream(seed, "keep_alive", f), instance_idle_s=ka.spare_idle_s,
                     function_idle_s=ka.idle_s, max_lifetime_s=ka.max_lifetime_s)


def _hybrid_histogram(f: int, ka: KeepAlive, selection: str, log: InstanceLog, rng, init_mean_s: float,
                      provisioned: bool, seed: int = 0) -> InstancePool:
    return HistogramPool(f, ka, log, init_mean_s)


class HistogramPool(ProvisionedPool):
    """A pool under the hybrid-histogram policy (always picks the most recently used)."""

    def __init__(self, f: int, ka: KeepAlive, log: InstanceLog, init_mean_s: float):
        super().__init__(f, ka.idle_s, "mru", log, None)
        self.lifetime_s = ka.max_lifetime_s
        self.ka, self.init_mean_s = ka, init_mean_s
        nbins = max(1, math.ceil(ka.histogram_range_s / ka.histogram_bin_s))
        self.counts = np.zeros(nbins, dtype=np.int64)
        self.n_samples = self.out_of_range = 0
        self._windows = (0.0, ka.idle_s)
        self._computed_at = -1
        self.last_idle: float | None = None
        # idle entries: [since, gid (-1: to be pre-warmed), created_at, ready_at, until]
        self.entries: list[list[float]] = []

    # --- the histogram ---------------------------------------------------------
    def observe(self, idle_time_s: float) -> None:
        k = int(idle_time_s // self.ka.histogram_bin_s)
        if k < len(self.counts):
            self.counts[k] += 1
        else:
            self.out_of_range += 1
        self.n_samples += 1

    def windows(self) -> tuple[float, float]:
        """(pre-warm, keep-alive) after an instance goes idle, in seconds."""
        n = self.n_samples
        if n != self._computed_at and (n < 200 or n - self._computed_at >= 20):
            self._computed_at = n
            self._windows = self._compute()
        return self._windows

    def _compute(self) -> tuple[float, float]:
        ka, c = self.ka, self.counts
        inside = int(c.sum())
        if (self.n_samples < ka.min_samples or inside == 0
                or self.out_of_range > ka.max_out_of_range * self.n_samples):
            return 0.0, ka.idle_s
        if c.std() / c.mean() < ka.cv_threshold:
            return 0.0, ka.idle_s
        cum = np.cumsum(c)
        head = int(np.searchsorted(cum, ka.head_percentile / 100 * inside, side="left"))
        tail = int(np.searchsorted(cum, ka.tail_percentile / 100 * inside, side="left"))
        b = ka.histogram_bin_s
        return head * b * (1 - ka.margin), (tail + 1) * b * (1 + ka.margin)

    # --- the pool ----------------------------------------------------------------
    def release(self, gid: int, t: float) -> None:
        if gid in self.pc_ids:
            super().release(gid, t)
            return
        self.last_idle = t if self.last_idle is None else max(self.last_idle, t)
        if self.lifetime_s is not None and self.born[gid] + self.lifetime_s <= t:
            del self.born[gid]
            self.log.retire(gid, t)
            return
        pre, keep = self.windows()
        if pre > 0:  # unload now, pre-warm a fresh instance later
            if self.lifetime_s is not None:
                del self.born[gid]
            self.log.retire(gid, t)
            self.entries.append([t, -1, t + pre, t + pre + self.init_mean_s, t + keep])
        else:
            self.entries.append([t, gid, t, t, t + keep])

    def reap(self, t: float) -> None:
        keep = []
        for e in self.entries:
            if e[4] <= t:
                self._retire_entry(e, e[4])
            else:
                keep.append(e)
        self.entries = keep

    def _retire_entry(self, e: list[float], t: float) -> None:
        since, gid, created, ready, until = e
        if gid < 0:
            if created >= until:
                return  # the pre-warm window closed before it opened
            gid = self.log.create(self.function, created, ready)
            self.log.retire(gid, until)
            return
        gid = int(gid)
        self.log.retire(gid, self._end_of_life(gid, since, t))

    def _prewarmed(self, created: float, ready: float) -> int:
        """Log the instance a pre-warm entry started at ``created``; its id."""
        gid = self.log.create(self.function, created, ready)
        if self.lifetime_s is not None:
            self.born[gid] = created
        return gid

    def take(self, t: float) -> int:
        if self.last_idle is not None and t > self.last_idle:
            self.observe(t - self.last_idle)
            self.last_idle = None
        self.reap(t)
        while True:
            usable = [k for k, e in enumerate(self.entries) if e[3] <= t]
            if not usable:
                return -1
            k = max(usable, key=lambda j: self.entries[j][0])
            since, gid, created, ready, until = self.entries.pop(k)
            if gid < 0:
                return self._prewarmed(created, ready)
            gid = int(gid)
            if self.lifetime_s is None or self.born[gid] + self.lifetime_s > t:
                return gid
            self.log.retire(gid, max(since, self.born.pop(gid) + self.lifetime_s))

    def close(self, horizon_s: float) -> None:
        self.reap(horizon_s)
        keep = []
        for e in self.entries:
            if e[1] < 0 and e[2] < horizon_s:  # a pre-warmed instance live at the end
                e = [e[0], self._prewarmed(e[2], e[3]), e[2], e[3], e[4]]
            if e[1] >= 0 and self.lifetime_s is not None and self.born[int(e[1])] + self.lifetime_s <= horizon_s:
                gid = int(e[1])
                self.log.retire(gid, max(e[0], self.born.pop(gid) + self.lifetime_s))
                continue
            keep.append(e)
        self.entries = keep
        self.idle.clear()


#: Each ``keep_alive.policy``'s pool builder: ``(f, ka, selection, log, rng, init_mean_s, provisioned) -> pool``.
POLICIES = {"fixed": _fixed, "function_idle": _function_idle, "hybrid_histogram": _hybrid_histogram}
