"""Helpers shared by sub-commands: loading a scenario with --set overrides, printing."""
from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import yaml

from lambdasim.errors import ScenarioError
from lambdasim.labels import fmt, fmt_metric, label
from lambdasim.files import check_plain, dumps_strict, jsonable, load_yaml

if TYPE_CHECKING:
    from lambdasim.scenario import Scenario

__all__ = ["add_scenario_args", "load_scenario", "scenario_overrides", "print_json", "jsonable", "format_table", "progress"]


def add_scenario_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", metavar="FILE", help="scenario file (.yaml, .yml, .toml or .json)")
    p.add_argument("--seed", type=int, default=None, help="replace the scenario's seed")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE",
                   help="override one field by dotted path, e.g. functions.0.workload.rate_per_s=5 "
                        "(repeatable; VALUE is read as YAML, so 5, 0.5, true, [1, 2] work)")


def parse_sets(sets: list[str]) -> dict[str, Any]:
    out = {}
    for s in sets:
        path, eq, text = s.partition("=")
        if not eq or not path:
            raise ScenarioError(f"--set must be PATH=VALUE (e.g. functions.0.memory_mb=512). Got {s!r} instead.")
        try:
            value = load_yaml(text)
        except (yaml.YAMLError, RecursionError):
            value = text
        out[path.strip()] = check_plain(value, f"--set {path.strip()}", ScenarioError)
    return out


def scenario_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The --set and --seed overrides as {dotted path: value}."""
    overrides = parse_sets(args.sets)
    if args.seed is not None:
        overrides["seed"] = args.seed
    return overrides


def load_scenario(args: argparse.Namespace) -> Scenario:
    from lambdasim.scenario import Scenario  # here, not at the top: `lambdasim bill` never loads the engine

    sc = Scenario.from_file(args.scenario)
    overrides = scenario_overrides(args)
    return sc.with_overrides(overrides, source=f"{args.scenario} with --set/--seed") if overrides else sc


def print_json(obj: dict[str, Any]) -> None:
    """Strict JSON (``null`` for a missing number, never ``NaN``), which any JSON parser reads."""
    print(dumps_strict(obj, indent=2))


def format_value(v: Any) -> str:
    """A number as every table writes it (:func:`lambdasim.labels.fmt`)."""
    return fmt(v)


def format_table(rows: list[tuple[str, Any]], title: str = "") -> str:
    """A two-column table of (metric key, value) rows: human labels, formatted values."""
    cells = [(label(k, table=True), fmt_metric(k, v)) for k, v in rows]
    width = max(len(k) for k, _ in cells)
    vwidth = max(12, *(len(v) for _, v in cells))
    lines = [title, "-" * max(len(title), width + vwidth + 2)] if title else []
    lines += [f"{k:<{width}}  {v:>{vwidth}}" for k, v in cells]
    return "\n".join(lines)


@contextmanager
def progress(total: int | None, desc: str, enabled: bool = True, unit: str | None = None):
    """A tqdm bar on stderr (one line, cleared at the end), shown only after a second of work.

    Quiet (a no-op bar) when ``enabled`` is false (``--json``, ``--no-progress``) or when stdout or
    stderr is not a terminal, so piped and machine-read output stays clean.
    """
    shown = enabled and _tty(sys.stdout) and _tty(sys.stderr)
    if not shown:  # no bar to draw: tqdm (about 0.07 s of imports) is not loaded
        yield _QuietBar()
        return
    from tqdm.auto import tqdm

    unit = unit or ("runs" if total is None else "step")
    counter = "{desc}: {n_fmt} " + unit + " done [{elapsed}]" if total is None else None  # no rate: runs vary
    bar = tqdm(total=total, desc=desc, unit=unit, leave=False, file=sys.stderr,
               dynamic_ncols=True, delay=1.0, bar_format=counter)
    try:
        yield bar
    finally:
        bar.close()


class _QuietBar:
    """What :func:`progress` yields when nothing is shown: the bar's methods the commands call, doing nothing."""

    disable = True  # tqdm's flag for a bar that draws nothing

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        pass


def _tty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False
