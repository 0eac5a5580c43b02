"""``lambdasim sweep SWEEP.yaml --out DIR``: run a sweep file, resumably.

Exit status 0 when every run succeeded, 1 when some runs failed (their rows
hold the error), 2 for bad input (sweep file, scenario, a folder holding a
different sweep).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from lambdasim.errors import SweepError


def add_parser(sub) -> None:
    p = sub.add_parser("sweep", help="run a sweep file (factors × replications) into a results folder",
                       description="Run every (variant, replication) of a sweep file and write rows into "
                                   "the results folder as they complete. Re-running with the same --out "
                                   "computes only the missing runs. See docs/sweeps.md.")
    p.add_argument("sweep_file", metavar="SWEEP.yaml", help="sweep definition (base, factors, replications, seed)")
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="results folder (created or resumed)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N", default=None,
                       help="run on N local processes (default: serially in this process)")
    where.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="run on a Dask cluster, e.g. tcp://127.0.0.1:8786")
    p.add_argument("--replications", type=int, metavar="R", default=None,
                   help="override the file's replications (more adds runs to an existing folder)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--max-runs", type=int, metavar="N", default=None,
                   help="refuse a sweep of more than N runs, variants x replications (default 10,000)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lambdasim.sweeps.driver import sweep
    from lambdasim.sweeps.spec import SweepSpec

    spec = SweepSpec.from_file(args.sweep_file)
    if args.replications is not None:
        if args.replications < 1:
            raise SweepError(f"--replications must be an int >= 1. Got {args.replications} instead.")
        spec = spec.model_copy(update={"replications": args.replications})
    if args.workers is not None and args.workers < 1:
        raise SweepError(f"--workers must be an int >= 1. Got {args.workers} instead.")
    executor = args.scheduler or ("processes" if args.workers else "serial")
    df = sweep(spec, executor=executor, workers=args.workers, out=args.out, progress=not args.no_progress,
               max_runs=args.max_runs)
    failed = int(df.attrs.get("failed", 0))
    print(f"{spec.name}: {len(df)} runs ({df['variant'].nunique() if len(df) else 0} variants × "
          f"{spec.replications} replications), {failed} failed; results in {args.out}")
    if failed:
        for err, n in df.loc[df["status"] == "failed", "error"].value_counts().head(5).items():
            print(f"  {n} × {err}")
    if len(df) and (df["status"] == "ok").any():
        _closing_table(df, args.out, spec)
    return 1 if failed else 0


def _closing_table(df, out: Path, spec) -> None:
    """Print mean [95 % interval] per variant for the headline metrics; write summary.csv and runs.csv."""
    from lambdasim.sweeps.summary import monthly_note, summarize, summary_table

    summary = summarize(df)
    table = summary_table(summary)
    print()
    print("mean [95 % interval] over the replications (rates: pooled, Wilson interval on the pooled counts)")
    print(table.to_string(index=False))
    if "monthly_cost_usd" in df:
        print(monthly_note(spec.resolved_base(), spec.factors.paths()))
    summary.to_csv(out / "summary.csv", index=False)
    df.to_csv(out / "runs.csv", index=False)
    print(f"\nwrote {out / 'summary.csv'} (per variant and metric) and {out / 'runs.csv'} (one row per run)")
