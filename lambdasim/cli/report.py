"""``lambdasim report SCENARIO --out report.html``: the decision document of one scenario.

Compares Lambda with the EC2 options on the same arrivals
(:mod:`lambdasim.report.document`) and writes one self-contained HTML file:
the one-sentence answer, monthly cost per option, the SLO check, the
capacity and price assumptions, the bill by line item, latency and
cold-start figures, and the scenario as YAML. The scenario is validated
first, so bad input fails fast with one message.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from lambdasim.comparison.compare import STRATEGIES
from lambdasim.errors import ScenarioError
from .common import add_scenario_args, load_scenario, parse_sets, progress


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="write the decision document (HTML) of a scenario: Lambda or EC2?",
                       description="Simulate a scenario on Lambda and on EC2 options (the scenario's fleet, the "
                                   "smallest fleet meeting the SLO, autoscaling) and write one HTML page: the "
                                   "answer, monthly costs, the SLO check, assumptions, the bill and figures.")
    add_scenario_args(p)
    p.add_argument("--out", required=True, type=Path, metavar="FILE.html", help="HTML file to write")
    p.add_argument("--horizon-s", type=float, default=None, metavar="S", help="replace the scenario's horizon")
    p.add_argument("--replications", type=int, default=3, metavar="R", help="replications per option (default 3)")
    p.add_argument("--slo", action="append", default=[], metavar="METRIC=BOUND",
                   help="an SLO bound, e.g. latency_p99_s=0.5 (default: Lambda's p99 + 10 %%)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lambdasim.report.document import build, render

    sc = load_scenario(args)  # fail fast, with one message, on a bad scenario or --set
    if args.horizon_s is not None:
        sc = sc.with_overrides({"horizon_s": args.horizon_s}, source=f"{args.scenario} with --horizon-s")
    if args.replications < 1:
        raise ScenarioError(f"--replications must be an int >= 1. Got {args.replications} instead.")
    slo = parse_sets(args.slo) or None
    source = _relative(Path(args.scenario))
    with progress(None, f"report on {sc.name}", enabled=not args.no_progress, unit="simulations") as bar:
        try:
            context = build(sc, source=source, replications=args.replications, slo=slo, strategies=STRATEGIES,
                            tick=bar.update)
        except ValueError as exc:  # a bad --slo metric
            if isinstance(exc, ScenarioError):
                raise
            raise ScenarioError(str(exc)) from None
    html = render(context)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_name(f".{args.out.name}.{os.getpid()}.tmp")
    tmp_out.write_text(html, encoding="utf-8")
    os.replace(tmp_out, args.out)
    print(context["answer"])
    print(f"wrote {_relative(args.out)}")
    return 0


def _relative(path: Path) -> str:
    """The path relative to the working directory when it is below it, else the file's name alone."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return path.name
