"""``lambdasim bill lambda|ec2``: a calculator for a month of aggregate usage.

Examples (AWS's own pricing-page examples)::

    lambdasim bill lambda --memory-mb 512 --requests 3000000 --duration-ms 1000 --as-of 2015-06-01
    lambdasim bill lambda --memory-mb 1024 --provisioned-concurrency 1000 --provisioned-hours 2 \\
        --requests 1200000 --duration-ms 1000 --json
    lambdasim bill ec2 --instance-type m5.large --instances 2 --hours 720 --json

A plain-row path: the bill is made as rows (``billing.rules.lambda_rows``,
``ec2_rows``) from a catalogue read without pydantic, so the calculator loads
neither pandas, numpy nor any configuration model (a test in
``tests/architecture`` checks; ``benchmarks/bench_startup.py`` times it).
"""
from __future__ import annotations

import argparse
import datetime as dt
import math

from lambdasim.billing.catalogue import MONTH_S, Catalogue, check_discount, load_catalogue, presets
from lambdasim.billing.rules import (COLUMNS, FunctionUsage, ec2_billed_s, ec2_rows, lambda_rows, totals,
                                     unpriced)
from lambdasim.errors import CatalogueError
from .common import format_value, print_json

MAX_INSTANCES = 1_000_000  # one array entry per instance


def add_parser(sub) -> None:
    p = sub.add_parser("bill", help="price a month of Lambda or EC2 usage (a calculator)",
                       description="Bill aggregate usage with the dated price catalogue (data/pricing). "
                                   "Prints line items and totals for one month (or --json).")
    kinds = p.add_subparsers(dest="platform", metavar="PLATFORM", required=True)
    lam = kinds.add_parser("lambda", help="requests, duration, provisioned concurrency, INIT, /tmp storage")
    _common(lam)
    lam.add_argument("--memory-mb", type=int, required=True, help="function memory in MB (128-10240)")
    lam.add_argument("--requests", type=float, required=True, help="invocations in the month")
    lam.add_argument("--duration-ms", type=float, required=True, help="run time of each invocation in ms")
    lam.add_argument("--arch", choices=["x86_64", "arm64"], default="x86_64", help="architecture (default x86_64)")
    lam.add_argument("--free-tier", action=argparse.BooleanOptionalAction, default=True,
                     help="subtract the monthly free tier (default on; never applies to provisioned concurrency)")
    lam.add_argument("--provisioned-concurrency", type=float, default=0.0, metavar="N",
                     help="provisioned concurrency configured (requests run on it up to its capacity, the rest spill over)")
    lam.add_argument("--provisioned-hours", type=float, default=0.0, metavar="H",
                     help="hours that provisioned concurrency is configured in the month")
    lam.add_argument("--cold-starts", type=float, default=0.0, metavar="N", help="on-demand cold starts in the month")
    lam.add_argument("--init-ms", type=float, default=0.0, help="INIT time of each cold start in ms")
    lam.add_argument("--package-type", choices=["zip", "image"], default="zip")
    lam.add_argument("--runtime", choices=["managed", "custom"], default="managed")
    lam.add_argument("--ephemeral-storage-mb", type=int, default=512, help="/tmp size in MB (512-10240)")
    lam.add_argument("--savings-plan", type=float, default=0.0, metavar="FRACTION",
                     help="Compute Savings Plan discount on duration and PC (at most 0.17)")
    lam.set_defaults(func=run_lambda)
    ec2 = kinds.add_parser("ec2", help="instance-hours, spot / reserved discounts, application load balancer")
    _common(ec2)
    ec2.add_argument("--instance-type", required=True, help="e.g. m5.large (see data/pricing/ec2.yaml)")
    ec2.add_argument("--instances", type=int, default=1, help="number of instances (default 1)")
    ec2.add_argument("--hours", type=float, default=720.0, help="hours each instance runs (default 720 = 30 days)")
    ec2.add_argument("--purchase", choices=["on_demand", "spot", "reserved"], default="on_demand")
    ec2.add_argument("--discount", type=float, default=0.0, metavar="FRACTION",
                     help="fraction off on-demand for --purchase spot or reserved")
    ec2.add_argument("--alb-lcu", type=float, default=None, metavar="LCU",
                     help="add an application load balancer running all along, with this many LCUs on average")
    ec2.set_defaults(func=run_ec2)


