"""The outcome of one Lambda Managed Instances run: the server result surface, throttles and the LMI bill."""
from __future__ import annotations

from typing import Any

import pandas as pd

from lambdasim.billing.lmi import lmi_line_items
from lambdasim.servers.fleet import COMPLETED, DROPPED, IN_FLIGHT
from lambdasim.servers.result import ServerResult

__all__ = ["LMIResult", "LMI_STATUS"]

LMI_STATUS = ["completed", "throttled", "in_flight", "interrupted"]


class LMIResult(ServerResult):
    """What :func:`lambdasim.simulate` returns for ``platform="lmi"``."""

    platform = "lmi"
    status_names = LMI_STATUS

    def __init__(self, scenario, catalogue, model, extra_items: pd.DataFrame | None = None):
        super().__init__(scenario, catalogue, model, extra_items)
        self.slots, self.environments, self.cpu_scale = model.slots, model.environments, model.top

    def extra_summary(self) -> dict[str, Any]:
        st = self._tally.status.sum(axis=0)
        return {"throttled": int(st[DROPPED]), "slots_per_instance": self.slots,
                "environments_per_instance": self.environments,
                "instance_type": self.scenario.lmi.instance_type}

    def bill(self) -> pd.DataFrame:
        """Instances at the on-demand price, the management fee, and every served request."""
        st = self._tally.status.sum(axis=0)
        return lmi_line_items(self._billed_lives(), self.scenario.lmi.instance_type,
                              int(st[COMPLETED] + st[IN_FLIGHT]), self.catalogue)
