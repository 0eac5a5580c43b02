"""Billing: pure functions over usage and a price catalogue.

Nothing here touches a simulation: usage comes in as numbers or arrays
(from records, or typed by hand in ``lambdasim bill``), and a bill comes out
as line items (platform, item, quantity, unit, rate, amount, charge kind,
period). Every rate comes from the :class:`~lambdasim.billing.catalogue.Catalogue`.

Each bill is made as plain rows first (``lambda_rows``, ``ec2_rows``,
``alb_rows``; :func:`totals` sums rows or a frame), and
:func:`line_items_frame` turns rows into the DataFrame that results carry.
The rounding rules take a number or an array: a number is rounded in plain
Python exactly as numpy rounds an array, so ``lambdasim bill`` prices a month
without loading numpy or pandas.

Monthly rules (the free tier, volume tiers) are allowances per month; a bill
for a shorter or longer ``period_s`` gets them in proportion, so the bill of a
30-day horizon equals the monthly bill of the same usage.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Iterable, TYPE_CHECKING

from lambdasim.errors import CatalogueError
from lambdasim.billing.catalogue import MONTH_S, Catalogue, check_discount, instance_spec

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["LINE_ITEM_COLUMNS", "COLUMNS", "CHARGES", "COMPUTE_CHARGES", "line_items_frame", "compute_share", "tiered",
           "FunctionUsage", "billed_ms", "invocation_billed_ms", "init_billed", "pc_configured_s", "pc_schedule",
           "pc_segments", "unpriced", "rate_key", "lambda_rows", "lambda_line_items", "ec2_billed_s", "ec2_rows", "ec2_spot_rows", "ec2_line_items",
           "alb_rows", "alb_line_items", "snapstart_line_items", "SNAPSTART_KEY", "totals", "billed_to_used_ratio"]

#: The columns every bill has; ``COLUMNS`` adds the kind of charge and the period (horizon or month).
LINE_ITEM_COLUMNS = ["platform", "item", "quantity", "unit", "rate_usd", "amount_usd"]
COLUMNS = LINE_ITEM_COLUMNS + ["charge", "period"]
#: Kinds of charge; ``totals`` sums line items into ``<kind>_usd``.
CHARGES = ("requests", "compute", "provisioned", "ephemeral", "discount", "instances", "load_balancer", "front_door",
           "logs", "network")
#: The kinds that pay for compute itself (the rest is the bill around it: front doors, logs, network).
COMPUTE_CHARGES = ("requests", "compute", "provisioned", "ephemeral", "discount", "instances")
ARCHS = ("x86_64", "arm64")


# --- per-invocation rounding ------------------------------------------------------
def _number(*values: Any) -> bool:
    """Whether every value is a plain number (the calculator's path, without numpy)."""
    return all(isinstance(v, (int, float)) for v in values)


def _rounded(x: float, scale: float) -> float:
    """``x`` rounded to ``1 / scale`` exactly as ``numpy.round`` does it (scale, round half to even, unscale)."""
    return round(x * scale) / scale


def billed_ms(duration_s: np.ndarray | float, granularity_ms: float) -> np.ndarray | float:
    """Each duration rounded up to a multiple of the granularity, in ms (a number gives a number).

    Durations are rounded to a nanosecond first, before dividing by the
    granularity, so that float noise (0.101 s is 101.00000000000001 ms)
    does not add a billing unit while any run longer than a nanosecond
    bills at least one unit.
    """
    if _number(duration_s):
        return float(math.ceil(_rounded(float(duration_s) * 1000.0, 1e6) / granularity_ms) * granularity_ms)
    import numpy as np

    ms = np.round(np.asarray(duration_s, dtype=float) * 1000.0, 6)
    return np.ceil(ms / granularity_ms) * granularity_ms


def init_billed(function: Any, catalogue: Catalogue) -> bool:
    """Whether an on-demand cold start's INIT time is billed for this function.

    Custom runtimes and container images always paid for INIT; ZIP functions
    on managed runtimes pay from 2025-08-01 (``lambda.init_billed_zip_managed``).
    INIT on provisioned concurrency is part of the PC charge, never billed apart.
    """
    if getattr(function, "runtime", "managed") == "custom" or getattr(function, "package_type", "zip") == "image":
        return True
    return bool(catalogue["lambda.init_billed_zip_managed"])


def invocation_billed_ms(duration_s: np.ndarray, init_s: np.ndarray, billed_init: np.ndarray | bool,
                         catalogue: Catalogue) -> np.ndarray:
    """Billed ms per invocation: run time plus billed INIT (capped), rounded up.

    ``init_s`` is the invocation's INIT time (0 or NaN for a warm start);
    ``billed_init`` says, per invocation, whether INIT counts (see :func:`init_billed`).
    """
    cap, g = catalogue["lambda.init_cap_s"], catalogue["lambda.billing_granularity_ms"]
    if _number(duration_s, init_s) and isinstance(billed_init, bool):
        init = 0.0 if math.isnan(init_s) else float(init_s)
        return billed_ms(float(duration_s) + (min(init, cap) if billed_init else 0.0), g)
    import numpy as np

    extra = np.where(billed_init, np.minimum(np.nan_to_num(np.asarray(init_s, dtype=float)), cap), 0.0)
    return billed_ms(np.asarray(duration_s, dtype=float) + extra, g)


def unpriced(functions: Iterable[Any], catalogue: Catalogue) -> str | None:
    """A message naming the first function feature the catalogue cannot price on its date, else None."""
    for f in functions:
        needs = []
        if getattr(f, "arch", "x86_64") == "arm64":
            needs.append(("arm64", "lambda.duration_arm_gb_s_usd"))
        if getattr(f, "ephemeral_storage_mb", 512) > catalogue.get("lambda.ephemeral_free_mb", 512):
            needs.append(("ephemeral_storage_mb above 512", "lambda.ephemeral_gb_s_usd"))
        if getattr(f, "provisioned_concurrency", None):
            needs.append(("provisioned_concurrency", "lambda.pc_gb_s_usd"))
        snap = getattr(f, "snapstart", None)
        if snap is not None:
            needs.append((f"snapstart for {snap.runtime}", SNAPSTART_KEY[snap.runtime]))
        for what, key in needs:
            if key not in catalogue:
                return f"function {f.name!r} uses {what}, which the price catalogue cannot bill: {_missing_text(key, catalogue)}"
    return None


def _missing_text(key: str, catalogue: Catalogue) -> str:
    try:
        catalogue[key]
    except CatalogueError as exc:
        return str(exc)
    return ""


# --- provisioned concurrency ------------------------------------------------------
def pc_schedule(setting: Any) -> tuple[tuple[float, Any], ...]:
    """A PC setting as ``(from_s, concurrency)`` steps in time order: the one normaliser.

    ``setting`` is None or 0 (no PC: no steps), a number N (``((0.0, N),)``) or a
    schedule of ``[from_s, N]`` pairs, each holding until the next.
    """
    if not setting:
        return ()
    if isinstance(setting, (int, float)):
        return ((0.0, setting),)
    return tuple(sorted((float(t), n) for t, n in setting))


def pc_segments(setting: Any, horizon_s: float, start_s: float = 0.0) -> tuple[tuple[float, float], ...]:
    """``(seconds, concurrency)`` periods of a PC setting (see :func:`pc_schedule`) over ``[start_s, horizon_s]``;
    the last step holds until ``horizon_s``; steps outside the window and zero levels drop out.
    """
    steps = [(t, float(n)) for t, n in pc_schedule(setting)]
    out = []
    for k, (t, n) in enumerate(steps):
        end = min(steps[k + 1][0] if k + 1 < len(steps) else horizon_s, horizon_s)
        if n > 0 and end > max(t, start_s):
            out.append((end - max(t, start_s, 0.0), n))
    return tuple(out)


def pc_configured_s(segments: Iterable[tuple[float, float]], catalogue: Catalogue) -> float:
    """Concurrency-seconds billed for PC: each configured period rounded up to 5 minutes."""
    step = catalogue["lambda.pc_rounding_s"]
    return float(sum(math.ceil(round(s, 9) / step) * step * n for s, n in segments))  # round to 1 ns first


# --- usage --------------------------------------------------------------------------
@dataclass(frozen=True)
class FunctionUsage:
    """What one function used over a period, as billing needs it.

    ``requests`` and ``billed_ms`` are on-demand invocations (including
    spill-over beyond provisioned concurrency) and their summed per-invocation
    billed time; ``pc_requests`` and ``pc_billed_ms`` ran on PC instances;
    ``pc_segments`` are ``(seconds, concurrency)`` periods with PC configured.
    """

    memory_mb: float
    requests: float = 0.0
    billed_ms: float = 0.0
    pc_requests: float = 0.0
    pc_billed_ms: float = 0.0
    pc_segments: tuple[tuple[float, float], ...] = ()
    arch: str = "x86_64"
    ephemeral_storage_mb: float = 512.0

    def __post_init__(self):
        if self.arch not in ARCHS:
            raise ValueError(f"arch must be one of {', '.join(ARCHS)}. Got {self.arch!r} instead.")
        for name in ("memory_mb", "requests", "billed_ms", "pc_requests", "pc_billed_ms", "ephemeral_storage_mb"):
            v = getattr(self, name)
            if not (v >= 0 and math.isfinite(v)):
                raise ValueError(f"FunctionUsage.{name} must be a finite number >= 0. Got {v!r} instead.")

    @property
    def gb(self) -> float:
        return self.memory_mb / 1024.0

    def scaled(self, k: float) -> "FunctionUsage":
        """The same usage pattern over a period ``k`` times as long."""
        return replace(self, requests=self.requests * k, billed_ms=self.billed_ms * k,
                       pc_requests=self.pc_requests * k, pc_billed_ms=self.pc_billed_ms * k,
                       pc_segments=tuple((s * k, n) for s, n in self.pc_segments))

    @classmethod
    def from_mean(cls, memory_mb: float, requests: float, duration_ms: float, catalogue: Catalogue, *,
                  arch: str = "x86_64", ephemeral_storage_mb: float = 512.0, pc_concurrency: float = 0.0,
                  pc_hours: float = 0.0, cold_starts: float = 0.0, init_ms: float = 0.0, package_type: str = "zip",
                  runtime: str = "managed") -> "FunctionUsage":
        """Usage of ``requests`` invocations of ``duration_ms`` each (a calculator's input).

        With PC configured (``pc_concurrency`` for ``pc_hours``), requests are
        assumed to arrive while it is configured: PC serves up to its capacity
        (concurrency x seconds / billed duration), the rest spills over to
        on-demand. ``cold_starts`` on-demand invocations add ``init_ms`` where
        INIT is billed.
        """
        fn = _Fn(package_type, runtime)
        per = float(billed_ms(duration_ms / 1000.0, catalogue["lambda.billing_granularity_ms"]))
        segs = ((pc_hours * 3600.0, pc_concurrency),) if pc_concurrency > 0 and pc_hours > 0 else ()
        capacity = pc_concurrency * pc_hours * 3600e3 / per if segs and per > 0 else (math.inf if segs else 0.0)
        on_pc = min(requests, capacity)
        od = requests - on_pc
        cold = min(cold_starts, od)
        extra = 0.0
        if cold > 0 and init_billed(fn, catalogue):
            extra = cold * (float(invocation_billed_ms(duration_ms / 1000.0, init_ms / 1000.0, True, catalogue)) - per)
        return cls(memory_mb, od, od * per + extra, on_pc, on_pc * per, segs, arch, ephemeral_storage_mb)


@dataclass(frozen=True)
class _Fn:
    package_type: str
    runtime: str


# --- the Lambda bill ------------------------------------------------------------------
_KEYS = {
    "x86_64": {"rate": "lambda.duration_gb_s_usd", "tiers": ("lambda.tier1_gb_s", "lambda.tier2_gb_s"),
               "tier_rates": ("lambda.duration_tier2_gb_s_usd", "lambda.duration_tier3_gb_s_usd"),
               "pc": "lambda.pc_gb_s_usd", "pc_duration": "lambda.pc_duration_gb_s_usd"},
    "arm64": {"rate": "lambda.duration_arm_gb_s_usd", "tiers": ("lambda.arm_tier1_gb_s", "lambda.arm_tier2_gb_s"),
              "tier_rates": ("lambda.duration_arm_tier2_gb_s_usd", "lambda.duration_arm_tier3_gb_s_usd"),
              "pc": "lambda.pc_arm_gb_s_usd", "pc_duration": "lambda.pc_duration_arm_gb_s_usd"},
}


def rate_key(arch: str, kind: str) -> str:
    """The catalogue key of an architecture's first-tier rate: ``kind`` is ``rate`` (on-demand duration),
    ``pc`` (concurrency configured) or ``pc_duration`` (duration on PC)."""
    return _KEYS[arch][kind]


def _tiers(gb_s: float, arch: str, cat: Catalogue, share: float) -> list[tuple[str, float, float]]:
    """Split one architecture's on-demand GB-s into (label, GB-s, rate) by the month's volume tiers."""
    k = _KEYS[arch]
    if k["tiers"][0] not in cat:  # before tiered pricing (2022-08)
        return [(f"duration {arch}", gb_s, cat[k["rate"]])]
    l1, l2 = (cat[t] * share for t in k["tiers"])
    parts = [(f"duration {arch}", min(gb_s, l1), cat[k["rate"]]),
             (f"duration {arch} tier 2 (above {cat[k['tiers'][0]]:,.0f} GB-s/month)", min(max(gb_s - l1, 0.0), l2 - l1),
              cat[k["tier_rates"][0]]),
             (f"duration {arch} tier 3 (above {cat[k['tiers'][1]]:,.0f} GB-s/month)", max(gb_s - l2, 0.0),
              cat[k["tier_rates"][1]])]
    return [parts[0]] + [p for p in parts[1:] if p[1] > 0]


def _options(cat: Catalogue, free_tier: bool | None, savings_plan: float | None) -> tuple[bool, float]:
    spec = cat.spec
    ft = free_tier if free_tier is not None else (spec.free_tier if spec is not None else False)
    sp = savings_plan if savings_plan is not None else (spec.savings_plan if spec is not None else 0.0)
    check_discount("savings_plan", "savings_plan", sp, cat)
    return bool(ft), float(sp)


def lambda_line_items(usages: Iterable[FunctionUsage], catalogue: Catalogue, *, period_s: float = MONTH_S,
                      free_tier: bool | None = None, savings_plan: float | None = None,
                      period: str = "month") -> pd.DataFrame:
    """:func:`lambda_rows` as a frame."""
    return line_items_frame(lambda_rows(usages, catalogue, period_s=period_s, free_tier=free_tier,
                                        savings_plan=savings_plan, period=period))


def lambda_rows(usages: Iterable[FunctionUsage], catalogue: Catalogue, *, period_s: float = MONTH_S,
                free_tier: bool | None = None, savings_plan: float | None = None, period: str = "month") -> list[tuple]:
    """Lambda charges of all functions of one account over ``period_s`` seconds, as rows in ``COLUMNS`` order.

    Requests; on-demand duration by architecture and volume tier; the free
    tier (requests and GB-s of on-demand invocations; x86_64 first; never
    provisioned concurrency); PC configured (rounded up to 5 minutes per
    period) and duration on PC; ephemeral storage above the free amount; a
    Compute Savings Plan discount on duration and PC. ``free_tier`` and
    ``savings_plan`` default to the catalogue's pricing options.
    """
    cat, usages = catalogue, list(usages)
    free, sp = _options(cat, free_tier, savings_plan)
    share = period_s / MONTH_S
    rows: list[tuple] = []

    def add(item, qty, unit, rate, charge):
        if qty != 0:
            rows.append(("lambda", item, float(qty), unit, float(rate), float(qty * rate), charge, period))

    req_rate = cat["lambda.request_per_million_usd"] / 1e6
    od_req = sum(u.requests for u in usages)
    add("requests", od_req + sum(u.pc_requests for u in usages), "requests", req_rate, "requests")
    if free:
        add("requests free tier", -min(od_req, cat["lambda.free_tier_requests"] * share), "requests", req_rate, "requests")
    free_gb_s = cat["lambda.free_tier_gb_s"] * share if free else 0.0
    for arch in ARCHS:
        mine = [u for u in usages if u.arch == arch]
        gb_s = sum(u.gb * u.billed_ms / 1000.0 for u in mine)
        if gb_s > 0:
            tiers = _tiers(gb_s, arch, cat, share)
            for label, q, rate in tiers:
                add(label, q, "GB-s", rate, "compute")
            if free_gb_s > 0 and gb_s > 0:
                covered = min(free_gb_s, tiers[0][1])
                add(f"duration free tier ({arch})", -covered, "GB-s", tiers[0][2], "compute")
                free_gb_s -= covered
        pc = [u for u in mine if u.pc_segments or u.pc_billed_ms or u.pc_requests]
        if pc:
            k = _KEYS[arch]
            add(f"provisioned concurrency {arch}", sum(u.gb * pc_configured_s(u.pc_segments, cat) for u in pc), "GB-s",
                cat[k["pc"]], "provisioned")
            add(f"duration on provisioned concurrency {arch}", sum(u.gb * u.pc_billed_ms / 1000.0 for u in pc), "GB-s",
                cat[k["pc_duration"]], "compute")
    free_eph = cat["lambda.ephemeral_free_mb"]
    eph = sum(max(u.ephemeral_storage_mb - free_eph, 0.0) / 1024.0 * (u.billed_ms + u.pc_billed_ms) / 1000.0
              for u in usages)
    if eph > 0:
        add("ephemeral storage", eph, "GB-s", cat["lambda.ephemeral_gb_s_usd"], "ephemeral")
    if sp > 0:
        covered = sum(r[5] for r in rows if r[6] in ("compute", "provisioned"))
        add("compute savings plan", covered, "USD covered", -sp, "discount")
    return rows


def line_items_frame(rows: list[tuple]) -> pd.DataFrame:
    """The one builder of a bill's frame: rows of (platform, item, quantity, unit, rate_usd, amount_usd, charge, period)."""
    import pandas as pd
    return pd.DataFrame(rows, columns=COLUMNS).astype(
        {"quantity": float, "rate_usd": float, "amount_usd": float})


def tiered(quantity: float, first_rate: float, limits: Iterable[float], rates: Iterable[float],
           share: float = 1.0) -> list[tuple[int, float, float]]:
    """Split a monthly ``quantity`` by volume tiers: ``[(tier number, quantity, rate), ...]`` (empty tiers left out).

    ``limits`` are the cumulative monthly upper bounds of tiers 1, 2, ...; ``rates``
    the prices of tiers 2, 3, ...; both lists equally long. ``share`` prorates the
    limits to a period of ``share`` months.
    """
    bounds, prices = [l * share for l in limits], [first_rate, *rates]
    out, lo = [], 0.0
    for k, rate in enumerate(prices):
        hi = bounds[k] if k < len(bounds) else math.inf
        q = min(max(quantity - lo, 0.0), hi - lo)
        if q > 0 or k == 0:
            out.append((k + 1, q, rate))
        lo = hi
    return out


# --- the EC2 bill -------------------------------------------------------------------
def ec2_billed_s(lifetimes_s: np.ndarray | float, catalogue: Catalogue) -> np.ndarray | float:
    """Billed seconds per instance run: per hour rounded up before 2017-10-02, per second (60 s minimum) after.

    A number (one run) gives a number."""
    g, least = catalogue["ec2.billing_granularity_s"], catalogue["ec2.minimum_billed_s"]
    if _number(lifetimes_s):
        if not (math.isfinite(lifetimes_s) and lifetimes_s >= 0):
            raise ValueError("lifetimes_s must be finite and >= 0 (terminate - launch, in s).")
        return float(max(math.ceil(_rounded(float(lifetimes_s), 1e9) / g) * g, least))
    import numpy as np

    t = np.asarray(lifetimes_s, dtype=float)
    if t.size and not (np.all(np.isfinite(t)) and t.min() >= 0):
        raise ValueError("lifetimes_s must be finite and >= 0 (terminate - launch, in s).")
    return np.maximum(np.ceil(np.round(t, 9) / g) * g, least)  # round to 1 ns first, then whole units


def ec2_line_items(lifetimes_s: np.ndarray, instance_type: str, catalogue: Catalogue, *,
                   purchase: str | None = None, discount: float | None = None, alb_s: float | None = None,
                   alb_lcu: float = 1.0, scale: float = 1.0, period: str = "horizon") -> pd.DataFrame:
    """EC2 charges of instances of one type, one row of ``lifetimes_s`` per instance run.

    ``purchase`` (``on_demand``, ``spot``, ``reserved``) and ``discount`` (a
    fraction off on-demand) default to the catalogue's pricing options.
    ``alb_s``: seconds an application load balancer ran (None = no ALB),
    billed per started hour plus ``alb_lcu`` LCUs on average. ``scale``
    multiplies the billed usage (e.g. 30 days / horizon for a monthly
    projection; instance runs are rounded before scaling).
    """
    return line_items_frame(ec2_rows(float(ec2_billed_s(lifetimes_s, catalogue).sum()), instance_type, catalogue,
                                     purchase=purchase, discount=discount, alb_s=alb_s, alb_lcu=alb_lcu, scale=scale,
                                     period=period))


def ec2_rows(billed_s: float, instance_type: str, catalogue: Catalogue, *, purchase: str | None = None,
             discount: float | None = None, alb_s: float | None = None, alb_lcu: float = 1.0, scale: float = 1.0,
             period: str = "horizon") -> list[tuple]:
    """:func:`ec2_line_items` as rows, from the instances' summed billed seconds (see :func:`ec2_billed_s`)."""
    cat, spec = catalogue, instance_spec(instance_type, catalogue)
    purchase = purchase or (cat.spec.ec2_purchase if cat.spec is not None else "on_demand")
    discount = discount if discount is not None else (cat.spec.ec2_discount if cat.spec is not None else 0.0)
    if purchase not in ("on_demand", "spot", "reserved"):
        raise ValueError(f"purchase must be on_demand, spot or reserved. Got {purchase!r} instead.")
    check_discount("discount", purchase, discount, cat, required=True)
    rows: list[tuple] = []
    hours = billed_s / 3600.0 * scale
    rows.append(("ec2", f"{instance_type} on-demand", hours, "instance-hours", spec.hour_usd, hours * spec.hour_usd,
                 "instances", period))
    if purchase != "on_demand":
        covered = hours * spec.hour_usd
        rows.append(("ec2", f"{purchase} discount", covered, "USD covered", -discount, -discount * covered,
                     "discount", period))
    if alb_s is not None:
        rows += alb_rows(alb_s, alb_lcu, cat, platform="ec2", scale=scale, period=period)
    return rows


def ec2_spot_rows(billed_s: float, instance_type: str, catalogue: Catalogue, *, discount: float | None = None,
                  scale: float = 1.0, period: str = "horizon") -> list[tuple]:
    """EC2 Spot instances of one type from their summed billed seconds (see :func:`ec2_billed_s`): the
    instance-hours at the on-demand price, less the Spot discount (``discount``, a fraction off on-demand;
    default the catalogue's ``ec2.spot_discount``, at most ``ec2.spot_max_discount``)."""
    cat, spec = catalogue, instance_spec(instance_type, catalogue)
    off = cat["ec2.spot_discount"] if discount is None else discount
    check_discount("ec2.spot.discount", "spot", off, cat, required=True)
    hours = billed_s / 3600.0 * scale
    covered = hours * spec.hour_usd
    return [("ec2", f"{instance_type} Spot", hours, "instance-hours", spec.hour_usd, covered, "instances", period),
            ("ec2", "EC2 Spot discount", covered, "USD covered", -off, -off * covered, "discount", period)]


def alb_line_items(seconds: float, lcu: float, catalogue: Catalogue, *, platform: str, scale: float = 1.0,
                   period: str = "horizon") -> pd.DataFrame:
    """An ALB running ``seconds`` (times ``scale``): started ALB-hours and LCU-hours at ``lcu`` on average."""
    return line_items_frame(alb_rows(seconds, lcu, catalogue, platform=platform, scale=scale, period=period))


def alb_rows(seconds: float, lcu: float, catalogue: Catalogue, *, platform: str, scale: float = 1.0,
             period: str = "horizon") -> list[tuple]:
    """:func:`alb_line_items` as rows."""
    cat = catalogue
    hours = float(math.ceil(round(seconds * scale, 9) / 3600.0))
    return [
        (platform, "application load balancer", hours, "ALB-hours", cat["alb.hour_usd"], hours * cat["alb.hour_usd"],
         "load_balancer", period),
        (platform, "load balancer capacity units", hours * lcu, "LCU-hours", cat["alb.lcu_hour_usd"],
         hours * lcu * cat["alb.lcu_hour_usd"], "load_balancer", period)]


# --- SnapStart ---------------------------------------------------------------------
#: The dated entry that says SnapStart exists (and is priced) for a runtime on the catalogue's date.
SNAPSTART_KEY = {"java": "lambda.snapstart_java_from", "python": "lambda.snapstart_restore_gb_usd",
                 "dotnet": "lambda.snapstart_restore_gb_usd"}


def snapstart_line_items(memory_mb: float, seconds: float, restores: float, runtime: str, catalogue: Catalogue, *,
                         period: str = "horizon") -> pd.DataFrame:
    """SnapStart's own charges: for ``python`` and ``dotnet`` a cache (memory GB x seconds active, at least 3 h)
    and a restore charge per GB restored; none for ``java``. The restore time itself runs where INIT did."""
    if runtime not in ("java", "python", "dotnet"):
        raise ValueError(f"runtime must be java, python or dotnet. Got {runtime!r} instead.")
    cat, gb = catalogue, memory_mb / 1024.0
    cat[SNAPSTART_KEY[runtime]]  # dated: a clear error before SnapStart existed for this runtime
    if runtime == "java":
        return line_items_frame([])
    cached = max(seconds, cat["lambda.snapstart_cache_min_s"]) * gb
    return line_items_frame([
        ("lambda", "SnapStart cache", cached, "GB-s", cat["lambda.snapstart_cache_gb_s_usd"],
         cached * cat["lambda.snapstart_cache_gb_s_usd"], "compute", period),
        ("lambda", "SnapStart restores", restores * gb, "GB restored", cat["lambda.snapstart_restore_gb_usd"],
         restores * gb * cat["lambda.snapstart_restore_gb_usd"], "compute", period)])


# --- summaries ----------------------------------------------------------------------
def totals(items: pd.DataFrame | list[tuple]) -> dict[str, float]:
    """``<charge>_usd`` for every kind of charge, and ``total_usd``, of a bill's frame or its rows.

    Rows and frames give the same floats, those pandas gives for the frame: each charge a compensated
    (Kahan) sum, as a pandas group sum is; the total a pairwise sum, as numpy's is.
    """
    if isinstance(items, list):
        pairs = [(r[6], float(r[5])) for r in items]
    else:
        charges = items["charge"].tolist() if "charge" in items else [""] * len(items)
        pairs = list(zip(charges, items["amount_usd"].astype(float).tolist()))
    out = {f"{c}_usd": _compensated([a for k, a in pairs if k == c]) for c in CHARGES}
    out["total_usd"] = _pairwise([a for _, a in pairs])
    return out


def _compensated(xs: list[float]) -> float:
    """Kahan's compensated sum, in order (pandas' group sum)."""
    total = carry = 0.0
    for x in xs:
        y = x - carry
        t = total + y
        carry = (t - total) - y
        total = t
    return total


def _pairwise(xs: list[float]) -> float:
    """numpy's pairwise sum of a float64 vector: eight running sums in blocks of at most 128, halves above."""
    n = len(xs)
    if n < 8:
        total = 0.0
        for x in xs:
            total += x
        return total
    if n <= 128:
        r = xs[:8]
        whole = n - n % 8
        for i in range(8, whole, 8):
            for j in range(8):
                r[j] += xs[i + j]
        total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for x in xs[whole:]:
            total += x
        return total
    half = n // 2
    half -= half % 8
    return _pairwise(xs[:half]) + _pairwise(xs[half:])


def compute_share(items: pd.DataFrame) -> float:
    """The share of the total paid for compute itself (``COMPUTE_CHARGES``); NaN for an empty or zero bill."""
    total = float(items["amount_usd"].sum()) if len(items) else 0.0
    if total == 0:
        return float("nan")
    return float(items.loc[items["charge"].isin(COMPUTE_CHARGES), "amount_usd"].sum()) / total


def billed_to_used_ratio(mean_s: np.ndarray | float, granularity_ms: float, shape: str = "exponential") -> np.ndarray:
    """Expected billed / used duration when each run is rounded up to ``granularity_ms``.

    ``shape="exponential"``: durations exponential with mean ``mean_s``, where
    E[ceil(X/g)] = 1 / (1 - exp(-g/mean)); ``"constant"``: every run lasts ``mean_s``.
    """
    import numpy as np

    m = np.asarray(mean_s, dtype=float)
    g = granularity_ms / 1000.0
    if shape == "exponential":
        return g / (m * -np.expm1(-g / m))
    if shape == "constant":
        return billed_ms(m, granularity_ms) / 1000.0 / m
    raise ValueError(f"shape must be 'exponential' or 'constant'. Got {shape!r} instead.")