def _common(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--preset", default=None, help=f"price catalogue preset ({', '.join(presets())}; default aws-latest)")
    g.add_argument("--as-of", default=None, metavar="YYYY-MM-DD", help="use the prices and rules in force on this date")
    p.add_argument("--json", action="store_true", help="print totals and line items as JSON")


def _catalogue(args) -> Catalogue:
    """The catalogue of --as-of or --preset (no overrides; the bill's options are passed to the rules)."""
    if args.as_of is not None:
        try:
            day = dt.date.fromisoformat(args.as_of)
        except ValueError:
            raise CatalogueError(f"--as-of must be a date YYYY-MM-DD. Got {args.as_of!r} instead.") from None
        return load_catalogue(day)
    preset = args.preset or "aws-latest"
    if preset not in presets():
        raise CatalogueError(f"--preset must be one of {', '.join(presets())}. Got {preset!r} instead.")
    return load_catalogue(preset)


def _check(name: str, value: float, lo: float, hi: float | None = None) -> None:
    if not (math.isfinite(value) and value >= lo and (hi is None or value <= hi)):
        rng = f"[{lo}, {hi}]" if hi is not None else f"[{lo}, inf)"
        raise CatalogueError(f"--{name} must be in {rng}, a finite number. Got {value:g} instead.")


def run_lambda(args: argparse.Namespace) -> int:
    _check("memory-mb", args.memory_mb, 128, 10240)
    _check("ephemeral-storage-mb", args.ephemeral_storage_mb, 512, 10240)
    for name in ("requests", "duration_ms", "provisioned_concurrency", "provisioned_hours", "cold_starts", "init_ms"):
        _check(name.replace("_", "-"), getattr(args, name), 0)
    _check("savings-plan", args.savings_plan, 0, 1)
    cat = _catalogue(args)
    check_discount("--savings-plan", "savings_plan", args.savings_plan, cat)
    fn = argparse.Namespace(name="lambda", arch=args.arch, ephemeral_storage_mb=args.ephemeral_storage_mb,
                            provisioned_concurrency=args.provisioned_concurrency)
    problem = unpriced([fn], cat)
    if problem:
        raise CatalogueError(problem)
    usage = FunctionUsage.from_mean(
        args.memory_mb, args.requests, args.duration_ms, cat, arch=args.arch,
        ephemeral_storage_mb=args.ephemeral_storage_mb, pc_concurrency=args.provisioned_concurrency,
        pc_hours=args.provisioned_hours, cold_starts=args.cold_starts, init_ms=args.init_ms,
        package_type=args.package_type, runtime=args.runtime)
    rows = lambda_rows([usage], cat, period_s=MONTH_S, free_tier=args.free_tier, savings_plan=args.savings_plan,
                       period="month")
    return _print(args, rows, cat)


def run_ec2(args: argparse.Namespace) -> int:
    _check("instances", args.instances, 0, MAX_INSTANCES)
    _check("hours", args.hours, 0)
    if args.alb_lcu is not None:
        _check("alb-lcu", args.alb_lcu, 0)
    _check("discount", args.discount, 0, 1)
    cat = _catalogue(args)
    check_discount("--discount", args.purchase, args.discount, cat, required=True)
    billed_s = args.instances * ec2_billed_s(args.hours * 3600.0, cat)  # every instance runs the same hours
    rows = ec2_rows(billed_s, args.instance_type, cat, purchase=args.purchase, discount=args.discount,
                    period="month", alb_s=args.hours * 3600.0 if args.alb_lcu is not None else None,
                    alb_lcu=args.alb_lcu or 0.0)
    return _print(args, rows, cat)


def _print(args, rows: list[tuple], cat: Catalogue) -> int:
    items = [dict(zip(COLUMNS, r)) for r in rows]
    out = {**totals(rows), "platform": args.platform, "period": "month", "as_of": str(cat.as_of),
           "free_tier": bool(args.free_tier) if args.platform == "lambda" else None, "line_items": items}
    if args.json:
        print_json(out)
        return 0
    print(f"{args.platform} bill for one month, prices and rules as of {cat.as_of}"
          + (f" (free tier {'on' if args.free_tier else 'off'})" if args.platform == "lambda" else ""))
    width = max([len(r["item"]) for r in items] + [10])
    for r in items:
        print(f"  {r['item']:<{width}}  {format_value(r['quantity']):>16} {r['unit']:<14} x {r['rate_usd']:<14.10g} "
              f"= {r['amount_usd']:>12,.4f} USD")
    print(f"  {'total':<{width}}  {'':>16} {'':<14}   {'':<14}   {out['total_usd']:>12,.2f} USD")
    return 0
