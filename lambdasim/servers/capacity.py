"""Server capacity from the work: how many requests an instance holds and how fast it serves them.

Shared by every server platform (EC2 today; Fargate, managed instances and
hybrids build on it). An instance with ``v`` vCPUs and ``M`` MiB of memory:

- **admits** at once at most ``slots = (M - reserve_mb) // working memory``
  requests (the largest working memory of any function: conservative for a
  mix), capped by ``workers`` (a process or thread pool) when one is given;
  a request holds its slot from start to end, later ones wait in the queue;
- runs each admitted request as its **CPU part, then its waiting part**
  (:mod:`lambdasim.work`). CPU parts share the vCPUs by **processor
  sharing**: with ``n`` requests in their CPU part each advances at
  ``min(1, v / n)`` vCPU (a request uses at most one vCPU); waiting parts
  overlap freely. So response time grows with load as on a real server; a
  CPU-bound function saturates an instance at ``v / E[cpu]`` requests per
  second, an I/O-only one at ``slots / E[wait]`` (memory only).

:class:`Capacity` holds these numbers for one scenario and says them in
words (:meth:`Capacity.describe`); :func:`processor_share` is the sharing
rule the fleet (:mod:`lambdasim.servers.fleet`) runs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from lambdasim.errors import ScenarioError
from lambdasim.work import mean_work
from lambdasim.workload.kinds import mean_rate_per_s
from lambdasim.work import working_memory_mb as function_memory_mb

__all__ = ["Capacity", "server_capacity", "processor_share"]


_SIZE = {"ec2": "instance type", "fargate": "task size (fargate.memory_gb)",
         "lmi": "execution environment (lmi.memory_gb)"}


def processor_share(n: int, vcpu: float) -> float:
    """The vCPU each of ``n`` requests in their CPU part gets on an instance of ``vcpu`` vCPUs."""
    return 1.0 if n <= vcpu else vcpu / n


@dataclass(frozen=True)
class Capacity:
    """What one instance can do for a scenario's work (means weighted by the functions' arrival rates)."""

    instance_type: str
    vcpu: float
    memory_gib: float
    reserve_mb: float  # memory kept for the OS, agents and the language runtime
    working_memory_mb: int  # the largest working memory of one request of any function
    workers: int | None  # explicit cap on requests at once (process or thread pool); None: memory decides
    rate_per_s: float  # offered arrivals per second (all functions)
    mean_cpu_s: float  # CPU seconds at one full vCPU per request (after the platform's speed factor)
    mean_wait_s: float  # waiting seconds per request (after the speed factor)

    @property
    def slots_by_memory(self) -> int:
        return max(0, int((self.memory_gib * 1024 - self.reserve_mb) // self.working_memory_mb))

    @property
    def slots(self) -> int:
        """Requests an instance runs at once."""
        return self.slots_by_memory if self.workers is None else min(self.workers, self.slots_by_memory)

    @property
    def limited_by(self) -> str:
        return "memory" if self.workers is None or self.slots_by_memory <= self.workers else "workers"

    @property
    def cpu_bound_rate_per_s(self) -> float:
        """Requests per second that keep every vCPU of one instance busy."""
        return self.vcpu / self.mean_cpu_s if self.mean_cpu_s > 0 else math.inf

    @property
    def slot_bound_rate_per_s(self) -> float:
        """Requests per second that fill every slot of one instance (each CPU part at a full vCPU)."""
        s = self.mean_cpu_s + self.mean_wait_s
        return self.slots / s if s > 0 else math.inf

    @property
    def max_rate_per_s(self) -> float:
        """Requests per second one instance serves at most: the smaller of the two limits."""
        return min(self.cpu_bound_rate_per_s, self.slot_bound_rate_per_s)

    def load_in_instances(self, rate_per_s: float | None = None) -> float:
        """Offered load in instances' worth of capacity (above the fleet size: overloaded)."""
        r = self.rate_per_s if rate_per_s is None else rate_per_s
        return r / self.max_rate_per_s if math.isfinite(self.max_rate_per_s) else 0.0

    def instances_for(self, utilization: float, rate_per_s: float | None = None) -> int:
        """Instances that keep the binding resource (vCPUs or slots) ``utilization`` busy (at least 1)."""
        return max(1, math.ceil(self.load_in_instances(rate_per_s) / utilization - 1e-9))

    def describe(self) -> str:
        """E.g. "m5.large: 2 vCPU, 8 GiB -> up to 60 requests at once by memory; CPU-bound above 13.8 req/s"."""
        why = (f"by memory ({self.memory_gib * 1024 - self.reserve_mb:,.0f} MiB after a {self.reserve_mb:,.0f} MiB "
               f"reserve / {self.working_memory_mb} MB per request)" if self.limited_by == "memory"
               else "by workers_per_instance")
        cpu = (f"CPU-bound above {self.cpu_bound_rate_per_s:.3g} req/s" if math.isfinite(self.cpu_bound_rate_per_s)
               else "no CPU work stated")
        return (f"{self.instance_type}: {self.vcpu:g} vCPU, {self.memory_gib:g} GiB -> up to {self.slots} requests "
                f"at once {why}; {cpu}; full at {self.max_rate_per_s:.3g} req/s per instance")


def server_capacity(functions, horizon_s: float, *, instance_type: str, vcpu: float, memory_gib: float,
                    reserve_mb: float, workers: int | None, speed_factor: float = 1.0,
                    working_memory_mb: int | None = None, section: str = "ec2") -> Capacity:
    """The :class:`Capacity` of one instance for these functions; a clear error if it cannot hold one request.

    ``working_memory_mb`` (the platform's override) replaces every function's own working memory;
    ``section`` names the scenario section whose fields the error message points to.
    """
    rates = [mean_rate_per_s(f.workload, horizon_s) for f in functions]
    total = sum(rates)
    work = [mean_work(f) for f in functions]
    cpu = speed_factor * sum(r * c for r, (c, _) in zip(rates, work)) / total if total else 0.0
    wait = speed_factor * sum(r * x for r, (_, x) in zip(rates, work)) / total if total else 0.0
    mem = working_memory_mb or max(function_memory_mb(f) for f in functions)
    cap = Capacity(instance_type, float(vcpu), float(memory_gib), float(reserve_mb), int(mem), workers,
                   total, cpu, wait)
    if cap.slots < 1:
        big = max(functions, key=function_memory_mb).name
        raise ScenarioError(
            f"The instance type {instance_type!r} ({memory_gib:g} GiB less a {reserve_mb:g} MiB reserve) cannot hold "
            f"one request of function {big!r} ({mem} MB of working memory); choose a larger {_SIZE[section]}, a "
            f"smaller reserve ({section}.reserve_mb) or state the working memory ({section}.working_memory_mb, or "
            f"the function's work.memory_mb).")
    return cap
