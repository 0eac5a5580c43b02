"""The states of a fleet's instances and the outcomes of its requests (shared by the fleet, its hot loops and
the results that read them): the codes and :class:`Batch`, one window's outcome columns."""
import math

import numpy as np

__all__ = ["Batch", "PENDING", "IN_SERVICE", "DRAINING", "TERMINATED", "COMPLETED", "DROPPED", "IN_FLIGHT"]

PENDING, IN_SERVICE, DRAINING, TERMINATED = 0, 1, 2, 3  # an instance: booting, in the balancer, draining, gone
COMPLETED, DROPPED, IN_FLIGHT = 0, 1, 2  # a request: done, dropped (queue limit or timeout), still running at the end


class Batch:
    """The outcome columns of one window of requests, filled as they resolve."""

    __slots__ = ("n", "start", "end", "inst", "status", "pending", "arrays")

    def __init__(self, n: int, arrays: tuple | None = None):
        self.n = n
        if arrays is None:  # Python lists: what the Python loops index fastest
            self.start = [math.nan] * n
            self.end = [math.nan] * n
            self.inst = [-1] * n
        else:  # numpy arrays, which the fleet's compiled kernel writes in place
            self.start = np.full(n, math.nan)
            self.end = np.full(n, math.nan)
            self.inst = np.full(n, -1, dtype=np.int64)
        self.status = bytearray(n)  # COMPLETED (0) until set: one byte per request
        self.pending = 0  # requests of this batch whose end is not known yet: waiting, or in a CPU part
        self.arrays = arrays  # (arrival, CPU, waiting seconds) as float64 arrays when the fleet's kernel runs
