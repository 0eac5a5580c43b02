"""``lambdasim app FILE``: serve the no-code dashboard (Voilà) for a scenario on this machine.

Runs ``voila notebooks/app.ipynb`` on 127.0.0.1 with the scenario passed in
``LAMBDASIM_APP_SCENARIO``; code cells are not shown. Stop it with Ctrl-C.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from lambdasim.errors import LambdasimError
from lambdasim.scenario import Scenario

APP = Path(__file__).resolve().parents[2] / "notebooks" / "app.ipynb"


def add_parser(sub) -> None:
    p = sub.add_parser("app", help="serve the no-code dashboard (Lambda or EC2?) in the browser",
                       description="Serve notebooks/app.ipynb with Voilà: knobs for rate, duration, memory, "
                                   "keep-alive, instance type, SLO and price date; the answer, costs, figures and "
                                   "assumptions; no code. Open the printed URL; stop with Ctrl-C.")
    p.add_argument("scenario", metavar="FILE", help="scenario file of one function (.yaml, .yml, .toml or .json)")
    p.add_argument("--port", type=int, default=8866, help="port on 127.0.0.1 (default 8866)")
    p.add_argument("--dry-run", action="store_true", help="print the command instead of running it")
    p.set_defaults(func=run)


def command(port: int) -> list[str]:
    cmd = [sys.executable, "-m", "voila", str(APP), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
           "--ServerApp.port_retries=0"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--ServerApp.allow_root=True")
    return cmd


def run(args: argparse.Namespace) -> int:
    sc = Scenario.from_file(args.scenario)  # one clear message on a bad scenario, before the server starts
    if len(sc.functions) != 1 or getattr(sc.functions[0].workload, "rate_per_s", None) is None:
        raise LambdasimError(f"The dashboard takes a scenario of one function with a rate_per_s workload; "
                             f"{args.scenario!r} has {len(sc.functions)} function(s).")
    if not APP.is_file():
        raise LambdasimError(f"The dashboard notebook {str(APP)!r} does not exist (run from a source checkout).")
    env = {**os.environ, "LAMBDASIM_APP_SCENARIO": str(Path(args.scenario).resolve())}
    env.pop("MPLBACKEND", None)
    cmd = command(args.port)
    if args.dry_run:
        print(" ".join(cmd))
        return 0
    print(f"lambdasim app: serving {args.scenario} at http://127.0.0.1:{args.port}/ (Ctrl-C stops)")
    return subprocess.call(cmd, env=env, cwd=APP.parent)
