"""The outcome of one Fargate run: the server result surface (as EC2's) plus the task size and Spot.

``summary`` adds the task size used and its waste, Spot notices and
restarted requests; ``instances`` adds each task's Spot flag and notice
time; ``cost`` is :func:`lambdasim.billing.fargate.fargate_line_items`
over the tasks' lifetimes.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from lambdasim.billing.fargate import fargate_line_items
from lambdasim.servers.result import SpotServerResult

__all__ = ["FargateResult"]


class FargateResult(SpotServerResult):
    """What :func:`lambdasim.simulate` returns for ``platform="fargate"``."""

    platform = "fargate"

    def __init__(self, scenario, catalogue, model, extra_items: pd.DataFrame | None = None):
        super().__init__(scenario, catalogue, model, extra_items)
        self.size = model.size

    def extra_summary(self) -> dict[str, Any]:
        s = self.size
        return {**self.spot_summary(), "task_size": s.label, "task_vcpu": s.vcpu, "task_memory_gb": s.memory_gib,
                "waste_vcpu": s.waste_vcpu, "waste_memory_gb": s.waste_memory_gib}

    def bill(self) -> pd.DataFrame:
        """Line items of the simulated horizon's bill: vCPU-hours, GB-hours, Spot discount, storage."""
        fg, (life, spot) = self.scenario.fargate, self._billed_spot()  # tasks gone before the window: not billed
        return fargate_line_items(life, self.size, self.catalogue, arch=fg.arch, spot=spot,
                                  ephemeral_gb=fg.ephemeral_storage_gb)
