"""Memory buys CPU: how a function's duration depends on its memory size.

Lambda gives CPU in proportion to memory: 1,769 MB is one vCPU, up to six
vCPUs at 10,240 MB (AWS docs, "Configuring memory"). A function's
``duration`` is drawn at ``reference_memory_mb``; with ``cpu_scaling`` the
engine rescales it to the function's own memory: a part ``1 - c`` does not
depend on CPU (waiting on I/O), a part ``c`` is CPU work whose speed is the
vCPU share below one vCPU and, above one vCPU, Amdahl's law with the
``parallel_fraction`` p of that work able to use several cores::

    speed(v) = v                      if v <= 1
             = 1 / ((1 - p) + p / v)  if v > 1,     v = min(memory_mb / 1769, 6)
    duration(m) = duration_ref * ((1 - c) + c * speed(v_ref) / speed(v_m))

Sweeping memory then gives the cost/speed curve that AWS Lambda Power
Tuning measures: cost per call is flat while CPU-bound work speeds up in
proportion, then rises once extra vCPUs stop helping.
"""
from __future__ import annotations

from lambdasim.spec import IntIn, Probability, Spec

__all__ = ["CpuScaling", "vcpu", "cpu_speed", "duration_factor", "MB_PER_VCPU", "MAX_VCPU"]

MB_PER_VCPU = 1769
MAX_VCPU = 6.0


class CpuScaling(Spec):
    """``functions[].cpu_scaling``: which part of the duration scales with the CPU share."""

    cpu_bound_fraction: Probability = 1.0
    parallel_fraction: Probability = 0.0
    reference_memory_mb: IntIn(128, 10240) = 1769


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
