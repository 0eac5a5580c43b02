"""Work: what one invocation asks of a machine, stated once and run on every platform.

A function states its work either as ``work`` or, as before, as a
``duration`` (optionally with ``cpu_scaling``):

- ``work: {cpu, wait, memory_mb, parallel_fraction}``: ``cpu`` is CPU time
  in seconds *at one full vCPU*, ``wait`` the time spent waiting (I/O,
  downstream calls), both distributions; ``memory_mb`` the working memory
  one request holds on a server (none: the function's ``memory_mb``).
- ``duration``: the run time on Lambda at the function's own memory (or, with
  ``cpu_scaling``, at ``reference_memory_mb``), which this module splits
  into work (:func:`duration_split`).

Memory buys CPU on Lambda: 1,769 MB is one vCPU, up to six vCPUs at
10,240 MB (AWS docs, "Configuring memory"). The CPU part runs at the vCPU
share below one vCPU and, above one vCPU, by Amdahl's law with the
``parallel_fraction`` p of that work able to use several cores::

    speed(v) = v                      if v <= 1
             = 1 / ((1 - p) + p / v)  if v > 1,     v = min(memory_mb / 1769, 6)
    Lambda run time = cpu / speed(v_memory) + wait                  (a ``work`` function)
    duration(m) = duration_ref * ((1 - c) + c * speed(v_ref) / speed(v_m))   (``cpu_scaling``)

How a ``duration`` d maps onto work (exactly the same Lambda run times):

- with ``cpu_scaling`` (c = ``cpu_bound_fraction``, drawn at ``reference_memory_mb``):
  ``cpu = c * d * speed(v_ref)``, ``wait = (1 - c) * d``;
- without it the duration does not depend on the memory's CPU share, so it is
  all waiting: ``cpu = 0``, ``wait = d``.

Sweeping memory gives the cost/speed curve that AWS Lambda Power Tuning
measures: cost per call is flat while CPU-bound work speeds up in
proportion, then rises once extra vCPUs stop helping.
"""
from __future__ import annotations

import numpy as np

from lambdasim.distributions import Constant, Distribution
from lambdasim.spec import IntIn, Probability, Spec

__all__ = ["CpuScaling", "Work", "vcpu", "cpu_speed", "duration_factor", "duration_split", "mean_work",
           "working_memory_mb", "draw_work", "MB_PER_VCPU", "MAX_VCPU"]

MB_PER_VCPU = 1769
MAX_VCPU = 6.0


class CpuScaling(Spec):
    """``functions[].cpu_scaling``: which part of the duration scales with the CPU share."""

    cpu_bound_fraction: Probability = 1.0
    parallel_fraction: Probability = 0.0
    reference_memory_mb: IntIn(128, 10240) = 1769


class Work(Spec):
    """``functions[].work``: CPU seconds at one full vCPU, waiting seconds, working memory."""

    cpu: Distribution
    wait: Distribution = Constant(value_s=0.0)
    memory_mb: IntIn(1, 10240) | None = None  # working memory per request on a server; none: memory_mb
    parallel_fraction: Probability = 0.0  # of the CPU work, the part that can use several vCPUs (Lambda)


def vcpu(memory_mb: float) -> float:
    return min(memory_mb / MB_PER_VCPU, MAX_VCPU)


def cpu_speed(memory_mb: float, parallel_fraction: float) -> float:
    """Speed of the CPU-bound work relative to one full vCPU."""
    v = vcpu(memory_mb)
    if v <= 1.0:
        return v
    return 1.0 / ((1.0 - parallel_fraction) + parallel_fraction / v)


def duration_factor(memory_mb: int, scaling: CpuScaling | None, speed_factor: float = 1.0) -> float:
    """What the drawn duration is multiplied by for this memory size and architecture speed."""
    f = 1.0
    if scaling is not None:
        c, p = scaling.cpu_bound_fraction, scaling.parallel_fraction
        f = (1.0 - c) + c * cpu_speed(scaling.reference_memory_mb, p) / cpu_speed(memory_mb, p)
    return f / speed_factor


def duration_split(scaling: CpuScaling | None) -> tuple[float, float]:
    """``(a, b)`` with ``cpu = a * duration`` and ``wait = b * duration`` for a drawn duration."""
    if scaling is None:
        return 0.0, 1.0
    c = scaling.cpu_bound_fraction
    return c * cpu_speed(scaling.reference_memory_mb, scaling.parallel_fraction), 1.0 - c


def draw_work(fn, rng_cpu: np.random.Generator, rng_wait: np.random.Generator, n: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(duration, cpu, wait)`` of ``n`` invocations of a ``work`` function.

    ``duration`` is its Lambda run time at its own memory before ``speed_factor``.
    """
    cpu, wait = fn.work.cpu.sample(rng_cpu, n), fn.work.wait.sample(rng_wait, n)
    return cpu / cpu_speed(fn.memory_mb, fn.work.parallel_fraction) + wait, cpu, wait


def mean_work(fn) -> tuple[float, float]:
    """Mean CPU seconds (at one full vCPU) and mean waiting seconds of one invocation of ``fn``."""
    if fn.work is not None:
        return fn.work.cpu.mean, fn.work.wait.mean
    a, b = duration_split(fn.cpu_scaling)
    return a * fn.duration.mean, b * fn.duration.mean


def working_memory_mb(fn) -> int:
    """Memory one request of ``fn`` holds on a server: ``work.memory_mb``, else the function's memory."""
    return fn.work.memory_mb if fn.work is not None and fn.work.memory_mb is not None else fn.memory_mb
