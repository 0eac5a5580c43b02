"""The concurrency limiter: account limit, reserved concurrency per function.

A function with reserved concurrency R runs at most R executions and no
other function may use them; all other functions share what is left of
the account limit.
"""
from __future__ import annotations

__all__ = ["ConcurrencyLimiter"]


class ConcurrencyLimiter:
    def __init__(self, account: int, reserved: list[int | None]):
        self.reserved = reserved
        self.busy = [0] * len(reserved)
        self.unreserved_cap = account - sum(r or 0 for r in reserved)
        self.unreserved_busy = 0

    def acquire(self, f: int) -> bool:
        """Take a slot for function ``f``; False means the call is throttled."""
        r = self.reserved[f]
        if r is None:
            if self.unreserved_busy >= self.unreserved_cap:
                return False
            self.unreserved_busy += 1
        elif self.busy[f] >= r:
            return False
        self.busy[f] += 1
        return True

    def release(self, f: int) -> None:
        self.busy[f] -= 1
        if self.reserved[f] is None:
            self.unreserved_busy -= 1
