"""What an application run adds to a :class:`~lambdasim.awslambda.result.Result` (``result.application``).

``end_to_end`` (one row per root event: latency, critical path and where
its time went, cost), ``events`` (the lineage), ``by_function`` (per node),
``edges`` (events emitted per edge), ``cost_per_root`` (mean USD per root
event, by function and by service), ``line_items`` (the services' bill) and
``summary`` (headline keys merged into ``Result.summary``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from functools import cached_property

import numpy as np

from lambdasim.application.spec import kinesis_shard_hours
from lambdasim.application.lineage import PARTS
from lambdasim.billing.services import service_line_items

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ApplicationResult"]


class ApplicationResult:
    def __init__(self, rt):
        sc = rt.m.sc
        self.names, self.lineage, self.catalogue = rt.names, rt.lin, rt.m.catalogue
        self.horizon_s = sc.horizon_s
        self.spec = sc.application
        self.kinds = [f.invocation.type for f in sc.functions]
        self.windows_s = [float(getattr(f.invocation, "batching_window_s", 0.0)) for f in sc.functions]
        self.emitted = rt.emitted.copy()
        self.service_counts = dict(rt.service_counts)
        self.wait_ms = rt.wait_ms.copy()
        self.shard_hours = kinesis_shard_hours(sc)

    def __repr__(self) -> str:
        s = self.summary()
        return f"<ApplicationResult: {s['roots']} roots, {s['roots_complete']} complete, e2e p50 {s['e2e_latency_p50_s']:.3g} s>"

    # --- tables -----------------------------------------------------------------------
    @cached_property
    def end_to_end(self) -> pd.DataFrame:
        """One row per root event (see :mod:`lambdasim.application.lineage`)."""
        return self.lineage.end_to_end(self.names, self.windows_s)

    @cached_property
    def events(self) -> pd.DataFrame:
        """One row per event of the application (root arrivals and emitted events)."""
        return self.lineage.events(self.names)

    @cached_property
    def edges(self) -> pd.DataFrame:
        """Events emitted per edge."""
        import pandas as pd
        return pd.DataFrame({"from": [e.from_ for e in self.spec.edges], "to": [e.to for e in self.spec.edges],
                             "trigger": [e.trigger for e in self.spec.edges], "emitted": self.emitted})

    @cached_property
    def by_function(self) -> pd.DataFrame:
        """Per function of the graph: events, completed, mean wait / INIT / run per event, Lambda USD per root."""
        import pandas as pd
        lin, nf = self.lineage, len(self.names)
        fn = np.array(lin.fn, dtype=np.int64)
        start, end, init = (np.array(c, dtype=float) for c in (lin.start, lin.end, lin.init))
        done = ~np.isnan(end)
        f = fn[done]
        n_done = np.bincount(f, minlength=nf)

        def mean(x: np.ndarray) -> np.ndarray:
            tot = np.bincount(f, weights=x[done], minlength=nf)
            return np.where(n_done > 0, tot / np.maximum(n_done, 1), np.nan)

        df = pd.DataFrame({
            "events": np.bincount(fn, minlength=nf), "completed": n_done,
            "wait_mean_s": mean(start - np.array(lin.arrival, dtype=float)), "cold_mean_s": mean(init),
            "run_mean_s": mean(end - start - init),
            "lambda_usd_per_root": np.bincount(fn, weights=np.array(lin.lambda_usd), minlength=nf)
            / max(1, len(lin.root_t0)),
        }, index=pd.Index(self.names, name="function"))
        nodes = set(self._nodes())
        return df.loc[[n for n in self.names if n in nodes]]

    def _nodes(self) -> list[str]:
        s = self.spec
        return [e.from_ for e in s.edges] + [e.to for e in s.edges] + [g.to for g in s.ingress]

    def line_items(self, period: str = "horizon", scale: float = 1.0) -> pd.DataFrame:
        """The managed services' bill (``scale`` multiplies the usage, e.g. to a month)."""
        return service_line_items({k: v * scale for k, v in self.service_counts.items()}, self.catalogue,
                                  shard_hours=self.shard_hours * scale, period=period)

    @cached_property
    def cost_per_root(self) -> pd.DataFrame:
        """Mean USD per root event by item: each function (its executions and sync waits), each service."""
        import pandas as pd
        roots = max(1, len(self.lineage.root_t0))
        rows = [("function", n, float(u)) for n, u in self.by_function["lambda_usd_per_root"].items()]
        items = self.line_items()
        rows += [("service", r.item, r.amount_usd / roots) for r in items.itertuples()]
        return pd.DataFrame(rows, columns=["kind", "item", "usd_per_root"])

    # --- headline ---------------------------------------------------------------------------
    def summary(self) -> dict:
        e2e = self.end_to_end
        lat = e2e["latency_s"].dropna().to_numpy()
        q = (np.quantile(lat, [0.5, 0.99], method="inverted_cdf") if len(lat) else [np.nan, np.nan])
        services = float(self.line_items()["amount_usd"].sum())
        out = {
            "roots": int(len(e2e)),
            "roots_complete": int(e2e["complete"].sum()),
            "app_events": int(self.lineage.n_events),
            "e2e_latency_mean_s": float(lat.mean()) if len(lat) else float("nan"),
            "e2e_latency_p50_s": float(q[0]),
            "e2e_latency_p99_s": float(q[1]),
            "services_usd": services,
            "cost_per_root_usd": float(self.cost_per_root["usd_per_root"].sum()),
        }
        if len(lat):
            crit = e2e.loc[e2e["complete"], PARTS].mean()
            out.update({f"e2e_{p[:-2]}_mean_s": float(crit[p]) for p in PARTS})
        return out
