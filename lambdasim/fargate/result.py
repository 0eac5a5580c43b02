"""The outcome of one Fargate run: the server result surface (as EC2's) plus the task size and Spot.

``summary`` adds the task size used and its waste, Spot notices and
restarted requests; ``instances`` adds each task's Spot flag and notice
time; ``cost`` is :func:`lambdasim.billing.fargate.fargate_line_items`
over the tasks' lifetimes.
"""
from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from lambdasim.billing.fargate import fargate_line_items
from lambdasim.servers.result import ServerResult

__all__ = ["FargateResult"]


class FargateResult(ServerResult):
    """What :func:`lambdasim.simulate` returns for ``platform="fargate"``."""

    platform = "fargate"

    def __init__(self, scenario, catalogue, model, extra_items: pd.DataFrame | None = None):
        super().__init__(scenario, catalogue, model, extra_items)
        self.size = model.size
        self.interruptions = model.interruptions

    def extra_summary(self) -> dict[str, Any]:
        s = self.size
        return {"restarted": self._tally.restarted, "spot_interruptions": self.interruptions,
                "task_size": s.label, "task_vcpu": s.vcpu, "task_memory_gb": s.memory_gib,
                "waste_vcpu": s.waste_vcpu, "waste_memory_gb": s.waste_memory_gib}

    @cached_property
    def instances(self) -> pd.DataFrame:
        """One row per task: launched, ready, retired (NaN = live at the end), Spot, notice time."""
        df = super().instances.copy()
        df["spot"], df["interrupted_s"] = self._fleet.spot, self._fleet.interrupted_at
        return df

    def bill(self) -> pd.DataFrame:
        """Line items of the simulated horizon's bill: vCPU-hours, GB-hours, Spot discount, storage."""
        launched, _, retired = self._lives()
        fg, life, spot = self.scenario.fargate, retired - launched, np.asarray(self._fleet.spot, dtype=bool)
        if self.scenario.measure_from_s > 0:  # tasks gone before the warm-up ended are not billed
            life, spot = life[life > 0], spot[life > 0]
        return fargate_line_items(life, self.size, self.catalogue, arch=fg.arch, spot=spot,
                                  ephemeral_gb=fg.ephemeral_storage_gb)
