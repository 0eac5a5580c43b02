"""The result surface every platform's run shares (a ``typing.Protocol``).

:func:`lambdasim.simulate` returns one of :class:`~lambdasim.awslambda.result.Result`,
:class:`~lambdasim.ec2.result.EC2Result` or a server platform's result
(:mod:`lambdasim.servers.result`); comparison, sweeps, plots and panels read
them through this surface only, so a new platform plugs in by providing it.
A result is complete when constructed: nothing is attached to it afterwards.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PlatformResult"]


@runtime_checkable
class PlatformResult(Protocol):
    """One run of one scenario on one platform."""

    platform: str   # "lambda", "ec2", "fargate", "lmi"
    seed: int
    scenario: Any   # the Scenario that ran (for EC2-like platforms: its flat per-function equivalent)
    catalogue: Any  # the dated price catalogue the bill used

    @property
    def summary(self) -> dict[str, Any]:
        """Headline metrics: counts, latency percentiles (s), instances, cost (USD)."""

    @property
    def invocations(self) -> "pd.DataFrame":
        """One row per invocation or request (needs ``records="full"``)."""

    @property
    def instances(self) -> "pd.DataFrame":
        """One row per execution environment, instance or task."""

    @property
    def cost(self) -> "pd.DataFrame":
        """The simulated horizon's bill as line items (``lambdasim.billing.rules.COLUMNS``)."""

    def timeseries(self, step_s: float) -> "pd.DataFrame":
        """Per step of ``step_s`` seconds: concurrency, instances, invocations, ... (``t_s`` first)."""
