"""What a server platform's run returns: a tally of its requests and the result surface every server platform shares.

:class:`ServerTally` keeps running counts and sums of the requests (and,
with ``keep``, their columns); :class:`ServerResult` is the one home of
what EC2, Fargate and Lambda Managed Instances results have in common:
``summary`` (the keys common to all of them; a platform adds its own with
``extra_summary``), ``invocations``, ``instances``, ``timeseries(step_s)``,
``scaling``, the servers' lives in the measured window and their billed
lives, the hourly compute usage (``hourly_compute_usd``) and ``cost``
around the ``bill`` each platform supplies. Status codes: completed,
dropped, in flight (at the horizon), and ``INTERRUPTED`` (lost when its
server stopped under it: a Spot server, :mod:`lambdasim.servers.spot`).
"""
from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from lambdasim.billing.around import Traffic, around_line_items
from lambdasim.billing.commitments import spread_hourly_usd
from lambdasim.billing.rules import compute_share
from lambdasim.servers.fleet import COMPLETED, DROPPED, IN_FLIGHT
from lambdasim.servers.spot import INTERRUPTED
from lambdasim.billing.catalogue import MONTH_S
from lambdasim.stats import LogHistogram
from lambdasim.timeseries import bin_edges, busy_seconds, counts, measured, occupancy, window_lives

__all__ = ["ServerTally", "ServerResult", "SpotServerResult", "SERVER_STATUS", "INTERRUPTED", "COLUMNS"]

SERVER_STATUS = ["completed", "dropped", "in_flight", "interrupted"]
COLUMNS = ["function", "arrival_s", "start_s", "end_s", "duration_s", "cpu_s", "instance", "status", "restarts"]


class ServerTally:
    """Running counts and sums of the requests of one run (and, with ``keep``, their columns)."""

    def __init__(self, n_functions: int, horizon_s: float, keep: bool, measure_from_s: float = 0.0):
        self.horizon_s, self.keep, self.t0 = horizon_s, keep, measure_from_s  # counts from t0 (the warm-up)
        self.status = np.zeros((n_functions, len(SERVER_STATUS)), dtype=np.int64)
        self.latency_sum = self.wait_sum = self.busy_s = self.cpu_s = 0.0
        self.started = self.waited = self.restarted = 0
        self.latency_hist, self.wait_hist = LogHistogram(), LogHistogram()
        self.batches: list[dict[str, np.ndarray]] = []
        self.hourly = None  # a timeseries.HourlyCounts of arrivals when the bill needs them per hour (an ALB's LCUs)

    def add(self, b: dict[str, np.ndarray]) -> None:
        if self.keep:
            self.batches.append(b)
        started = ~np.isnan(b["start_s"]) & (b["status"] != INTERRUPTED)
        self.busy_s += busy_seconds(b["start_s"][started], b["end_s"][started], self.t0, self.horizon_s)
        if self.t0 > 0:
            b = measured(b, self.t0)
            started = ~np.isnan(b["start_s"]) & (b["status"] != INTERRUPTED)
        f, st = b["function"], b["status"]
        if self.hourly is not None:
            self.hourly.add(f, b["arrival_s"] - self.t0)  # hours of the measured span
        ns = self.status.shape[1]  # one bincount, as in the EC2 tally (np.add.at is far slower)
        self.status += np.bincount(f.astype(np.int64) * ns + st, minlength=self.status.size).reshape(self.status.shape)
        wait = b["start_s"][started] - b["arrival_s"][started]
        done = st == COMPLETED
        lat = b["end_s"][done] - b["arrival_s"][done]
        self.started += int(started.sum())
        self.waited += int((wait > 0).sum())
        self.restarted += int((b["restarts"] > 0).sum())
        self.wait_sum += float(wait.sum())
        self.latency_sum += float(lat.sum())
        self.cpu_s += float(np.sum(b["cpu_s"][started]))
        if not self.keep:
            self.latency_hist.add(lat)
            self.wait_hist.add(wait)

    def columns(self) -> dict[str, np.ndarray]:
        if not self.keep:
            raise ValueError("Invocation records were not kept: simulate(..., records='full') keeps them.")
        if len(self.batches) != 1:
            self.batches = [{c: np.concatenate([b[c] for b in self.batches]) if self.batches else np.empty(0)
                             for c in COLUMNS}]
        return self.batches[0]

    def quantiles(self, what: str, qs: list[float]) -> list[float]:
        """Quantiles of ``"latency"`` (completed) or ``"wait"`` (started) times."""
        if self.keep:
            c = self.columns()
            c = measured(c, self.t0) if self.t0 > 0 else c
            if what == "latency":
                x = (c["end_s"] - c["arrival_s"])[c["status"] == COMPLETED]
            else:
                s = ~np.isnan(c["start_s"]) & (c["status"] != INTERRUPTED)
                x = c["start_s"][s] - c["arrival_s"][s]
            return [float(v) for v in np.quantile(x, qs, method="inverted_cdf")] if len(x) else [np.nan] * len(qs)
        hist = self.latency_hist if what == "latency" else self.wait_hist
        zeros = self.started - self.waited if what == "wait" else 0
        total = hist.counts.sum()
        return [0.0 if total and q * total <= zeros else hist.quantile(q) for q in qs]



