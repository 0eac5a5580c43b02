"""Confidence intervals over replications of a sweep.

:func:`summarize` turns a sweep table (one row per variant × replication)
into one row per variant × metric with the mean and a Student-t confidence
interval over the replications that succeeded. Its figures are in
:mod:`lambdasim.viz.sweeps`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lambdasim.labels import fmt, fmt_metric, label, path_label
from lambdasim.stats import t_half_width, wilson
from lambdasim.sweeps.spec import RESERVED

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["summarize", "factor_columns", "metric_columns", "summary_table", "HEADLINE", "monthly_note"]


def factor_columns(df: pd.DataFrame) -> list[str]:
    """The factor columns: from ``df.attrs`` when present, else those before ``variant``."""
    if df.attrs.get("factors") is not None:
        return [c for c in df.attrs["factors"] if c in df.columns]
    cols = list(df.columns)
    return cols[: cols.index("variant")] if "variant" in cols else []


def metric_columns(df: pd.DataFrame) -> list[str]:
    """Numeric columns that are neither factors nor bookkeeping."""
    import pandas as pd
    skip = set(factor_columns(df)) | set(RESERVED)
    return [c for c in df.columns if c not in skip and pd.api.types.is_numeric_dtype(df[c])
            and not pd.api.types.is_bool_dtype(df[c])]


#: Proportions a sweep pools: metric -> (successes column, trials as a column or a difference of two).
PROPORTIONS = {"cold_start_rate": ("cold_starts", ("invocations", "throttled")),
               "throttle_rate": ("throttled", ("invocations", None))}


def _pooled_proportions(out: pd.DataFrame, ok: pd.DataFrame, level: float) -> None:
    """Replace the mean and interval of each proportion by its pooled value and Wilson interval."""
    import pandas as pd
    for metric, (hits, (total, minus)) in PROPORTIONS.items():
        need = {hits, total} | ({minus} if minus else set())
        rows = out["metric"] == metric
        if not rows.any() or not need <= set(ok.columns):
            continue
        valid = ok[ok[metric].notna()]
        trials = valid[total] - (valid[minus] if minus else 0)
        pooled = pd.DataFrame({"variant": valid["variant"], "k": valid[hits], "n": trials}).groupby(
            "variant", sort=False)[["k", "n"]].sum()
        for i in out.index[rows]:
            k, n = pooled.loc[out.at[i, "variant"]]
            out.loc[i, ["mean", "ci_low", "ci_high"]] = wilson(float(k), float(n), level)


def summarize(df: pd.DataFrame, metrics: list[str] | None = None, level: float = 0.95) -> pd.DataFrame:
    """Per variant and metric: n, mean, std and the ``level`` interval (ci_low, ci_high), inside the metric's range.

    A proportion whose counts the runs carry (:data:`PROPORTIONS`: cold-start and throttle rates) gets
    the pooled proportion as its mean and the Wilson interval on the pooled counts (inside [0, 1], from
    one run on). Every other metric: the t-interval over the replications, cut at 0 (every summary
    metric is >= 0) and, for rates, at 1. Only rows with ``status == "ok"`` count; NaN values of a
    metric are left out of its n. With n < 2 the t-interval is NaN. The result is tidy: one row per
    (variant, metric), factor values first.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be a float in the range (0, 1). Got {level!r} instead.")
    factors = factor_columns(df)
    metrics = list(metrics) if metrics is not None else metric_columns(df)
    missing = [m for m in metrics if m not in df.columns]
    if missing:
        raise ValueError(f"metrics {missing} are not columns of the sweep table; available: {metric_columns(df)}")
    ok = df[df["status"] == "ok"] if "status" in df.columns else df
    long = ok.melt(id_vars=["variant"], value_vars=metrics, var_name="metric").dropna(subset=["value"])
    long["value"] = long["value"].astype(float)
    g = long.groupby(["variant", "metric"], sort=False)["value"]
    out = g.agg(n="count", mean="mean", std="std").reset_index()
    half = t_half_width(out["std"], out["n"], level)
    # every metric of a run summary is >= 0 (counts, seconds, dollars, rates): the t-interval is cut at 0,
    # which never excludes a mean that cannot be below 0 (coverage kept); rates also at 1
    out["ci_low"], out["ci_high"] = np.maximum(out["mean"] - half, 0.0), out["mean"] + half
    rate = out["metric"].isin(list(PROPORTIONS)) | out["metric"].str.endswith(("_rate", "_probability"))
    out.loc[rate, "ci_high"] = np.minimum(out.loc[rate, "ci_high"], 1.0)
    _pooled_proportions(out, ok, level)
    keys = df.drop_duplicates("variant")[factors + ["variant"]]
    out = keys.merge(out, on="variant", how="right")
    out.attrs.update(factors=factors, level=level)
    return out


#: The metrics a sweep's closing table shows, when the runs have them.
HEADLINE = ["monthly_cost_usd", "cost_per_million_usd", "latency_p99_s", "cold_start_rate", "throttle_rate"]


def summary_table(summary: pd.DataFrame, metrics: list[str] | None = None) -> pd.DataFrame:
    """A user-facing table of :func:`summarize`'s output: one row per variant, factor values and
    "mean [interval]" per metric, with human labels (``lambdasim.labels``) as column names.

    A metric with fewer than two replications shows its mean and "(1 run)"; one with no value
    shows "n/a" and why.
    """
    import pandas as pd

    factors = summary.attrs.get("factors", [])
    metrics = [m for m in (metrics or HEADLINE) if m in set(summary["metric"])]
    level = summary.attrs.get("level", 0.95)
    rows = []
    for variant, part in summary.groupby("variant", sort=False):
        first = part.iloc[0]
        row = {path_label(f): fmt(first[f]) for f in factors}
        by_metric = part.set_index("metric")
        for m in metrics:
            if m not in by_metric.index:
                row[label(m)] = fmt(None, reason="no successful run")
                continue
            r = by_metric.loc[m]
            text = fmt_metric(m, r["mean"])
            if np.isfinite(r["ci_low"]) and np.isfinite(r["ci_high"]) and r["ci_high"] > r["ci_low"]:
                text += f" [{fmt_metric(m, r['ci_low'])}, {fmt_metric(m, r['ci_high'])}]"  # may be asymmetric
            if r["n"] < 2:
                text += " (1 run)"
            row[label(m, table=True)] = text
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["level"] = level
    return out


def monthly_note(base, paths: list[str]) -> str:
    """How a sweep's ``monthly_cost_usd`` is projected, and whether it is extrapolated from under a day.

    ``base``: the sweep's resolved base scenario; ``paths``: the dotted paths its factors vary.
    """
    varied = {"horizon_s", "measure_from_s"} & set(paths)
    text = "monthly cost: each run's cost over its measured span (horizon_s - measure_from_s) x (30 days / span)"
    if varied:
        return text + f"; {' and '.join(sorted(varied))} vary, so some variants may extrapolate from under a day"
    span = base.measured_s
    if span < 86_400:
        return text + f"; extrapolated from {span:,.0f} s, under a day"
    return text
