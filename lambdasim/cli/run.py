"""``lambdasim run FILE``: simulate one scenario and print its summary."""
from __future__ import annotations

import argparse
from pathlib import Path

from lambdasim.simulation import PLATFORMS, simulate
from .common import add_scenario_args, format_table, load_scenario, print_json


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="simulate one scenario and print its summary",
                       description="Simulate one scenario on one platform and print a summary table "
                                   "(or JSON of the summary with --json).")
    add_scenario_args(p)
    p.add_argument("--platform", choices=PLATFORMS, default="lambda", help="platform to simulate (default lambda)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--plots", metavar="DIR", type=Path, default=None,
                   help="also write plots (PNG) of the run into DIR")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    sc = load_scenario(args)
    result = simulate(sc, platform=args.platform)
    if args.json:
        print_json(result.summary)
    else:
        print(format_table(list(result.summary.items()),
                           f"{sc.name} on {args.platform} ({sc.horizon_s:,.0f} s, seed {sc.seed}, pricing {sc.pricing.date})"))
    if args.plots is not None:
        from lambdasim.viz.runs import save_run_plots

        for path in save_run_plots(result, args.plots):
            print(f"wrote {path}")
    return 0