class ServerResult:
    """The result surface of a server platform; subclasses set ``platform`` and define ``bill``."""

    platform = "servers"
    status_names = SERVER_STATUS
    cpu_scale = 1.0  # the fleet's vCPUs in real vCPUs (LMI runs its fleet in units of one request's top speed)

    def __init__(self, scenario, catalogue, model, extra_items: pd.DataFrame | None = None):
        """``extra_items``: more line items for the bill, e.g. an application's managed services."""
        self.scenario, self.catalogue, self.seed = scenario, catalogue, scenario.seed
        self.extra_items = extra_items
        self._tally, self._fleet, self._log = model.tally, model.fleet, model.autoscaler.log
        self.names = [f.name for f in scenario.functions]

    def __repr__(self) -> str:
        s = self.summary
        return (f"<{type(self).__name__} {self.scenario.name!r}: {s['invocations']} invocations, "
                f"{s['mean_instances']:.1f} instances, p99 {s['latency_p99_s']:.3f} s, cost ${s['cost_usd']:.4f}>")

    def bill(self) -> pd.DataFrame:
        """The platform's own line items (each platform defines it)."""
        raise NotImplementedError

    @cached_property
    def cost(self) -> pd.DataFrame:
        """Line items of the simulated horizon's bill, with any extra items (an application's services)."""
        items = self.bill()
        around = around_line_items(self.traffic, self.scenario.network, self.catalogue, platform=self.platform,
                                   horizon_s=self.scenario.measured_s)  # API Gateway in front, logs, network
        parts = [p for p in (items, around, self.extra_items) if p is not None and len(p)]
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else items

    @cached_property
    def traffic(self) -> list[Traffic]:
        """Per function: its front door and payload, requests that arrived, requests served."""
        t, sc = self._tally, self.scenario
        hourly = t.hourly.counts if t.hourly is not None else [None] * len(sc.functions)
        return [Traffic(sc.door(i), f.payload, float(t.status[i].sum()), float(t.status[i, COMPLETED]), hourly[i])
                for i, f in enumerate(sc.functions)]

    def hourly_compute_usd(self) -> np.ndarray:
        """On-demand USD per hour of the servers a commitment can cover: the bill's compute and instance
        charges (before discounts) spread over the hours by those servers live (occupancy); the input of
        :func:`lambdasim.billing.commitments.best_commitment`. Savings Plans and reservations do not cover
        Spot, so Spot servers and their charges (the ``USD covered`` of a Spot discount row) are left out."""
        launched, _, retired = self._lives(window=False)
        bill = self.bill()
        usd = float(bill.loc[bill["charge"].isin(["compute", "instances"]), "amount_usd"].sum())
        spot = (bill["charge"] == "discount") & bill["item"].str.contains("Spot", regex=False)
        usd -= float(bill.loc[spot, "quantity"].sum())  # Spot's compute at on-demand prices
        m = self._committable()
        return spread_hourly_usd(launched[m], retired[m], self.scenario.horizon_s, usd)

    def _committable(self) -> np.ndarray:
        """Which servers a commitment can cover (all but Spot ones)."""
        return np.ones(len(self._fleet.launched), dtype=bool)

    @property
    def compute_share(self) -> float:
        """Share of the horizon's bill paid for compute itself (not front doors, logs, network or services)."""
        return compute_share(self.cost)

    def extra_summary(self) -> dict[str, Any]:
        """Platform-specific summary entries (placed after the counts)."""
        return {}

    def _lives(self, window: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Launched, ready and retired times, clipped to the measured window [measure_from_s, horizon]
        (``window=False``: to [0, horizon], the whole run)."""
        f, sc = self._fleet, self.scenario
        return window_lives(f.launched, f.ready, f.retired, sc.measure_from_s if window else 0.0, sc.horizon_s)

    def _billed(self) -> tuple[np.ndarray, np.ndarray]:
        """Each server's billed life inside the measured window, and which servers they are (a mask over the
        servers: those gone before the window are left out)."""
        launched, _, retired = self._lives()
        life = retired - launched
        kept = np.ones(len(life), dtype=bool) if self.scenario.measure_from_s == 0 else life > 0
        return life[kept], kept

    def _billed_lives(self) -> np.ndarray:
        """Each server's billed life inside the measured window (servers gone before it left out)."""
        return self._billed()[0]

    @cached_property
    def instances(self) -> pd.DataFrame:
        """One row per server: launched, ready (serving from) and retired (NaN = live at the end)."""
        f = self._fleet
        ready, retired = np.asarray(f.ready, dtype=float), np.asarray(f.retired, dtype=float)
        return pd.DataFrame({"instance": np.arange(len(f.launched)), "launched_s": f.launched,
                             "ready_s": np.where(ready > retired, np.nan, ready), "retired_s": retired})

    @cached_property
    def scaling(self) -> pd.DataFrame:
        """The autoscaler's actions: time, count before and after, reason, metric value."""
        return pd.DataFrame(self._log, columns=["t_s", "from", "to", "reason", "metric"])

    @cached_property
    def summary(self) -> dict[str, Any]:
        t, span = self._tally, self.scenario.measured_s  # the measured window, after any warm-up
        st = t.status.sum(axis=0)
        completed = int(st[COMPLETED])
        launched, ready, retired = self._lives()
        provisioned = float(np.sum(retired - ready)) * self._fleet.w
        live = np.concatenate([np.ones(len(launched)), -np.ones(len(retired))])
        order = np.lexsort((live, np.concatenate([launched, retired])))  # retire before launch at equal times
        p50, p95, p99 = t.quantiles("latency", [0.5, 0.95, 0.99])
        cost = float(self.cost["amount_usd"].sum())
        return {
            "invocations": int(st.sum()),
            "completed": completed,
            "dropped": int(st[DROPPED]),
            "in_flight": int(st[IN_FLIGHT]),
            "interrupted": int(st[INTERRUPTED]),
            **self.extra_summary(),
            "instances_launched": len(launched),
            "mean_instances": float(np.sum(retired - launched)) / span,
            "max_instances": int(np.cumsum(live[order]).max()) if len(live) else 0,
            "utilization": t.busy_s / provisioned if provisioned > 0 else float("nan"),
            "cpu_utilization": (t.cpu_s / (provisioned / self._fleet.w * self._fleet.vcpu * self.cpu_scale)
                                if provisioned > 0 else float("nan")),
            "queue_at_end": len(self._fleet.queue),
            "wait_probability": t.waited / t.started if t.started else float("nan"),
            "queue_wait_mean_s": t.wait_sum / t.started if t.started else float("nan"),
            "queue_wait_p99_s": t.quantiles("wait", [0.99])[0],
            "latency_mean_s": t.latency_sum / completed if completed else float("nan"),
            "latency_p50_s": p50,
            "latency_p95_s": p95,
            "latency_p99_s": p99,
            "cost_usd": cost,
            "cost_per_million_usd": cost / completed * 1e6 if completed else float("nan"),
            # the measured span's bill scaled to a 30-day month (as the report does for servers)
            "monthly_cost_usd": cost * MONTH_S / self.scenario.measured_s,
        }

    @cached_property
    def invocations(self) -> pd.DataFrame:
        """One row per request: arrival, start (NaN: never started), end, server, status, restarts, queue wait."""
        c = self._tally.columns()
        df = pd.DataFrame(c)
        df["function"] = pd.Categorical.from_codes(c["function"].astype(int), categories=self.names)
        df["status"] = pd.Categorical.from_codes(c["status"].astype(int), categories=self.status_names)
        df["queue_wait_s"] = c["start_s"] - c["arrival_s"]
        df["cold"] = False  # no per-request cold start (keeps plots shared with Lambda)
        return df

    def timeseries(self, step_s: float) -> pd.DataFrame:
        """Per step: busy workers, live and serving servers, queue length, arrivals, drops."""
        edges = bin_edges(self.scenario.horizon_s, step_s)
        c = self._tally.columns()
        s = ~np.isnan(c["start_s"])
        q_end = np.where(s, c["start_s"], np.nan_to_num(c["end_s"], nan=np.inf))  # wait ends: start or drop
        launched, ready, retired = self._lives(window=False)
        return pd.DataFrame({
            "t_s": edges[:-1],
            "concurrency": occupancy(c["start_s"][s], np.nan_to_num(c["end_s"][s], nan=np.inf), edges),
            "instances": occupancy(launched, retired, edges),
            "in_service": occupancy(ready, retired, edges),
            "queue": occupancy(c["arrival_s"], q_end, edges),
            "invocations": counts(c["arrival_s"], edges),
            "dropped": counts(c["arrival_s"][c["status"] == DROPPED], edges),
            "cold_starts": np.zeros(len(edges) - 1, dtype=np.int64),
        })


