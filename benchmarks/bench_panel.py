"""Benchmark: a slider move in the quickstart panel at ~360 k invocations, end to end.

The panel of ``notebooks/01`` (:class:`lambdasim.notebook.quickstart.QuickstartPanel`) on the
default scenario with a 36,000 s horizon (10 requests/s: about 360,000 invocations per run).
Each move sets the keep-alive slider, which fires the same observer a browser drag does: the
panel re-simulates, fills its summary table and renders its PNG. Printed: the CPU time
(``time.process_time``) of a whole move and of its parts (simulate, summary, render), median of
the moves, after one warm-up move. Target (issue 13): a move in at most 0.5 s.

    .venv/bin/python benchmarks/bench_panel.py [--moves 7] [--horizon-s 36000] [--png out/panel.png]
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from lambdasim.notebook import quickstart  # noqa: E402
from lambdasim.scenario import Scenario  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--moves", type=int, default=7)
    p.add_argument("--horizon-s", type=float, default=36_000.0)
    p.add_argument("--png", type=Path, default=None, help="also write the last move's panel image here")
    args = p.parse_args()

    parts: dict[str, list[float]] = {"simulate": [], "summary": [], "render": [], "move": []}
    real_simulate, real_png = quickstart.simulate, quickstart.QuickstartPanel.render_png

    def timed_simulate(sc):
        c = time.process_time()
        r = real_simulate(sc)
        parts["simulate"].append(time.process_time() - c)
        c = time.process_time()
        r.summary  # noqa: B018 (the table's numbers, computed here so the part is timed alone)
        parts["summary"].append(time.process_time() - c)
        return r

    def timed_png(self):
        c = time.process_time()
        out = real_png(self)
        parts["render"].append(time.process_time() - c)
        return out

    quickstart.simulate = timed_simulate
    quickstart.QuickstartPanel.render_png = timed_png
    panel = quickstart.QuickstartPanel(Scenario.from_file(ROOT / "data/scenarios/default.yaml"),
                                       horizon_s=args.horizon_s)
    values = [300, 600] * args.moves
    panel.keep_alive.value = 120  # warm-up move (caches, fonts)
    for k in parts:
        parts[k].clear()
    for v in values[:args.moves]:
        c = time.process_time()
        panel.keep_alive.value = v
        parts["move"].append(time.process_time() - c)
    n = panel.result.summary["invocations"]
    print(f"quickstart panel, default scenario, {args.horizon_s:,.0f} s horizon: {n:,} invocations per run")
    print(f"{'part':<10} {'CPU s (median of ' + str(args.moves) + ' moves)':>30}")
    for k, v in parts.items():
        print(f"{k:<10} {statistics.median(v):>30.3f}")
    print("target: a move (simulate + summary + render) in at most 0.5 s")
    if args.png:
        args.png.parent.mkdir(parents=True, exist_ok=True)
        args.png.write_bytes(panel.image.value)
        print(f"wrote {args.png}")


if __name__ == "__main__":
    main()
