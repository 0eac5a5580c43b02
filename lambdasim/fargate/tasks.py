"""The tasks of a Fargate service: a server fleet whose tasks start after a drawn delay, some on Spot.

:class:`TaskFleet` is the shared :class:`~lambdasim.servers.spot.SpotFleet`
(load balancer, FIFO queue, lazy completions and boots, Spot flags and
interruptions) with one Fargate trait: each launched task becomes ready
after its own start delay, drawn in launch order from the run's ``fargate``
random stream, so the same seed gives the same delays.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from lambdasim.distributions import Distribution
from lambdasim.servers.spot import SpotFleet

__all__ = ["TaskFleet"]

_BLOCK = 256  # start delays drawn per block


class TaskFleet(SpotFleet):
    def __init__(self, workers: int, start_delay: Distribution, rng: np.random.Generator, spot_share: float,
                 timeout_s: float | None = None, queue_limit: int | None = None,
                 on_launch: Callable[[int, float], None] | None = None, vcpu: float = 1.0):
        super().__init__(workers, 0.0, timeout_s, queue_limit, vcpu, spot_share=spot_share, on_launch=on_launch)
        self.start_delay, self.rng = start_delay, rng
        self._delays: list[float] = []

    def launch(self, t: float, booted: bool = False) -> int:
        if not self._delays:
            self._delays = self.start_delay.sample(self.rng, _BLOCK).tolist()[::-1]
        self.ready_delay_s = self._delays.pop()
        return super().launch(t, booted)
