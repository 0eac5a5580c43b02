"""``lambdasim compare FILE``: every platform the scenario enables on the same arrivals, side by side."""
from __future__ import annotations

import argparse
import math
from pathlib import Path

from lambdasim.errors import ScenarioError
from .common import add_scenario_args, load_scenario, parse_sets, print_json, progress

#: The metrics of the table, in order; their labels come from lambdasim.labels (one vocabulary).
ROWS = ["completed", "dropped", "latency_mean_s", "latency_p50_s", "latency_p95_s", "latency_p99_s",
        "queue_wait_mean_s", "cold_start_rate", "mean_instances", "utilization", "cpu_utilization", "queue_at_end",
        "cost_usd", "monthly_cost_usd", "cost_per_million_usd", "cost_ratio"]

COMMITMENT_ROWS = [("commitment_usd_per_h", "commitment ($/h)"), ("commitment_discount", "commitment discount"),
                   ("cost_with_commitment_usd", "cost with commitment ($)"),
                   ("cost_per_million_committed_usd", "cost per million requests, committed ($)")]


def add_parser(sub) -> None:
    p = sub.add_parser("compare", help="compare Lambda, EC2, Fargate, LMI and a hybrid on one scenario",
                       description="Run a scenario on Lambda and on every server platform it enables (EC2, and "
                                   "Fargate, LMI and a hybrid when their section is given; as configured, SLO-sized "
                                   "and autoscaled) with common random numbers and print the metrics side by side, "
                                   "each with the half-width of its 95 % confidence interval.")
    add_scenario_args(p)
    p.add_argument("--replications", type=int, default=3, metavar="R", help="replications per row (default 3)")
    p.add_argument("--sizing-replications", type=int, default=1, metavar="K",
                   help="replications per step of the SLO sizing search (default 1)")
    p.add_argument("--slo", action="append", default=[], metavar="METRIC=BOUND",
                   help="an SLO bound, e.g. latency_p99_s=0.5 (repeatable; default: Lambda's p99 + 10 %%)")
    p.add_argument("--strategies", default="configured,slo,autoscaled",
                   help="server rows, comma-separated among configured, slo, autoscaled (default all)")
    p.add_argument("--platforms", default=None, metavar="LIST",
                   help="platforms to run, comma-separated among lambda, ec2, fargate, lmi, hybrid (default: "
                        "the scenario's platforms, else Lambda, EC2 and every platform whose section is given)")
    p.add_argument("--horizon-s", type=float, default=None, metavar="S", help="replace the scenario's horizon")
    p.add_argument("--commitments", action="store_true",
                   help="also apply the best hourly commitment (Savings Plan / reservation) to the Lambda, "
                        "configured EC2 and configured Fargate rows, at the catalogue's largest published discounts")
    p.add_argument("--commitment-term", choices=("1y", "3y"), default=None,
                   help="with --commitment-payment (or alone, no upfront): apply a Compute Savings Plan of this "
                        "term, each platform's discount from the dated commitment table (implies --commitments)")
    p.add_argument("--commitment-payment", choices=("no_upfront", "partial_upfront", "all_upfront"), default=None,
                   help="the payment option of --commitment-term (alone: a 1-year plan; implies --commitments)")
    p.add_argument("--workers", default="auto", metavar="N",
                   help="processes for the replications: a number, or auto (default: one per core left free "
                        "left free by other work, sampled over a quarter second; 1 on a busy machine)")
    p.add_argument("--break-even", metavar="LOW:HIGH", default=None,
                   help="also search the request rate in [LOW, HIGH] req/s for where the answer flips (EC2 "
                        "SLO-sized at each rate); the answer sentence ends with it")
    p.add_argument("--break-even-horizon-s", type=float, default=3600.0, metavar="S",
                   help="horizon of the runs of the break-even search (default 3600, at most the scenario's)")
    p.add_argument("--json", action="store_true", help="print the rows as JSON (no progress bar)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--plots", metavar="DIR", type=Path, default=None, help="also write plots (PNG) into DIR")
    p.set_defaults(func=run)


def _commitments(args: argparse.Namespace) -> bool | tuple[str, str]:
    """``--commitments`` (largest published discounts) or a term and payment option of the commitment table."""
    if args.commitment_term is None and args.commitment_payment is None:
        return args.commitments
    return (args.commitment_term or "1y", args.commitment_payment or "no_upfront")


