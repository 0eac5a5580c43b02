"""Queueing formulas the simulator is checked against (and sizing can use).

``erlang_b(c, a)``: blocking probability of M/G/c/c with offered load
``a = lambda * E[S]`` (a throttled Lambda call with a concurrency cap of c).
``erlang_c(c, a)``: probability of waiting in M/M/c; ``mmc_wait_mean``:
the mean queue wait (an EC2 fleet of c workers).
"""
from __future__ import annotations

__all__ = ["erlang_b", "erlang_c", "mmc_wait_mean"]


def erlang_b(c: int, a: float) -> float:
    """Blocking probability with ``c`` servers and offered load ``a`` Erlangs."""
    if c < 0 or a < 0:
        raise ValueError(f"erlang_b needs c >= 0 and a >= 0; got c={c}, a={a}")
    b = 1.0
    for k in range(1, c + 1):  # stable recurrence B(k) = a B(k-1) / (k + a B(k-1))
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in M/M/c (requires a < c)."""
    if not 0 <= a < c:
        raise ValueError(f"erlang_c needs 0 <= a < c; got c={c}, a={a}")
    b = erlang_b(c, a)
    return c * b / (c - a * (1 - b))


def mmc_wait_mean(c: int, lam: float, mean_service_s: float) -> float:
    """Mean time in queue (before service) of M/M/c."""
    a = lam * mean_service_s
    return erlang_c(c, a) * mean_service_s / (c - a)
