"""Build the decision document of one scenario: compare, decide, draw, render to HTML.

:func:`build` runs the comparison (Lambda against EC2 options on the same
arrivals) and collects everything the page shows; :func:`render` fills the
Jinja2 template ``template.html`` beside this module with autoescaping on,
so every user-supplied text (scenario and function names, paths, SLO keys)
is HTML-escaped. Figures are embedded as PNG data URIs: the page is one
file that can be mailed or attached to a ticket.
"""
from __future__ import annotations

import base64
import datetime as dt
import math
from pathlib import Path
from typing import Any, Callable

import yaml

from lambdasim.billing.catalogue import MONTH_S, load_catalogue
from lambdasim.comparison.compare import STRATEGIES, compare
from lambdasim.comparison.replication import Runner
from lambdasim.comparison.sizing import tracking_policy, with_scaling
from lambdasim.labels import fmt, fmt_metric, label, path_label
from lambdasim.report.decision import answer, options, slo_text
from lambdasim.scenario import Scenario
from lambdasim.simulation import simulate
from lambdasim.version import __version__
from lambdasim.viz import report as figures

__all__ = ["build", "render", "render_part", "TABLE_METRICS"]

#: The figures of the page, in order.
FIGURES = ("options", "latency", "cold_starts", "capacity")

#: The comparison table's rows, after the monthly cost.
TABLE_METRICS = ["cost_per_million_usd", "latency_p50_s", "latency_p95_s", "latency_p99_s", "cold_start_rate",
                 "queue_wait_mean_s", "mean_instances", "utilization", "completed", "dropped"]


