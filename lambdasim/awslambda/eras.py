"""What AWS Lambda did on a date: dated keep-alive and routing presets.

The table is ``data/lambda/keepalive_presets.yaml``: one entry per era, with
its keep-alive fields, its routing rule, the evidence, its sources and a
confidence. A scenario that does not state ``lambda.keep_alive`` (or
``lambda.instance_selection``) gets the era of its pricing date, as burst
scaling does (:mod:`lambdasim.awslambda.scaling`).

Sources (quoted in the table and in docs/model.md): theburningmonk.com 2017
(5 min before mid-2017, then 45-60 min); mikhail.io 2019 (a random 25-60 min
until June 2019, 10 min sharp from July 2019) and 2021 (5-7 min by its text, about 6.3 min sharp by its data); the SimFaaS
logs of 2020 (github.com/pacslab/serverless-performance-modeling: most recently
freed routing in 99.7 % of 22,946 choices, a lone idle instance retired at
about 640 s, spare instances up to 1,523 s while others serve, no instance
past 123 min); Wang et al., USENIX ATC 2018; the Lambda docs ("Lambda
terminates execution environments every few hours", busy ones included).
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import yaml

from lambdasim.errors import CatalogueError
from lambdasim.paths import data_dir

__all__ = ["presets", "preset_for", "era", "preset_names"]

_FILE = "lambda/keepalive_presets.yaml"


@lru_cache(maxsize=1)
def presets() -> dict[str, dict[str, Any]]:
    """Every era by name, in date order: ``{"from", "to", "keep_alive", "routing", "sources", ...}``."""
    path = data_dir() / _FILE
    doc = yaml.safe_load(path.read_text())
    out: dict[str, dict[str, Any]] = {}
    last_to: dt.date | None = None
    for name, e in (doc or {}).get("presets", {}).items():
        for key in ("from", "keep_alive", "routing", "sources"):
            if key not in e:
                raise CatalogueError(f"{path}: preset {name!r} has no {key!r}.")
        start, end = e["from"], e.get("to")
        if last_to is not None and start != last_to + dt.timedelta(days=1):
            raise CatalogueError(f"{path}: preset {name!r} must start the day after the previous one ends.")
        if end is not None and end < start:
            raise CatalogueError(f"{path}: preset {name!r} ends before it starts.")
        last_to = end
        out[name] = e
    if not out or last_to is not None:
        raise CatalogueError(f"{path}: the last preset must be open-ended (to: null).")
    return out


def preset_names() -> list[str]:
    return list(presets())


def preset_for(date: dt.date) -> str:
    """The name of the era in force on ``date`` (the first era for dates before Lambda's launch)."""
    names = preset_names()
    for name in names:
        e = presets()[name]
        if e.get("to") is None or date <= e["to"]:
            return name
    return names[-1]


def era(name: str) -> dict[str, Any]:
    return presets()[name]
