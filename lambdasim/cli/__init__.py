"""The ``lambdasim`` command line: one sub-command per module in this package.

Each sub-command module (``break-even`` lives in ``break_even.py``) has ``add_parser(subparsers)`` and a ``run(args)``
that returns the exit status. Bad input ends in one message on stderr and
exit status 2, never a traceback.

Start-up is lazy: the parser lists every sub-command by its one-line help
(:data:`SUBCOMMANDS`) and imports only the module of the sub-command given
on the command line, so ``lambdasim --help`` and ``lambdasim bill ...`` never
load the simulation engine (``benchmarks/bench_startup.py`` times it).
"""
from __future__ import annotations

import argparse
import importlib
import sys

from lambdasim.errors import LambdasimError

__all__ = ["main", "build_parser", "SUBCOMMANDS"]

#: Each sub-command and its one-line help (the module's ``add_parser`` uses the same words; a test checks).
SUBCOMMANDS = {
    "run": "simulate one scenario and print its summary",
    "sweep": "run a sweep file (factors × replications) into a results folder",
    "report": "write the decision document (HTML) of a scenario: Lambda or EC2?",
    "bill": "price a month of Lambda or EC2 usage (a calculator)",
    "compare": "compare Lambda, EC2, Fargate, LMI and a hybrid on one scenario",
    "break-even": "find the request rate (or another field) at which Lambda and EC2 cost the same",
    "app": "serve the no-code dashboard (Lambda or EC2?) in the browser",
    "tune": "power-tune one function's memory and architecture (simulated)",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``command``, only that sub-command's module is imported (its options defined).

    Without ``command`` every sub-command module is imported (the full parser, for documentation).
    """
    p = argparse.ArgumentParser(
        prog="lambdasim",
        description="Simulate event-driven workloads on AWS Lambda and EC2: cost, latency, cold starts, "
                    "throttles. Start with `lambdasim run data/scenarios/default.yaml`.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_text in SUBCOMMANDS.items():
        if command is None or name == command:
            importlib.import_module(f".{name.replace('-', '_')}", __name__).add_parser(sub)
        else:
            sub.add_parser(name, help=help_text)  # a placeholder: never parsed
    return p


def _command(argv: list[str]) -> str | None:
    """The sub-command named on the command line (the first word that is one), if any."""
    for word in argv:
        if word in SUBCOMMANDS:
            return word
        if not word.startswith("-"):
            return None
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = _command(argv)
    parser = build_parser(command or "")
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