def _png(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _cell(row: dict, key: str) -> str:
    v, ci = row.get(key, math.nan), row.get(f"{key}_ci95", math.nan)
    text = fmt_metric(key, v, "not simulated" if not row.get("replications") else "")
    if isinstance(ci, float) and math.isfinite(ci) and ci > 0 and isinstance(v, float) and math.isfinite(v):
        text += f" ± {fmt_metric(key, ci)}"
    return text


def _prices(sc: Scenario, catalogue) -> list[dict[str, str]]:
    arch = {f.arch for f in sc.functions}
    keys = ["lambda.request_per_million_usd"]
    keys += ["lambda.duration_gb_s_usd"] * ("x86_64" in arch) + ["lambda.duration_arm_gb_s_usd"] * ("arm64" in arch)
    keys += ["lambda.billing_granularity_ms", "lambda.free_tier_requests", "lambda.free_tier_gb_s",
             f"ec2.{sc.ec2.instance_type}.hour_usd", "ec2.billing_granularity_s", "ec2.minimum_billed_s"]
    t = catalogue.table().set_index("key")
    out = []
    for k in keys:
        if k in t.index:
            r = t.loc[k]
            value = fmt(r["value"], "usd" if k.endswith("_usd") else "number")
            out.append({"item": r["unit"], "value": value, "since": str(r["from"]),
                        "confidence": str(r["confidence"]), "source": str(r["source"])})
    return out


def _capacity(sc: Scenario, catalogue, opts) -> list[tuple[str, str]]:
    from lambdasim.billing.catalogue import instance_spec

    spec = instance_spec(sc.ec2.instance_type, catalogue)
    rows = []
    for f in sc.functions:
        rows.append((f"Lambda function {f.name}", f"{fmt(f.memory_mb, 'count')} MB memory, {f.arch}"))
    ka = sc.lambda_.keep_alive
    rows.append(("Lambda keep-alive", f"{ka.policy}" + (f", {fmt(ka.idle_s)} s idle" if ka.policy == "fixed" else "")))
    rows.append(("Lambda account concurrency", fmt(sc.lambda_.account_concurrency, "count")))
    rows.append(("EC2 instance", f"{sc.ec2.instance_type}: {fmt(spec.vcpu)} vCPU, {fmt(spec.memory_gib)} GiB, "
                                 f"{fmt(spec.hour_usd, 'usd')} per hour on demand"))
    rows.append(("EC2 workers per instance", fmt(sc.ec2.workers_per_instance, "count")))
    rows.append(("EC2 boot time", f"{fmt(sc.ec2.boot_s)} s"))
    for o in opts:
        if o.platform != "lambda":
            rows.append((o.name, o.config))
    return rows


def _workload(sc: Scenario) -> list[tuple[str, str]]:
    rows = []
    for i, f in enumerate(sc.functions):
        w = f.workload
        rate = getattr(w, "rate_per_s", None)
        what = f"{w.kind}" + (f", {fmt(rate)} requests per second" if rate is not None else "")
        mean = getattr(f.duration, "mean", None)
        if mean is not None:
            what += f"; mean duration {fmt(mean)} s"
        rows.append((f.name, what))
    return rows


def _runs(sc: Scenario, df, opts) -> dict:
    """Full-record runs (replication 0) of Lambda and the EC2 options that have a configuration."""
    runs = {(opts[0].name, figures.COLORS["lambda"]): simulate(sc, "lambda")}
    for o in opts[1:]:
        if not o.row.get("replications"):
            continue
        if o.strategy == "configured":
            variant = sc
        elif o.strategy == "slo":
            variant = with_scaling(sc, {"policy": "fixed", "instances": df.attrs["slo_instances"]})
        else:
            variant = with_scaling(sc, tracking_policy(sc, df.attrs["slo_target"]))
        runs[(o.name, figures.COLORS.get(o.strategy, "tab:gray"))] = simulate(variant, "ec2")
    return runs


def _month_note(sc: Scenario) -> str:
    """Where the monthly figures come from: the measured span, the warm-up, and whether it is extrapolated."""
    span, w = sc.measured_s, sc.measure_from_s
    text = f"Every monthly cost is projected from {fmt(span)} s of simulated traffic"
    text += f" after a warm-up of {fmt(w)} s that is not counted" if w > 0 else " (no warm-up excluded)"
    return text + (": extrapolated from under a day." if span < 86_400 else ".")


def _bill(runs: dict, horizon_s: float) -> list[dict[str, str]]:
    rows = []
    k = MONTH_S / horizon_s
    for (name, _), r in runs.items():
        items = r.monthly_cost if r.platform == "lambda" else r.cost
        scale = 1.0 if r.platform == "lambda" else k
        for it in items.to_dict(orient="records"):
            rows.append({"option": name, "item": str(it["item"]), "quantity": f"{fmt(it['quantity'] * scale)} {it['unit']}",
                         "rate": fmt(it["rate_usd"], "usd"), "amount": fmt(it["amount_usd"] * scale, "usd"), "total": False})
        total = float(items["amount_usd"].sum()) * scale
        rows.append({"option": name, "item": "total per month", "quantity": "", "rate": "", "amount": fmt(total, "usd"),
                     "total": True})
    return rows


def build(sc: Scenario, *, source: str = "", replications: int = 3, slo: dict[str, float] | None = None,
          strategies: tuple[str, ...] = STRATEGIES, sizing_replications: int = 1,
          tick: Callable[[], None] = lambda: None, figures_wanted: tuple[str, ...] = FIGURES) -> dict[str, Any]:
    """Everything the page shows, as plain data (strings, rows and PNG data URIs).

    ``figures_wanted``: a subset of :data:`FIGURES` to draw (the dashboard draws two).
    """
    runner = Runner(replications, tick=tick)
    given_slo = bool(slo)
    df = compare(sc, replications, slo=slo, strategies=strategies, sizing_replications=sizing_replications,
                 runner=runner)
    slo = df.attrs.get("slo") or dict(slo or {})
    opts = options(df, sc.measured_s)
    runs = _runs(sc, df, opts)
    tick()
    catalogue = load_catalogue(sc.pricing)
    table = [{"label": "monthly cost", "cells": [fmt(o.monthly_cost_usd, "usd", "not simulated") for o in opts]}]
    table += [{"label": label(k, table=True), "cells": [_cell(o.row, k) for o in opts]} for k in TABLE_METRICS]
    lam = next(r for (n, _), r in runs.items() if r.platform == "lambda")
    draw = {"options": lambda: figures.options_figure(opts, slo), "latency": lambda: figures.latency_figure(runs, slo),
            "cold_starts": lambda: figures.cold_start_figure(lam), "capacity": lambda: figures.capacity_figure(runs)}
    figs = {k: draw[k]() for k in figures_wanted}
    tick()
    return {
        "title": f"{sc.name}: Lambda or EC2?",
        "name": sc.name, "source": source, "answer": answer(opts, slo),
        "generated": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "version": __version__,
        "horizon": f"{fmt(sc.horizon_s)} s ({fmt(sc.horizon_s / 3600)} h)", "replications": replications,
        "price_date": str(sc.pricing.date),
        "options": [{"name": o.name, "monthly": fmt(o.monthly_cost_usd, "usd", "not simulated"),
                     "meets": o.meets_slo, "why_not": o.why_not, "config": o.config} for o in opts],
        "slo": slo_text(slo), "slo_bounds": dict(slo), "rows_csv": df.to_csv(index=False), "slo_default": not given_slo,
        "table_heads": [o.name for o in opts], "table": table,
        "workload": _workload(sc), "capacity": _capacity(sc, catalogue, opts), "prices": _prices(sc, catalogue),
        "bill": _bill(runs, sc.measured_s),
        "month_note": _month_note(sc),
        "figures": {k: _png(v) for k, v in figs.items()},
        "scenario_yaml": yaml.safe_dump(sc.to_dict(), sort_keys=False, allow_unicode=True),
    }


def _env():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=True,
                              undefined=jinja2.StrictUndefined)


def render(context: dict[str, Any]) -> str:
    """The page as HTML text; every value is escaped by the template engine."""
    return _env().get_template("template.html").render(ctx=context, **context)


def render_part(name: str, context: dict[str, Any]) -> str:
    """One piece of the page (``answer``, ``cards``, ``slo_check``, ``assumptions``, ``prices``, ``bill``,
    ``style``) as HTML, for the dashboard app."""
    parts = _env().get_template("parts.html").module
    return str(getattr(parts, name)() if name == "style" else getattr(parts, name)(context))


def overrides_text(overrides: dict[str, Any], names: list[str]) -> str:
    """``--set`` overrides in words, for the page's header."""
    return "; ".join(f"{path_label(k, names)} = {v}" for k, v in overrides.items())
