"""Helpers shared by sub-commands: loading a scenario with --set overrides, printing."""
from __future__ import annotations

import argparse
import json
import math
from typing import TYPE_CHECKING, Any

import yaml

from lambdasim.errors import ScenarioError

if TYPE_CHECKING:
    from lambdasim.scenario import Scenario

__all__ = ["add_scenario_args", "load_scenario", "scenario_overrides", "print_json", "format_table"]


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
            out[path.strip()] = yaml.safe_load(text)
        except yaml.YAMLError:
            out[path.strip()] = text
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


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item"):
        return _jsonable(v.item())
    return v


def print_json(obj: dict[str, Any]) -> None:
    print(json.dumps({k: _jsonable(v) for k, v in obj.items()}, indent=2, default=str))


def format_value(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if not math.isfinite(v):
            return "—"
        if v == 0:
            return "0"
        if abs(v) >= 1000:
            return f"{v:,.1f}"
        return f"{v:.4g}"
    return str(v)


def format_table(rows: list[tuple[str, Any]], title: str = "") -> str:
    width = max(len(k) for k, _ in rows)
    lines = [title, "-" * max(len(title), width + 14)] if title else []
    lines += [f"{k:<{width}}  {format_value(v):>12}" for k, v in rows]
    return "\n".join(lines)
