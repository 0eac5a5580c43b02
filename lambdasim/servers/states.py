"""The states of a fleet's instances and the outcomes of its requests (shared by the fleet, its hot loops and
the results that read them): the codes and :class:`Batch`, one window's outcome columns."""
import math

__all__ = ["Batch", "PENDING", "IN_SERVICE", "DRAINING", "TERMINATED", "COMPLETED", "DROPPED", "IN_FLIGHT"]

PENDING, IN_SERVICE, DRAINING, TERMINATED = 0, 1, 2, 3  # an instance: booting, in the balancer, draining, gone
COMPLETED, DROPPED, IN_FLIGHT = 0, 1, 2  # a request: done, dropped (queue limit or timeout), still running at the end


class Batch:
    """The outcome columns of one window of requests, filled as they resolve."""

    __slots__ = ("n", "start", "end", "inst", "status", "pending")

    def __init__(self, n: int):
        self.n = n
        self.start = [math.nan] * n
        self.end = [math.nan] * n
        self.inst = [-1] * n
        self.status = bytearray(n)  # COMPLETED (0) until set: one byte per request
        self.pending = 0  # requests of this batch still waiting in the queue