class SpotServerResult(ServerResult):
    """The result of a server platform whose fleet has Spot servers (:class:`~lambdasim.servers.spot.SpotFleet`):
    the Spot counts in the summary, each server's Spot flag and notice time in ``instances``."""

    def __init__(self, scenario, catalogue, model, extra_items: pd.DataFrame | None = None):
        super().__init__(scenario, catalogue, model, extra_items)
        self.interruptions = model.interruptions  # Spot notices received

    def spot_summary(self) -> dict[str, Any]:
        """Requests started again after a Spot stop (at least once), and Spot notices received."""
        return {"restarted": self._tally.restarted, "spot_interruptions": self.interruptions}

    def _committable(self) -> np.ndarray:
        return ~np.asarray(self._fleet.spot, dtype=bool)

    def _billed_spot(self) -> tuple[np.ndarray, np.ndarray]:
        """The billed lives (as :meth:`_billed_lives`) and whether each of those servers ran on Spot."""
        life, kept = self._billed()
        return life, np.asarray(self._fleet.spot, dtype=bool)[kept]

    @cached_property
    def instances(self) -> pd.DataFrame:
        """One row per server: launched, ready, retired (NaN = live at the end), Spot, notice time."""
        df = super().instances.copy()
        df["spot"], df["interrupted_s"] = self._fleet.spot, self._fleet.interrupted_at
        return df
