"""The tasks of a Fargate service: a server fleet whose tasks start after a drawn delay, some on Spot.

:class:`TaskFleet` is the shared :class:`~lambdasim.servers.fleet.Fleet`
(load balancer, FIFO queue, lazy completions and boots) with two Fargate
traits: each launched task becomes ready after its own start delay (drawn
in launch order from the run's ``fargate`` random stream, so the same seed
gives the same delays), and task ``k`` runs on Spot when the weighted round
robin of ``spot_share`` puts it there. :meth:`TaskFleet.interrupt` takes a
Spot task out of service at its notice and launches a replacement.
"""
from __future__ import annotations

import heapq
import math
from typing import Callable

import numpy as np

from lambdasim.distributions import Distribution
from lambdasim.servers.fleet import DRAINING, IN_SERVICE, PENDING, TERMINATED, Batch, Fleet

__all__ = ["TaskFleet", "is_spot"]

_BLOCK = 256  # start delays drawn per block


def is_spot(k: int, share: float) -> bool:
    """Whether the ``k``-th launched task runs on Spot (weighted round robin of ``share``)."""
    return math.floor((k + 1) * share + 1e-9) > math.floor(k * share + 1e-9)


class TaskFleet(Fleet):
    def __init__(self, workers: int, start_delay: Distribution, rng: np.random.Generator, spot_share: float,
                 timeout_s: float | None = None, queue_limit: int | None = None,
                 on_launch: Callable[[int, float], None] | None = None, vcpu: float = 1.0):
        super().__init__(workers, 0.0, timeout_s, queue_limit, vcpu)
        self.start_delay, self.rng, self.spot_share, self.on_launch = start_delay, rng, spot_share, on_launch
        self.spot: list[bool] = []
        self.interrupted_at: list[float] = []  # notice time, nan if never interrupted
        self._delays: list[float] = []

    def launch(self, t: float, booted: bool = False) -> int:
        if not self._delays:
            self._delays = self.start_delay.sample(self.rng, _BLOCK).tolist()[::-1]
        self.ready_delay_s = self._delays.pop()
        iid = super().launch(t, booted)
        self.spot.append(is_spot(iid, self.spot_share))
        self.interrupted_at.append(math.nan)
        if self.on_launch is not None:
            self.on_launch(iid, t)
        return iid

    def interrupt(self, iid: int, t: float, notice_s: float) -> float | None:
        """Spot notice for task ``iid`` at ``t``: out of service, replaced; returns its stop time (None: gone already)."""
        s = self.state[iid]
        if s in (DRAINING, TERMINATED):
            return None
        self.interrupted_at[iid] = t
        if s == PENDING:
            self.n_pending -= 1
            self.state[iid], self.retired[iid] = TERMINATED, t
            stop = t
        else:
            assert s == IN_SERVICE
            self.n_in_service -= 1
            self.state[iid], self.retired[iid] = DRAINING, t + notice_s
            stop = t + notice_s
        self.launch(t)  # the service keeps its desired count
        return stop

    def stop(self, iid: int, t: float) -> list[tuple[Batch, int]]:
        """Task ``iid`` stops at ``t`` (after ``advance(t)``): what it still runs ends there.

        Requests in their CPU part are cut and returned as ``(batch, index)``
        (their end was not known yet); requests in their waiting part (a known
        end after ``t``) lose the rest of it, and the caller finds them by that
        end. Busy time counts up to ``t`` only.
        """
        cut = []
        jobs = self.ps_jobs[iid]
        if jobs:
            self._ps_sync(iid, t)
            for _, _, _, start, b, i in jobs:
                b.pending -= 1
                self.ps_start_sum -= start
                self.work_started_s += t - start
                cut.append((b, i))
            self.ps_count -= len(jobs)
            self.out[iid] -= len(jobs)
            jobs.clear()
            self.ps_n[iid], self.ps_due[iid] = 0, math.inf
        later = [(e, j) for e, j in self.done if j == iid and e > t]
        if later:
            self.done[:] = [(e, j) for e, j in self.done if not (j == iid and e > t)]  # in place: drivers hold it
            heapq.heapify(self.done)
            self.work_started_s -= sum(e - t for e, _ in later)
            self.out[iid] -= len(later)
        return cut
