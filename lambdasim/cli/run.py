"""``lambdasim run FILE``: simulate one scenario and print its summary."""
from __future__ import annotations

import argparse
from pathlib import Path

from lambdasim.errors import LambdasimError

from lambdasim.simulation import PLATFORMS, simulate
from .common import add_scenario_args, format_table, load_scenario, print_json, progress

#: Event-source counts shown only when they happened (zeros for plain synchronous calls).
QUIET_WHEN_ZERO = {"pc_invocations", "to_destination", "dropped_age", "dlq", "queued_at_end", "events_in_flight",
                   "internal_throttles", "duplicates", "event_age_max_s", "iterator_age_max_s",
                   "queue_delay_p50_s", "queue_delay_p99_s", "failed", "in_flight", "throttled",
                   "events_failed", "events_throttled"}


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="simulate one scenario and print its summary",
                       description="Simulate one scenario on one platform and print a summary table "
                                   "(or JSON of the summary with --json).")
    add_scenario_args(p)
    p.add_argument("--platform", choices=PLATFORMS, default="lambda", help="platform to simulate (default lambda)")
    p.add_argument("--horizon-s", type=float, default=None, metavar="S", help="replace the scenario's horizon")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--plots", metavar="DIR", type=Path, default=None,
                   help="also write plots (PNG) of the run into DIR")
    p.add_argument("--max-arrivals", type=float, metavar="N", default=None,
                   help="refuse a run expected to simulate more arrivals than N (default 200,000,000)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    sc = load_scenario(args)
    if args.plots is not None and args.plots.exists() and not args.plots.is_dir():
        raise LambdasimError(f"--plots must name a folder; {str(args.plots)!r} is a file.")
    if args.horizon_s is not None:
        sc = sc.with_overrides({"horizon_s": args.horizon_s}, source=f"{args.scenario} with --horizon-s")
    steps = 2 + (args.plots is not None)
    with progress(steps, f"{sc.name} on {args.platform}", enabled=not (args.no_progress or args.json)) as bar:
        bar.set_postfix_str("simulating")
        result = simulate(sc, platform=args.platform, max_arrivals=args.max_arrivals)
        bar.update()
        bar.set_postfix_str("billing")
        summary = result.summary
        bar.update()
        paths = []
        if args.plots is not None:
            from lambdasim.viz.runs import save_run_plots

            bar.set_postfix_str("plotting")
            paths = save_run_plots(result, args.plots)
            bar.update()
    if args.json:
        print_json(summary)
    else:
        rows = [(k, v) for k, v in summary.items() if not (k in QUIET_WHEN_ZERO and not v)]
        if summary.get("events") == summary["invocations"] and summary.get("events_completed") == summary["completed"]:
            rows = [(k, v) for k, v in rows if not k.startswith("events")]  # only synchronous calls: events = requests
        print(format_table(rows, f"{sc.name} on {'Lambda' if args.platform == 'lambda' else 'EC2'}: "
                                 f"{sc.horizon_s:,.0f} s simulated, prices of {sc.pricing.date}"))
    for path in paths:
        print(f"wrote {path}")
    return 0