def _workers(text: str) -> int | str:
    """``--workers``: "auto" or an int >= 1 (else one clear error)."""
    if text == "auto":
        return text
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise ScenarioError(f"--workers must be an int >= 1 or auto. Got {text!r} instead.")
    return n


def run(args: argparse.Namespace) -> int:
    from lambdasim.comparison.compare import compare
    from lambdasim.comparison.replication import Runner

    sc = load_scenario(args)
    if args.horizon_s is not None:
        sc = sc.with_overrides({"horizon_s": args.horizon_s}, source=f"{args.scenario} with --horizon-s")
    for flag, v in (("--replications", args.replications), ("--sizing-replications", args.sizing_replications)):
        if v < 1:
            raise ScenarioError(f"{flag} must be an int >= 1. Got {v} instead.")
    workers = _workers(args.workers)
    slo = parse_sets(args.slo) or None
    strategies = tuple(s.strip() for s in args.strategies.split(",") if s.strip())
    platforms = None if args.platforms is None else tuple(p.strip() for p in args.platforms.split(",") if p.strip())
    flip = _range(args.break_even) if args.break_even is not None else None
    if not args.break_even_horizon_s > 0:
        raise ScenarioError(f"--break-even-horizon-s must be a number > 0. Got {args.break_even_horizon_s:g} instead.")
    with progress(None, f"comparing {sc.name}", enabled=not (args.no_progress or args.json), unit="simulations") as bar:
        try:
            with Runner(args.replications, workers=workers, tick=bar.update) as runner:
                # the plots' Lambda run (records: busy environments over time) beside the comparison's runs
                lam = runner.submit(sc, "lambda") if args.plots is not None else None
                df = compare(sc, args.replications, slo=slo, strategies=strategies,
                             sizing_replications=args.sizing_replications, runner=runner,
                             commitments=_commitments(args), platforms=platforms, break_even=flip,
                             break_even_horizon_s=min(args.break_even_horizon_s, sc.horizon_s))
                lam = lam() if lam is not None else None
        except ValueError as exc:  # a bad --slo, --strategies, --platforms or --break-even value
            if isinstance(exc, ScenarioError):
                raise
            raise ScenarioError(str(exc)) from None
    if args.json:
        print_json({"scenario": sc.name, "attrs": df.attrs, "rows": df.to_dict(orient="records")})
    else:
        print(format_comparison(df, sc))
    if args.plots is not None:
        _plots(df, sc, args.plots, runner, lam)
    return 0


def month_note(sc) -> str:
    """How the monthly cost was projected, and the warm-up: one line of the assumptions block."""
    w, span = sc.measure_from_s, sc.measured_s
    month = "monthly cost = cost over the measured span x (30 days / span)"
    if span < 86_400:
        month += f": extrapolated from {span:,.0f} s, under a day"
    if w > 0:
        return (f"{month}; warm-up: the first {w:,.0f} s of each run (measure_from_s) are simulated but not "
                "counted in metrics or cost")
    return f"{month}; runs start empty and count from 0 s (no warm-up excluded: measure_from_s = 0)"


def _range(text: str) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in text.split(":"))
    except ValueError:
        raise ScenarioError(f"--break-even must be LOW:HIGH request rates, e.g. 1:100. Got {text!r} instead.") from None
    if not 0 < low < high < math.inf:
        raise ScenarioError(f"--break-even must satisfy 0 < LOW < HIGH. Got {text!r} instead.")
    return low, high


