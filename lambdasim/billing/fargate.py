"""The Fargate bill: task sizes from the catalogue's grid and per-second task charges.

A Fargate task has one of the sizes AWS allows (``fargate.task_cpu_<units>.*``
in ``data/pricing/fargate.yaml``); :func:`task_size` rounds what a workload
asks for up to the cheapest allowed size that holds it and says what is
wasted. A task run is billed from start to stop, rounded up to
``fargate.billing_granularity_s`` with at least ``fargate.minimum_billed_s``,
at the vCPU-hour and GB-hour rates of its architecture; ephemeral storage
above the free amount adds a GB-hour charge; Fargate Spot tasks get
``fargate.spot_discount`` off vCPU and memory. Pure functions of usage and a
:class:`~lambdasim.billing.catalogue.Catalogue`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass

import numpy as np

from lambdasim.billing.catalogue import Catalogue
from lambdasim.billing.rules import line_items_frame
from lambdasim.errors import CatalogueError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TaskSize", "task_sizes", "task_size", "fargate_billed_s", "fargate_rates", "fargate_line_items"]

_PREFIX = "fargate.task_cpu_"


@dataclass(frozen=True)
class TaskSize:
    """An allowed task size and what it holds beyond the request (the waste)."""

    vcpu: float
    memory_gib: float
    requested_vcpu: float
    requested_memory_gib: float

    @property
    def waste_vcpu(self) -> float:
        return self.vcpu - self.requested_vcpu

    @property
    def waste_memory_gib(self) -> float:
        return self.memory_gib - self.requested_memory_gib

    @property
    def label(self) -> str:
        return f"{self.vcpu:g} vCPU / {self.memory_gib:g} GB"


def task_sizes(catalogue: Catalogue) -> list[tuple[float, float]]:
    """Every allowed ``(vcpu, memory_gib)`` on the catalogue's date, smallest first."""
    units = sorted({int(k[len(_PREFIX):].split(".")[0]) for k in catalogue.entries if k.startswith(_PREFIX)})
    if not units:
        raise CatalogueError(f"The price catalogue has no Fargate task sizes on {catalogue.as_of} "
                             "(keys fargate.task_cpu_<units>.memory_*_mib).")
    out = []
    for u in units:
        lo, hi, step = (catalogue[f"{_PREFIX}{u}.memory_{w}_mib"] for w in ("min", "max", "step"))
        mems = [lo] + [m for m in np.arange(step * np.ceil(lo / step), hi + 1, step) if m > lo]
        out += [(u / 1024, float(m) / 1024) for m in mems]
    return sorted(out)


def fargate_rates(catalogue: Catalogue, arch: str = "x86_64") -> tuple[float, float]:
    """USD per vCPU-hour and per GB-hour (on-demand) for ``arch``."""
    if arch not in ("x86_64", "arm64"):
        raise ValueError(f"arch must be 'x86_64' or 'arm64'. Got {arch!r} instead.")
    pre = "fargate.arm_" if arch == "arm64" else "fargate."
    return catalogue[f"{pre}vcpu_hour_usd"], catalogue[f"{pre}gb_hour_usd"]


def task_size(vcpu: float, memory_gib: float, catalogue: Catalogue, arch: str = "x86_64") -> TaskSize:
    """The cheapest allowed size with at least ``vcpu`` and ``memory_gib`` (ties: fewer vCPU)."""
    if not (vcpu > 0 and memory_gib > 0):
        raise ValueError(f"A Fargate task needs vcpu > 0 and memory_gib > 0. Got {vcpu} and {memory_gib} instead.")
    cpu_rate, gb_rate = fargate_rates(catalogue, arch)
    fits = [(c * cpu_rate + m * gb_rate, c, m) for c, m in task_sizes(catalogue)
            if c >= vcpu - 1e-9 and m >= memory_gib - 1e-9]
    if not fits:
        big = task_sizes(catalogue)[-1]
        raise CatalogueError(f"No Fargate task size holds {vcpu:g} vCPU and {memory_gib:g} GB on {catalogue.as_of}; "
                             f"the largest is {big[0]:g} vCPU / {big[1]:g} GB.")
    _, c, m = min(fits)
    return TaskSize(c, m, float(vcpu), float(memory_gib))


