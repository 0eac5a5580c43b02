"""The ``lambdasim`` command line: one sub-command per module in this package.

Each sub-command module has ``add_parser(subparsers)`` and a ``run(args)``
that returns the exit status. Bad input ends in one message on stderr and
exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import sys

from lambdasim.errors import LambdasimError

__all__ = ["main", "build_parser"]

SUBCOMMANDS = ["run", "sweep", "report", "bill", "compare", "tune"]


def build_parser() -> argparse.ArgumentParser:
    import importlib

    p = argparse.ArgumentParser(
        prog="lambdasim",
        description="Simulate event-driven workloads on AWS Lambda and EC2: cost, latency, cold starts, "
                    "throttles. Start with `lambdasim run data/scenarios/default.yaml`.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMANDS:
        importlib.import_module(f".{name}", __name__).add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (LambdasimError, FileNotFoundError) as exc:
        print(f"lambdasim {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"lambdasim {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
