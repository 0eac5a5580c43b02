"""The outcome of one simulation: summary, records, time series and bill."""
from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from lambdasim.billing.around import Traffic, around_line_items
from lambdasim.billing.commitments import lambda_hourly_usd
from lambdasim.billing.rules import (FunctionUsage, compute_share, lambda_line_items, lambda_rows, pc_schedule,
                                     pc_segments, snapstart_line_items)
from lambdasim.awslambda.instances import InstanceLog
from lambdasim.awslambda.provisioned import PCTargetTracking
from lambdasim.billing.catalogue import MONTH_S, Catalogue
from lambdasim.awslambda.records import COMPLETED, FAILED, IN_FLIGHT, THROTTLED, Tally
from lambdasim.scenario import Scenario
from lambdasim.timeseries import bin_edges, counts, occupancy

if TYPE_CHECKING:
    import pandas as pd
    from lambdasim.application.result import ApplicationResult

__all__ = ["Result"]


class Result:
    """What :func:`lambdasim.simulate` returns.

    ``summary`` (a dict of headline metrics), ``invocations`` and
    ``instances`` (DataFrames; need ``records="full"``), ``by_function``,
    ``timeseries(step_s)`` and ``cost`` (the bill's line items). A scenario
    with an ``application`` also has ``application`` (an
    :class:`~lambdasim.application.result.ApplicationResult`: end-to-end
    latencies, lineage, per-node breakdowns) and ``end_to_end``; its bill
    adds the managed services' line items.
    """

    def __init__(self, scenario: Scenario, platform: str, catalogue: Catalogue, tally: Tally,
                 instances: InstanceLog, seed: int, application: ApplicationResult | None = None,
                 pc_steps: list | None = None):
        self.scenario, self.platform, self.catalogue, self.seed = scenario, platform, catalogue, seed
        self.application = application  # a scenario with an application graph: what its run adds
        self._tally, self._instances = tally, instances
        self.names = [f.name for f in scenario.functions]
        # PC steps (from_s, n) per function: a number or schedule as stated; target tracking as the run applied it
        self.pc_steps = [tuple(pc_steps[i]) if isinstance(f.provisioned_concurrency, PCTargetTracking)
                         else pc_schedule(f.provisioned_concurrency) for i, f in enumerate(scenario.functions)]

    def _pc_segments(self, i: int) -> tuple[tuple[float, float], ...]:
        """Function ``i``'s PC periods for billing. A stated number or schedule: each period as stated
        (``pc_segments``). Target tracking: its concurrency-seconds exactly, the span from enabling to the
        horizon rounded up to 5 minutes as one period at the mean level (AWS bills PC from enabling to
        disabling, rounded up to 5 minutes; a policy's minute-by-minute changes are not periods of their own)."""
        f, h = self.scenario.functions[i], self.scenario.horizon_s
        segs = pc_segments(self.pc_steps[i], h, self.scenario.measure_from_s)  # the measured span
        if not isinstance(f.provisioned_concurrency, PCTargetTracking) or not segs:
            return segs
        span = sum(s for s, _ in segs)
        return ((span, sum(s * n for s, n in segs) / span),)

    def __repr__(self) -> str:
        s = self.summary
        return (f"<Result {self.scenario.name!r} on {self.platform}: {s['invocations']} invocations, "
                f"cold-start rate {s['cold_start_rate']:.4f}, cost ${s['cost_usd']:.4f}>")

    # --- money ----------------------------------------------------------------
    @cached_property
    def gb_s_by_function(self) -> np.ndarray:
        mem_gb = np.array([f.memory_mb / 1024 for f in self.scenario.functions])
        return mem_gb * self._tally.billed_ms / 1000.0

    @cached_property
    def usage(self) -> list[FunctionUsage]:
        """What each function used over the horizon, as billing needs it (on-demand and on PC)."""
        t, h, out = self._tally, self.scenario.horizon_s, []  # usage of the measured window (after any warm-up)
        for i, f in enumerate(self.scenario.functions):
            req = int(t.status[i, COMPLETED] + t.status[i, FAILED])
            pc_req, pc_ms = t.pc_requests[i], t.pc_billed_ms[i]
            out.append(FunctionUsage(
                f.memory_mb, float(req - pc_req), float(t.billed_ms[i] - pc_ms), float(pc_req), float(pc_ms),
                self._pc_segments(i), f.arch, f.ephemeral_storage_mb))
        return out

    @cached_property
    def cost(self) -> pd.DataFrame:
        """Line items of the simulated horizon's bill (platform, item, quantity, unit, rate_usd, amount_usd,
        charge, period="horizon"); monthly allowances (free tier, tiers) prorated to the horizon. With a
        warm-up (``measure_from_s``), the bill of the measured window after it."""
        items = lambda_line_items(self.usage, self.catalogue, period_s=self.scenario.measured_s, period="horizon")
        return self._with_services(self._with_snapstart(items, "horizon", 1.0), "horizon", 1.0)

    @cached_property
    def monthly_cost(self) -> pd.DataFrame:
        """The bill of a 30-day month of this usage: usage scaled to the month, then monthly rules applied."""
        k = MONTH_S / self.scenario.measured_s
        items = lambda_line_items([u.scaled(k) for u in self.usage], self.catalogue, period_s=MONTH_S, period="month")
        return self._with_services(self._with_snapstart(items, "month", k), "month", k)

    def _bill_total(self, period: str) -> float:
        """The sum of the bill's ``amount_usd`` for ``period`` ("horizon" or "month"), as pandas sums that column.

        A bill of Lambda's own charges only (no SnapStart, front door, network or application: the common case)
        is summed from its rows, in line order, without building a frame: numpy's ``nansum`` of the same float64
        column is pandas' ``Series.sum``. Any other bill is summed from its frame."""
        sc = self.scenario
        if (self.application is not None or sc.network is not None or any(f.snapstart is not None for f in sc.functions)
                or any(sc.door(i) is not None for i in range(len(sc.functions)))):
            return float((self.cost if period == "horizon" else self.monthly_cost)["amount_usd"].sum())
        if period == "horizon":
            rows = lambda_rows(self.usage, self.catalogue, period_s=sc.measured_s, period=period)
        else:
            k = MONTH_S / sc.measured_s
            rows = lambda_rows([u.scaled(k) for u in self.usage], self.catalogue, period_s=MONTH_S, period=period)
        return float(np.nansum(np.array([r[5] for r in rows], dtype=float)))

    def _with_snapstart(self, items: pd.DataFrame, period: str, scale: float) -> pd.DataFrame:
        """SnapStart's cache and restore charges (Python and .NET): the version cached all period, one
        restore per cold start."""
        import pandas as pd
        parts = [snapstart_line_items(f.memory_mb, self.scenario.measured_s * scale, float(self._tally.cold[i]) * scale,
                                      f.snapstart.runtime, self.catalogue, period=period)
                 for i, f in enumerate(self.scenario.functions) if f.snapstart is not None]
        parts = [p for p in parts if len(p)]
        return pd.concat([items, *parts], ignore_index=True) if parts else items

    @cached_property
    def traffic(self) -> list[Traffic]:
        """Per function: its front door and payload, calls that reached it, executions that ran."""
        t, sc = self._tally, self.scenario
        hourly = t.hourly.counts if t.hourly is not None else [None] * len(sc.functions)
        return [Traffic(sc.door(i), f.payload, float(t.status[i].sum()),
                        float(t.status[i, COMPLETED] + t.status[i, FAILED]), hourly[i])
                for i, f in enumerate(sc.functions)]

    def _with_services(self, items: pd.DataFrame, period: str, scale: float) -> pd.DataFrame:
        import pandas as pd
        parts = [items, around_line_items(self.traffic, self.scenario.network, self.catalogue, platform="lambda",
                                          horizon_s=self.scenario.measured_s, scale=scale, period=period)]
        if self.application is not None:
            parts.append(self.application.line_items(period, scale))
        parts = [items] + [p for p in parts[1:] if len(p)]
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else items

    def hourly_compute_usd(self) -> np.ndarray:
        """On-demand USD per hour of what a Compute Savings Plan covers: duration (on demand and on PC, by the
        hour a run started) and PC configured; first-tier rates, before rounding PC to 5 minutes. Needs
        ``records="full"``. The input of :func:`lambdasim.billing.commitments.best_commitment`."""
        c, sc = self._tally.columns(), self.scenario
        ran = (c["status"] == COMPLETED) | (c["status"] == FAILED)
        return lambda_hourly_usd(sc.functions, self.pc_steps, c["function"][ran], c["on_pc"][ran],
                                 c["billed_ms"][ran], c["start_s"][ran], sc.horizon_s, self.catalogue)

    @property
    def compute_share(self) -> float:
        """Share of the horizon's bill paid for compute itself (requests, duration, PC; not front doors, logs,
        network or managed services)."""
        return compute_share(self.cost)

    @property
    def end_to_end(self) -> pd.DataFrame:
        """One row per root event of the application (see lambdasim/lineage.py)."""
        if self.application is None:
            raise ValueError("end_to_end needs a scenario with an application section.")
        return self.application.end_to_end

    # --- metrics ----------------------------------------------------------------
    @cached_property
    def summary(self) -> dict[str, Any]:
        t, h, span = self._tally, self.scenario.horizon_s, self.scenario.measured_s
        st = t.status.sum(axis=0)
        invocations = int(st.sum())
        started = invocations - int(st[THROTTLED])
        completed = int(st[COMPLETED])
        p50, p95, p99 = t.latency_quantiles([0.5, 0.95, 0.99])
        cost = self._bill_total("horizon")
        return {
            "invocations": invocations,
            "completed": completed,
            "throttled": int(st[THROTTLED]),
            "failed": int(st[FAILED]),
            "in_flight": int(st[IN_FLIGHT]),
            "cold_starts": int(t.cold.sum()),
            "cold_start_rate": float(t.cold.sum() / started) if started else float("nan"),
            "throttle_rate": float(st[THROTTLED] / invocations) if invocations else float("nan"),
            "instances_created": int(self._instances.count),
            "mean_instances": self._instances.instance_seconds(h) / span,
            "mean_busy_instances": t.busy_s / span,
            "max_concurrency": int(t.max_concurrency),
            "latency_mean_s": float(t.latency_sum.sum() / completed) if completed else float("nan"),
            "latency_p50_s": p50,
            "latency_p95_s": p95,
            "latency_p99_s": p99,
            "billed_gb_s": float(self.gb_s_by_function.sum()),
            "cost_usd": cost,
            "cost_per_million_usd": cost / completed * 1e6 if completed else float("nan"),
            "monthly_cost_usd": self._bill_total("month"),
            "pc_invocations": int(t.pc_requests.sum()),
            # per-event outcomes for every invocation type (lambdasim/outcomes.py):
            **(t.outcomes.summary(t) if t.outcomes is not None else {}),
            **(self.application.summary() if self.application is not None else {}),
        }

    @cached_property
    def by_function(self) -> pd.DataFrame:
        """Counts, cold starts and billed GB-s per function."""
        import pandas as pd
        t = self._tally
        df = pd.DataFrame({
            "function": self.names,
            "invocations": t.status.sum(axis=1),
            "completed": t.status[:, COMPLETED],
            "throttled": t.status[:, THROTTLED],
            "cold_starts": t.cold,
            "billed_gb_s": self.gb_s_by_function,
        })
        started = df["invocations"] - df["throttled"]
        df["cold_start_rate"] = np.where(started > 0, df["cold_starts"] / started.where(started > 0, 1), np.nan)
        df["latency_mean_s"] = np.where(df["completed"] > 0, t.latency_sum / df["completed"].where(df["completed"] > 0, 1), np.nan)
        return df.set_index("function")

    # --- records ----------------------------------------------------------------
    @cached_property
    def invocations(self) -> pd.DataFrame:
        """One row per invocation (arrival, start, end, cold, instance, status, billed_ms)."""
        return self._tally.frame(self.names)

    @cached_property
    def instances(self) -> pd.DataFrame:
        """One row per execution environment (created, ready, retired; NaN = live at the end)."""
        return self._instances.frame()

    def timeseries(self, step_s: float) -> pd.DataFrame:
        """Per step: mean concurrency and live instances, invocations, cold starts, throttles."""
        import pandas as pd
        edges = bin_edges(self.scenario.horizon_s, step_s)
        inv, ins = self._tally.columns(), self._instances.array()
        ran = inv["status"] != THROTTLED
        ins_end = np.nan_to_num(ins[:, 3], nan=np.inf)
        return pd.DataFrame({
            "t_s": edges[:-1],
            "concurrency": occupancy(inv["start_s"][ran], inv["end_s"][ran], edges),
            "instances": occupancy(ins[:, 1], ins_end, edges),
            "invocations": counts(inv["arrival_s"], edges),
            "cold_starts": counts(inv["arrival_s"][inv["cold"]], edges),
            "throttled": counts(inv["arrival_s"][~ran], edges),
        })
