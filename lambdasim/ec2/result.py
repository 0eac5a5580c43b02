"""The outcome of one EC2 run: the server result surface (:class:`~lambdasim.servers.result.ServerResult`).

``summary`` (headline metrics), ``invocations`` and ``instances``
(DataFrames; need ``records="full"``), ``timeseries(step_s)``, ``scaling``
(the autoscaler's actions) and the hourly usage all come from the shared
server result (with the Spot counts, flags and notice times of
:class:`~lambdasim.servers.result.SpotServerResult`); what EC2 adds is its
bill: instance-hours of the fleet's lifetimes, Spot instances at the Spot
discount (:func:`lambdasim.ec2.cost.ec2_bill`), and an optional load
balancer whose LCUs are counted per hour.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from lambdasim.billing.around import alb_hourly
from lambdasim.ec2.cost import ec2_bill
from lambdasim.servers.result import SpotServerResult

__all__ = ["EC2Result"]


class EC2Result(SpotServerResult):
    """What :func:`lambdasim.simulate` returns for ``platform="ec2"``."""

    platform = "ec2"

    def extra_summary(self) -> dict[str, Any]:
        return self.spot_summary()

    def bill(self) -> pd.DataFrame:
        """Line items of the simulated horizon's bill: instance-hours (Spot ones at the Spot discount) and the
        optional load balancer."""
        ec2, span = self.scenario.ec2, self.scenario.measured_s
        life, spot = self._billed_spot()  # instances gone before the window: not billed
        requests, processed, _, seconds = alb_hourly(self.traffic, span)  # per hour if counted
        return ec2_bill(life, ec2.instance_type, self.catalogue, requests=requests, horizon_s=span,
                        load_balancer=ec2.load_balancer, processed_bytes=processed, seconds=seconds, spot=spot,
                        spot_discount=ec2.spot.discount)
