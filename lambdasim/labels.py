"""One vocabulary for everything users see: labels with units, and one number formatter.

A ground module (it imports nothing of the engine), so tables, figures, the
command line, the report, the dashboard and the panels all say the same
thing the same way:

>>> label("latency_p99_s")
'p99 latency (s)'
>>> path_label("functions.0.workload.rate_per_s")
'request rate (req/s)'
>>> fmt(0.1234, "percent"), fmt(1234567.0, "count"), fmt(1.142e-05, "usd")
('12.3 %', '1,234,567', '$0.00001142')
>>> fmt(float("nan"), reason="nothing completed")
'n/a (nothing completed)'

Each metric has a :class:`Metric`: a human name, a unit and a kind that
tells :func:`fmt` how to write its values. Scenario paths (``--set``,
sweep factors, break-even fields) are matched with their list indices
replaced by ``*``; unknown keys and paths get a readable fallback built
from their words and unit suffixes, never the raw dotted path.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Metric", "METRICS", "PATHS", "OPTIONS", "PLATFORMS", "label", "metric", "path_label", "option_label",
           "fmt", "fmt_metric", "table_rows"]


@dataclass(frozen=True)
class Metric:
    name: str   # what it is, in words ("p99 latency")
    unit: str   # "s", "req/s", "$", "%", "" (a count or a ratio)
    kind: str   # how to write values: count, seconds, percent, usd, ratio, number

    @property
    def label(self) -> str:
        return f"{self.name} ({self.unit})" if self.unit else self.name

    @property
    def heading(self) -> str:
        """The label for a table row whose values carry their own unit ($, %, ×)."""
        return self.name if self.unit in ("$", "%", "×") else self.label


def _m(name: str, unit: str = "", kind: str = "number") -> Metric:
    return Metric(name, unit, kind)


C, S, P, U = "count", "seconds", "percent", "usd"

#: Every summary key of Lambda, EC2 and application results, and every comparison column.
METRICS: dict[str, Metric] = {
    # arrivals and outcomes
    "invocations": _m("requests", "", C), "completed": _m("completed", "", C),
    "throttled": _m("throttled", "", C), "failed": _m("failed", "", C),
    "in_flight": _m("still running at the end", "", C), "dropped": _m("dropped or throttled", "", C),
    "cold_starts": _m("cold starts", "", C), "cold_start_rate": _m("cold-start rate", "%", P),
    "throttle_rate": _m("throttle rate", "%", P), "instances_created": _m("environments created", "", C),
    "pc_invocations": _m("requests served by provisioned concurrency", "", C),
    # capacity
    "mean_instances": _m("mean instances", "", "number"),
    "mean_busy_instances": _m("mean busy environments", "", "number"),
    "max_concurrency": _m("peak concurrency", "", C), "instances_launched": _m("instances launched", "", C),
    "max_instances": _m("peak instances", "", C), "utilization": _m("utilisation", "%", P),
    "cpu_utilization": _m("vCPU utilisation", "%", P), "queue_at_end": _m("still queued at the end", "", C),
    "wait_probability": _m("requests that queued", "%", P),
    # latency
    "latency_mean_s": _m("mean latency", "s", S), "latency_p50_s": _m("median latency", "s", S),
    "latency_p95_s": _m("p95 latency", "s", S), "latency_p99_s": _m("p99 latency", "s", S),
    "queue_wait_mean_s": _m("mean queue wait", "s", S), "queue_wait_p99_s": _m("p99 queue wait", "s", S),
    # cost
    "billed_gb_s": _m("billed compute", "GB-s", "number"), "cost_usd": _m("cost of the simulated time", "$", U),
    "cost_per_million_usd": _m("cost per million requests", "$", U),
    "monthly_cost_usd": _m("monthly cost", "$", U), "cost_ratio": _m("cost relative to Lambda", "×", "ratio"),
    "services_usd": _m("managed services cost", "$", U), "cost_per_root_usd": _m("cost per root event", "$", U),
    # event sources (awslambda/outcomes.py)
    "events": _m("events", "", C), "events_completed": _m("events completed", "", C),
    "events_failed": _m("events failed", "", C), "events_throttled": _m("events throttled", "", C),
    "to_destination": _m("events sent to the failure destination", "", C),
    "dropped_age": _m("events dropped for age", "", C), "dlq": _m("events in the dead-letter queue", "", C),
    "queued_at_end": _m("events still queued at the end", "", C),
    "events_in_flight": _m("events still running at the end", "", C),
    "internal_throttles": _m("internal throttled attempts", "", C),
    "duplicates": _m("duplicate deliveries", "", C), "event_age_max_s": _m("oldest event age", "s", S),
    "iterator_age_max_s": _m("largest iterator age", "s", S),
    "queue_delay_p50_s": _m("median queue delay", "s", S), "queue_delay_p99_s": _m("p99 queue delay", "s", S),
    # applications (application/result.py)
    "roots": _m("root events", "", C), "roots_complete": _m("root events completed", "", C),
    "app_events": _m("application events", "", C),
    "e2e_latency_mean_s": _m("mean end-to-end latency", "s", S),
    "e2e_latency_p50_s": _m("median end-to-end latency", "s", S),
    "e2e_latency_p99_s": _m("p99 end-to-end latency", "s", S),
    "e2e_delay_mean_s": _m("mean delivery delay on the critical path", "s", S),
    "e2e_queue_mean_s": _m("mean time queued on the critical path", "s", S),
    "e2e_batching_mean_s": _m("mean batching wait on the critical path", "s", S),
    "e2e_retry_mean_s": _m("mean retry wait on the critical path", "s", S),
    "e2e_cold_mean_s": _m("mean cold-start time on the critical path", "s", S),
    "e2e_run_mean_s": _m("mean run time on the critical path", "s", S),
    # Fargate and Lambda Managed Instances (fargate/result.py, lmi/)
    "restarted": _m("requests restarted after an interruption", "", C),
    "interrupted": _m("requests interrupted", "", C), "spot_interruptions": _m("Spot interruptions", "", C),
    "task_size": _m("task size"), "task_vcpu": _m("task vCPU", "vCPU", "number"),
    "task_memory_gb": _m("task memory", "GiB", "number"), "waste_vcpu": _m("unused vCPU per task", "vCPU", "number"),
    "waste_memory_gb": _m("unused memory per task", "GiB", "number"),
    "slots_per_instance": _m("requests per instance at once", "", C), "instance_type": _m("instance type"),
    "environments_per_instance": _m("execution environments per instance", "", C),
    "compute_share": _m("compute share of the bill", "%", P),
    # comparison bookkeeping
    "replications": _m("replications", "", C), "platform": _m("platform"), "strategy": _m("option"),
    "config": _m("configuration"),
    # bill line items (billing/rules.py frames)
    "quantity": _m("quantity", "", "number"), "rate_usd": _m("unit price", "$", U),
    "amount_usd": _m("amount", "$", U),
}

#: Scenario paths users vary, list indices written as ``*``.
PATHS: dict[str, Metric] = {
    "horizon_s": _m("simulated time", "s", S), "seed": _m("random seed", "", "id"),
    "functions.*.workload.rate_per_s": _m("request rate", "req/s", "number"),
    "functions.*.memory_mb": _m("memory", "MB", C),
    "functions.*.duration.mean_s": _m("mean duration", "s", S),
    "functions.*.duration.value_s": _m("duration", "s", S),
    "functions.*.init.value_s": _m("cold-start init time", "s", S),
    "functions.*.init.mean_s": _m("mean cold-start init time", "s", S),
    "functions.*.arch": _m("architecture"), "functions.*.timeout_s": _m("timeout", "s", S),
    "functions.*.provisioned_concurrency": _m("provisioned concurrency", "", C),
    "functions.*.reserved_concurrency": _m("reserved concurrency", "", C),
    "functions.*.work.cpu_s": _m("CPU time per request", "s", S),
    "functions.*.work.wait_s": _m("waiting time per request", "s", S),
    "functions.*.workload.kind": _m("workload kind"),
    "lambda.keep_alive.idle_s": _m("keep-alive", "s", S), "lambda.keep_alive.policy": _m("keep-alive policy"),
    "lambda.account_concurrency": _m("account concurrency limit", "", C),
    "lambda.reserved_concurrency": _m("reserved concurrency", "", C),
    "lambda.scaling.model": _m("scaling model"), "lambda.instance_selection": _m("instance selection"),
    "ec2.instance_type": _m("EC2 instance type"), "ec2.workers_per_instance": _m("workers per instance", "", C),
    "ec2.boot_s": _m("EC2 boot time", "s", S), "ec2.scaling.instances": _m("EC2 instances", "", C),
    "ec2.scaling.target": _m("EC2 autoscaling target utilisation", "%", P),
    "ec2.scaling.policy": _m("EC2 scaling policy"), "ec2.scaling.min": _m("EC2 minimum instances", "", C),
    "ec2.scaling.max": _m("EC2 maximum instances", "", C), "pricing": _m("price catalogue"),
    "pricing.preset": _m("price catalogue"), "pricing.as_of": _m("price date"),
}

#: Comparison options (``platform``/``strategy`` of compare and break-even rows), one name per concept:
#: ``configured`` is the scenario's own EC2 fleet everywhere (``fixed``, break-even's former name for it,
#: is read as the same thing).
OPTIONS: dict[str, str] = {
    "lambda": "Lambda", "on-demand": "Lambda", "configured": "EC2, the scenario's fleet",
    "fixed": "EC2, the scenario's fleet",
    "slo": "EC2, smallest fleet meeting the SLO", "autoscaled": "EC2, autoscaled to the SLO",
}

#: Platforms in words.
PLATFORMS: dict[str, str] = {"lambda": "Lambda", "ec2": "EC2", "fargate": "Fargate",
                             "lmi": "Lambda Managed Instances", "hybrid": "EC2 base + Lambda overflow"}

_SUFFIX_UNITS = [("_per_million_usd", "$ per million"), ("_per_s", "/s"), ("_usd", "$"), ("_ms", "ms"),
                 ("_mb", "MB"), ("_gb_s", "GB-s"), ("_s", "s"), ("_rate", "%")]


def _humanise(key: str) -> str:
    for suffix, unit in _SUFFIX_UNITS:
        if key.endswith(suffix) and len(key) > len(suffix):
            words = key[: -len(suffix)] if suffix != "_rate" else key
            return f"{words.replace('_', ' ')} ({unit})"
    return key.replace("_", " ")


def metric(key: str) -> Metric | None:
    """The registered :class:`Metric` of a summary key or comparison column (None if unknown)."""
    return METRICS.get(key)


def label(key: str, table: bool = False) -> str:
    """A human label with its unit for a metric, e.g. ``"p99 latency (s)"``; a readable fallback.

    ``table=True``: without the units that :func:`fmt` writes into the values ($, %, ×).
    """
    m = METRICS.get(key)
    if m is not None:
        return m.heading if table else m.label
    if key.endswith("_ci95") and key[:-5] in METRICS:
        return f"{METRICS[key[:-5]].name}: 95 % CI half-width"
    return path_label(key) if "." in key else _humanise(key)


_INDEX = re.compile(r"(?<=\.)\d+(?=\.|$)")


def path_label(path: str, function_names: list[str] | None = None) -> str:
    """A human label for a dotted scenario path; indices become the function's name or number.

    ``functions.0.workload.rate_per_s`` -> ``"request rate (req/s)"`` (with
    several functions: ``"request rate of api (req/s)"``).
    """
    generic = _INDEX.sub("*", path)
    indices = _INDEX.findall(path)
    m = PATHS.get(generic)
    if m is None:
        parts = [p for p in path.split(".") if not p.isdigit()]
        head = {"ec2": "EC2", "lambda": "Lambda", "functions": "", "workload": ""}
        words = [head.get(p, p.replace("_", " ")) for p in parts[:-1]]
        base = " ".join(w for w in words + [_humanise(parts[-1]) if parts else path] if w)
        return base
    if function_names is not None and len(function_names) > 1 and indices and generic.startswith("functions."):
        i = int(indices[0])
        who = function_names[i] if i < len(function_names) else f"function {i + 1}"
        return f"{m.name} of {who}" + (f" ({m.unit})" if m.unit else "")
    return m.label


def option_label(platform: str, strategy: str | None = None) -> str:
    """``Lambda``, the EC2 option's name (``"EC2, autoscaled to the SLO"``) or a further platform's
    (``"Fargate, as configured"``)."""
    if platform == "lambda":
        return "Lambda"
    if platform != "ec2":
        name = PLATFORMS.get(platform, platform)
        words = {None: "as configured", "configured": "as configured", "fixed": "as configured",
                 "slo": "smallest fleet meeting the SLO", "autoscaled": "autoscaled to the SLO"}
        return f"{name}, {words.get(strategy, strategy)}"
    return OPTIONS.get(strategy or "", f"EC2, {strategy}" if strategy else "EC2")


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return isinstance(v, float) and not math.isfinite(v) or (hasattr(v, "item") and not math.isfinite(float(v)))
    except (TypeError, ValueError):
        return False


def _sig(x: float, digits: int = 4) -> str:
    """Fixed-point with ``digits`` significant digits, thousands separators, no exponent."""
    if x == 0:
        return "0"
    mag = math.floor(math.log10(abs(x)))
    if mag >= digits - 1:
        return f"{round(x):,}"
    decimals = min(digits - 1 - mag, 12)
    text = f"{x:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("0", "-0") else text


def fmt(value: Any, kind: str = "number", reason: str = "") -> str:
    """One way to write a number: ``count`` 1,234,567; ``percent`` (a fraction) 12.3 %; ``usd`` $1,234.56,
    $0.20 or $0.0001142; ``seconds`` and ``number`` 3-4 significant digits; ``ratio`` 1.23×.

    None, NaN and infinities become ``"n/a"``, with ``reason`` in brackets when given.
    """
    if _is_missing(value):
        return f"n/a ({reason})" if reason else "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if hasattr(value, "item"):
        value = value.item()
    if not isinstance(value, (int, float)):
        return str(value)
    x = float(value)
    if kind == "count" or (kind == "number" and isinstance(value, int)):
        return f"{round(x):,}"
    if kind == "id":
        return str(int(x))
    if kind == "percent":
        return f"{_sig(100 * x, 3)} %"
    if kind == "usd":
        sign = "-" if x < 0 else ""
        x = abs(x)
        if x >= 1:
            return f"{sign}${x:,.2f}"
        text = _sig(x, 4)  # under a dollar: 4 significant digits (unit prices), and at least the cents
        whole, _, cents = text.partition(".")
        return f"{sign}${whole}.{cents.ljust(2, '0')}"
    if kind == "ratio":
        return f"{_sig(x, 3)}×"
    return _sig(x, 4)


def fmt_metric(key: str, value: Any, reason: str = "") -> str:
    """``value`` written as the metric ``key`` asks (unknown keys: a plain number)."""
    m = METRICS.get(key) or PATHS.get(_INDEX.sub("*", key))
    return fmt(value, m.kind if m else "number", reason)


def table_rows(summary: dict[str, Any], keys: list[str] | None = None) -> list[tuple[str, str]]:
    """(label, formatted value) pairs of a summary, in ``keys`` order (default: all of it)."""
    return [(label(k, table=True), fmt_metric(k, summary[k])) for k in (keys or list(summary)) if k in summary]