def fargate_billed_s(lifetimes_s: np.ndarray, catalogue: Catalogue) -> np.ndarray:
    """Billed seconds per task run: rounded up to the granularity, at least the minimum."""
    t = np.asarray(lifetimes_s, dtype=float)
    if t.size and not (np.all(np.isfinite(t)) and t.min() >= 0):
        raise ValueError("lifetimes_s must be finite and >= 0 (stop - start, in s).")
    g, least = catalogue["fargate.billing_granularity_s"], catalogue["fargate.minimum_billed_s"]
    return np.maximum(np.ceil(np.round(t, 9) / g) * g, least)  # round to 1 ns first, then whole units


def fargate_line_items(lifetimes_s: np.ndarray, size: TaskSize | tuple[float, float], catalogue: Catalogue, *,
                       arch: str = "x86_64", spot: np.ndarray | bool = False, ephemeral_gb: float | None = None,
                       scale: float = 1.0, period: str = "horizon") -> pd.DataFrame:
    """Fargate charges of tasks of one size, one row of ``lifetimes_s`` per task run.

    ``spot`` (one flag per run, or one for all) marks Fargate Spot runs;
    ``ephemeral_gb`` is the configured storage (None: the free amount);
    ``scale`` multiplies the billed usage (e.g. 30 days / horizon), each run
    rounded before scaling.
    """
    import pandas as pd
    vcpu, mem = (size.vcpu, size.memory_gib) if isinstance(size, TaskSize) else size
    if (vcpu, mem) not in task_sizes(catalogue):
        raise CatalogueError(f"{vcpu:g} vCPU / {mem:g} GB is not an allowed Fargate task size on {catalogue.as_of}; "
                             "task_size() rounds a request up to one.")
    billed = fargate_billed_s(lifetimes_s, catalogue)
    is_spot = np.broadcast_to(np.asarray(spot, dtype=bool), billed.shape)
    cpu_rate, gb_rate = fargate_rates(catalogue, arch)
    rows: list[tuple] = []
    label = f"{vcpu:g} vCPU / {mem:g} GB {arch}"
    for kind, mask in (("on-demand", ~is_spot), ("Spot", is_spot)):
        hours = float(billed[mask].sum()) / 3600.0 * scale
        if not mask.any():
            continue
        rows.append(("fargate", f"{label} {kind} vCPU", hours * vcpu, "vCPU-hours", cpu_rate,
                     hours * vcpu * cpu_rate, "compute", period))
        rows.append(("fargate", f"{label} {kind} memory", hours * mem, "GB-hours", gb_rate,
                     hours * mem * gb_rate, "compute", period))
        if kind == "Spot":
            covered = hours * (vcpu * cpu_rate + mem * gb_rate)
            off = catalogue["fargate.spot_discount"]
            rows.append(("fargate", "Fargate Spot discount", covered, "USD covered", -off, -off * covered,
                         "discount", period))
    free = catalogue["fargate.ephemeral_free_gb"]
    extra = 0.0 if ephemeral_gb is None else ephemeral_gb - free
    if ephemeral_gb is not None and not free <= ephemeral_gb <= catalogue["fargate.ephemeral_max_gb"]:
        raise CatalogueError(f"Fargate ephemeral storage must be in [{free:g}, {catalogue['fargate.ephemeral_max_gb']:g}] "
                             f"GB; got {ephemeral_gb:g}.")
    if extra > 0:
        gbh = float(billed.sum()) / 3600.0 * scale * extra
        rate = catalogue["fargate.ephemeral_gb_hour_usd"]
        rows.append(("fargate", f"ephemeral storage above {free:g} GB", gbh, "GB-hours", rate, gbh * rate,
                     "ephemeral", period))
    return line_items_frame(rows)
