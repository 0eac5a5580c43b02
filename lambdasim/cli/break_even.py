"""``lambdasim break-even FILE --low A --high B``: where Lambda and EC2 cost the same per million requests."""
from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

from lambdasim.errors import ScenarioError
from lambdasim.labels import fmt, label, option_label, path_label
from .common import add_scenario_args, load_scenario, parse_sets, print_json, progress

STRATEGIES = ("configured", "slo", "autoscaled")  # lambdasim.comparison.break_even.EC2_STRATEGIES


def add_parser(sub) -> None:
    p = sub.add_parser("break-even", help="find the request rate (or another field) at which Lambda and EC2 cost the same",
                       description="Bisect, replication by replication, for the value of a scenario field (by "
                                   "default the request rate) at which Lambda and an EC2 option cost the same per "
                                   "million completed requests, and print the cost and p99 curves between --low "
                                   "and --high.")
    add_scenario_args(p)
    p.add_argument("--vary", default="functions.0.workload.rate_per_s", metavar="PATH",
                   help="the field to vary (default functions.0.workload.rate_per_s)")
    p.add_argument("--low", type=float, required=True, help="the lowest value to try")
    p.add_argument("--high", type=float, required=True, help="the highest value to try")
    p.add_argument("--strategy", choices=STRATEGIES, default="configured",
                   help="the EC2 option: the scenario's fleet (configured), the smallest fleet meeting the SLO at "
                        "each value (slo) or target tracking (autoscaled); default configured")
    p.add_argument("--slo", action="append", default=[], metavar="METRIC=BOUND",
                   help="the SLO options must meet to count (and the slo option is sized to), e.g. "
                        "latency_p99_s=0.5 (default: Lambda's p99 + 10 %% at each value)")
    p.add_argument("--replications", type=int, default=3, metavar="R", help="replications (default 3)")
    p.add_argument("--points", type=int, default=7, metavar="N", help="points on the printed curves (default 7)")
    p.add_argument("--horizon-s", type=float, default=None, metavar="S", help="replace the scenario's horizon")
    p.add_argument("--json", action="store_true", help="print the result as JSON (no progress bar)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--plots", metavar="DIR", type=Path, default=None, help="also write the curves (PNG) into DIR")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lambdasim.comparison.break_even import break_even
    from lambdasim.comparison.replication import Runner

    sc = load_scenario(args)
    if args.horizon_s is not None:
        sc = sc.with_overrides({"horizon_s": args.horizon_s}, source=f"{args.scenario} with --horizon-s")
    for flag, v, least in (("--replications", args.replications, 1), ("--points", args.points, 2)):
        if v < least:
            raise ScenarioError(f"{flag} must be an int >= {least}. Got {v} instead.")
    slo = parse_sets(args.slo) or None
    with progress(None, f"break-even of {sc.name}", enabled=not (args.no_progress or args.json),
                  unit="simulations") as bar:
        try:
            be = break_even(sc, args.vary, low=args.low, high=args.high, strategy=args.strategy,
                            replications=args.replications, slo=slo, points=args.points,
                            runner=Runner(args.replications, tick=bar.update))
        except ValueError as exc:  # bad --low/--high, --vary or --slo
            if isinstance(exc, ScenarioError):
                raise
            raise ScenarioError(str(exc)) from None
    if args.json:
        print_json({"scenario": sc.name, "vary": be.vary, "strategy": be.strategy, "value": be.value,
                    "ci95": be.ci95, "per_replication": be.per_replication, "cheaper": be.cheaper,
                    "below": be.below, "above": be.above, "slo": be.slo, "sentence": be.sentence,
                    "curves": be.curves.to_dict(orient="records")})
    else:
        print(format_break_even(be, sc, slo))
    if args.plots is not None:
        print(f"wrote {_plot(be, sc, args.plots, slo)}")
    return 0


def sentence(be) -> str:
    """The answer in one sentence: the break-even and who wins on each side among options meeting the SLO,
    or who wins throughout (:class:`~lambdasim.comparison.break_even.BreakEven` says it)."""
    return be.sentence


def format_break_even(be, sc, slo) -> str:
    c = be.curves
    heads = [path_label(be.vary), "Lambda " + label("cost_per_million_usd", table=True),
             "EC2 " + label("cost_per_million_usd", table=True), "Lambda " + label("latency_p99_s"),
             "EC2 " + label("latency_p99_s"), "EC2 " + label("mean_instances")]
    rows = [[fmt(r["x"]), fmt(r["lambda_cost_per_million_usd"], "usd"),
             fmt(r["ec2_cost_per_million_usd"], "usd", "no fleet meets the SLO"),
             fmt(r["lambda_latency_p99_s"], "seconds"), fmt(r["ec2_latency_p99_s"], "seconds", "no fleet"),
             fmt(r["ec2_mean_instances"], "number", "no fleet")] for _, r in c.iterrows()]
    width = [max(len(x[i]) for x in rows + [heads]) for i in range(len(heads))]
    line = lambda cs: "  ".join(x.rjust(width[i]) for i, x in enumerate(cs))
    title = (f"{sc.name}: Lambda against {option_label('ec2', be.strategy)}, {fmt(sc.horizon_s, 'count')} s per run, "
             f"{len(be.per_replication)} replications (means), prices of {sc.pricing.date}")
    out = [title, "-" * len(title), line(heads), *(line(r) for r in rows), ""]
    if be.strategy == "slo":
        bound = (slo or {}).get("latency_p99_s")
        out.append(f"EC2 sized at each value to the smallest fleet with {label('latency_p99_s')} <= "
                   + (fmt(bound) if bound is not None else "Lambda's p99 + 10 % at that value"))
    out.append(sentence(be))
    return "\n".join(out)


def _plot(be, sc, out_dir: Path, slo) -> Path:
    from lambdasim.viz.comparison import save_break_even_plot

    bound = (slo or {}).get("latency_p99_s")
    first = sentence(be).split(". ")[0].rstrip(".") + "."  # the headline; the whole sentence is printed
    return save_break_even_plot(be, out_dir, sc.name, slo=bound, title=textwrap.fill(first, 120))