def format_comparison(df, sc) -> str:
    from lambdasim.comparison.compare import option_label
    from lambdasim.comparison.fleets import PLATFORM_LABELS

    heads = [option_label(r) + ("" if r["meets_slo"] else " (fails)") for _, r in df.iterrows()]
    from lambdasim.labels import fmt_metric, label

    rows = [(k, label(k, table=True)) for k in ROWS] + [r for r in COMMITMENT_ROWS if r[0] in df]
    cells = [[label] + [_cell(r, k) for _, r in df.iterrows()] for k, label in rows]
    cells.append(["meets SLO"] + ["yes" if r.meets_slo else "NO" for r in df.itertuples()])
    width = [max(len(c[i]) for c in cells + [[""] + heads]) for i in range(len(heads) + 1)]
    line = lambda cs: "  ".join(c.ljust(width[0]) if i == 0 else c.rjust(width[i]) for i, c in enumerate(cs))
    a = df.attrs
    how = "mean [95 % interval]" if (a.get("replications") or 0) >= 3 else "mean (each replication)"
    names = " vs ".join(PLATFORM_LABELS[p] for p in a.get("platforms", ["lambda", "ec2"]))
    title = (f"{sc.name}: {names}, {sc.horizon_s:,.0f} s, {a.get('replications')} replications "
             f"({how}), pricing {sc.pricing.date}")
    lines = [title, "-" * len(title), line([""] + heads)]
    lines += [line(c) for c in cells]
    lines.append("")
    for r in df.itertuples():
        if r.platform != "lambda":
            lines.append(f"{option_label(df.loc[r.Index])}: {r.config}")
    for r in df.itertuples():
        if not r.meets_slo:
            lines.append(f"{option_label(df.loc[r.Index])} fails: {r.slo_miss}")
    lines += ["", "Assumptions:"]
    for p, text in (a.get("capacities") or {"ec2": a["capacity"]}).items():
        lines.append(f"  capacity per {'instance' if p == 'ec2' else 'task' if p == 'fargate' else 'environment'}: "
                     f"{text}")
    ec2 = sc.ec2
    lines.append(f"  prices of {sc.pricing.date}, EC2 purchase option {sc.pricing.ec2_purchase}; "
                 f"instance boot {ec2.boot_s:g} s + warm-up {ec2.warmup_s:g} s")
    if a.get("slo"):
        given = "given" if a.get("slo_given") else "default: Lambda's p99 + 10 %"
        lines.append("  SLO: " + ", ".join(f"{label(k)} <= {fmt_metric(k, v)}" for k, v in a["slo"].items()) + f" ({given}); an option "
                     "meets it if the means over the replications do and it is stable (nothing dropped, "
                     "utilisation < 0.99, no queue left at the end)")
    lines.append("  " + month_note(sc))
    if a.get("break_even"):
        lines += ["", "Where the answer flips: " + a["break_even"]["sentence"]]
    else:
        lines += ["", "Where the answer flips: not searched; --break-even LOW:HIGH (e.g. 1:100) searches the request "
                      "rate, EC2 SLO-sized at each rate, on runs of --break-even-horizon-s (default 3600 s)."]
    lines += ["", a["verdict"]["sentence"], a["answer"]]
    return "\n".join(lines)


def _cell(r, k) -> str:
    """The mean, then its 95 % interval [lo, hi]; below 3 replications the values themselves."""
    from lambdasim.labels import fmt_metric

    v = r[k]
    if not isinstance(v, float) or not math.isfinite(v):
        return fmt_metric(k, v)
    lo, hi, values = r.get(f"{k}_lo", math.nan), r.get(f"{k}_hi", math.nan), r.get(f"{k}_values", [])
    if isinstance(lo, float) and math.isfinite(lo) and hi > lo:
        return f"{fmt_metric(k, v)} [{fmt_metric(k, float(lo))}, {fmt_metric(k, float(hi))}]"
    if isinstance(values, list) and 1 < len(values) < 3 and max(values) > min(values):
        return fmt_metric(k, v) + " (" + " / ".join(fmt_metric(k, float(x)) for x in values) + ")"
    return fmt_metric(k, v)


def _plots(df, sc, out_dir: Path, runner, lam=None) -> None:
    """The comparison's plots; the EC2 fleets over time are those of the comparison's own runs (replication
    0, the scenario's seed: :meth:`Runner.fleet`), so only Lambda's busy environments need a run with records
    (``lam``, when a worker made it)."""
    from lambdasim.comparison.compare import option_label
    from lambdasim.viz.comparison import save_compare_plots
    from lambdasim.simulation import simulate
    from lambdasim.comparison.sizing import tracking_policy, with_scaling

    results = {"Lambda": lam if lam is not None else simulate(sc, "lambda")}
    for r in df.itertuples():
        if r.platform == "ec2" and r.strategy in ("configured", "autoscaled") and r.replications:
            variant = (sc if r.strategy == "configured"
                       else with_scaling(sc, tracking_policy(sc, df.attrs["slo_target"])))
            results[option_label(df.loc[r.Index])] = runner.fleet(variant, "ec2")
    for path in save_compare_plots(df, results, out_dir, sc.name):
        print(f"wrote {path}")
