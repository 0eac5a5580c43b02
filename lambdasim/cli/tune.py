"""``lambdasim tune FILE --function NAME``: memory x architecture for one function, simulated."""
from __future__ import annotations

import argparse
from pathlib import Path

from lambdasim.errors import ScenarioError
from .common import add_scenario_args, load_scenario, print_json


def add_parser(sub) -> None:
    p = sub.add_parser("tune", help="power-tune one function's memory and architecture (simulated)",
                       description="Run the scenario at each memory size (and architecture) of one function, "
                                   "with its real arrivals and cold starts, and pick a configuration by cost, "
                                   "speed or a balance of both, as AWS Lambda Power Tuning does.")
    add_scenario_args(p)
    p.add_argument("--function", required=True, metavar="NAME", help="the function to tune")
    p.add_argument("--memory", default="128,256,512,1024,1536,1769,2048,3008,4096,6144,8192,10240",
                   help="memory sizes in MB, comma-separated (default: 128 to 10240)")
    p.add_argument("--arch", default="x86_64", help="architectures, comma-separated among x86_64, arm64")
    p.add_argument("--strategy", default="balanced", choices=["cost", "speed", "balanced"])
    p.add_argument("--weight", type=float, default=0.5, help="balanced: weight of cost (1) against speed (0)")
    p.add_argument("--measured", type=Path, default=None, metavar="CSV",
                   help="measured mean durations (columns memory_mb, duration_ms) to fit the CPU/waiting split")
    p.add_argument("--csv", type=Path, default=None, metavar="FILE", help="write the table as CSV")
    p.add_argument("--plot", type=Path, default=None, metavar="PNG", help="write the cost/run-time chart")
    p.add_argument("--json", action="store_true", help="print the table and the choice as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lambdasim.comparison.tune import fitted_overrides, pick, read_measurements, tune
    from lambdasim.work import CpuScaling, Work

    sc = load_scenario(args)
    try:
        memory = [int(m) for m in args.memory.split(",") if m.strip()]
        archs = [a.strip() for a in args.arch.split(",") if a.strip()]
        overrides, fitted = (fitted_overrides(sc, args.function, *read_measurements(args.measured))
                             if args.measured is not None else ({}, None))
        df = tune(sc, args.function, memory, archs, overrides=overrides)
        best = pick(df, args.strategy, args.weight)
    except ValueError as exc:
        if isinstance(exc, ScenarioError):
            raise
        raise ScenarioError(f"lambdasim tune: {exc}") from None
    if args.csv is not None:
        df.to_csv(args.csv, index=False)
    if args.plot is not None:
        from lambdasim.viz.tune import save_tune_plot

        save_tune_plot(df, args.plot, chosen=best)
    if args.json:
        print_json({"function": args.function, "strategy": args.strategy, "weight": args.weight,
                    "fitted_cpu_scaling": fitted.model_dump() if isinstance(fitted, CpuScaling) else None,
                    "fitted_work": fitted.model_dump(mode="json") if isinstance(fitted, Work) else None,
                    "chosen": {k: (v.item() if hasattr(v, "item") else v) for k, v in best.items()},
                    "rows": df.to_dict(orient="records")})
        return 0
    if isinstance(fitted, CpuScaling):
        print(f"fitted cpu_scaling: cpu_bound_fraction {fitted.cpu_bound_fraction:.3f} "
              f"(parallel_fraction {fitted.parallel_fraction}, reference {fitted.reference_memory_mb} MB)")
    elif isinstance(fitted, Work):
        print(f"fitted work: CPU {fitted.cpu.mean * 1000:.1f} ms at one vCPU, waiting {fitted.wait.mean * 1000:.1f} ms "
              f"(parallel_fraction {fitted.parallel_fraction})")
    print(f"{'arch':<8} {'memory (MB)':>11} {'run time mean (ms)':>19} {'p99 latency (s)':>16} "
          f"{'cold-start rate':>15} {'USD per million':>16}")
    for _, r in df.iterrows():
        mark = "  <- " + args.strategy if (r["arch"], r["memory_mb"]) == (best["arch"], best["memory_mb"]) else ""
        print(f"{r['arch']:<8} {r['memory_mb']:>11d} {r['duration_mean_ms']:>19.1f} {r['latency_p99_s']:>16.3f} "
              f"{r['cold_start_rate']:>15.4f} {r['cost_per_million_usd']:>16.4f}{mark}")
    return 0
