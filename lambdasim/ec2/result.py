"""The outcome of one EC2 run: the server result surface (:class:`~lambdasim.servers.result.ServerResult`).

``summary`` (headline metrics), ``invocations`` and ``instances``
(DataFrames; need ``records="full"``), ``timeseries(step_s)``, ``scaling``
(the autoscaler's actions) and the hourly usage all come from the shared
server result; what EC2 adds is its bill: instance-hours of the fleet's
lifetimes (:func:`lambdasim.ec2.cost.ec2_bill`) and an optional load
balancer whose LCUs are counted per hour.
"""
from __future__ import annotations

import pandas as pd

from lambdasim.billing.around import alb_hourly
from lambdasim.ec2.cost import ec2_bill
from lambdasim.servers.result import ServerResult

__all__ = ["EC2Result"]


class EC2Result(ServerResult):
    """What :func:`lambdasim.simulate` returns for ``platform="ec2"``."""

    platform = "ec2"

    def bill(self) -> pd.DataFrame:
        """Line items of the simulated horizon's bill: instance-hours and the optional load balancer."""
        ec2, span = self.scenario.ec2, self.scenario.measured_s
        requests, processed, _, seconds = alb_hourly(self.traffic, span)  # per hour if counted
        return ec2_bill(self._billed_lives(), ec2.instance_type, self.catalogue, requests=requests, horizon_s=span,
                        load_balancer=ec2.load_balancer, processed_bytes=processed, seconds=seconds)
