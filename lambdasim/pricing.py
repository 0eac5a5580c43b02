"""Dated price catalogues: which prices and billing rules held on a given day.

Prices live in ``data/pricing/*.yaml`` as histories of dated entries with
their sources; nothing here hard-codes a price. A scenario picks the rules
with a preset name (``aws-2015``, ``aws-2024``, ``aws-latest``) or a date
(``{as_of: 2015-06-01}``), and may override any entry.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import model_validator
from pydantic_core import PydanticCustomError

from .errors import CatalogueError
from .paths import data_dir
from .spec import Spec

__all__ = ["PricingSpec", "Catalogue", "load_catalogue", "presets"]


class PricingSpec(Spec):
    """Which prices apply: a ``preset`` name or an ``as_of`` date, plus ``overrides``."""

    preset: str | None = None
    as_of: dt.date | None = None
    overrides: dict[str, float] = {}

    @model_validator(mode="after")
    def _check(self) -> "PricingSpec":
        if (self.preset is None) == (self.as_of is None):
            raise PydanticCustomError("form", "must give exactly one of preset or as_of", {})
        if self.preset is not None and self.preset not in presets():
            raise PydanticCustomError(
                "preset", "must name a preset among {names}; got {p!r}", {"names": ", ".join(presets()), "p": self.preset}
            )
        try:
            load_catalogue(self)
        except CatalogueError as exc:
            raise PydanticCustomError("catalogue", "{e}", {"e": str(exc)}) from None
        return self

    @property
    def date(self) -> dt.date:
        return self.as_of if self.as_of is not None else presets()[self.preset]


class Catalogue:
    """The prices in force on one date: ``cat["lambda.request_per_million_usd"]``."""

    def __init__(self, as_of: dt.date, entries: dict[str, dict[str, Any]]):
        self.as_of = as_of
        self.entries = entries  # key -> {value, unit, from, to, source, overridden}

    def __getitem__(self, key: str) -> float:
        try:
            return self.entries[key]["value"]
        except KeyError:
            raise CatalogueError(f"The price catalogue has no entry {key!r} on {self.as_of}.") from None

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def table(self):
        """The entries used, with units, dates and sources, as a DataFrame."""
        import pandas as pd

        rows = [{"key": k, **v} for k, v in sorted(self.entries.items())]
        return pd.DataFrame(rows)


@lru_cache(maxsize=None)
def _raw() -> dict[str, Any]:
    merged: dict[str, Any] = {"presets": {}, "prices": {}}
    for path in sorted(Path(data_dir(), "pricing").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text()) or {}
        for section in ("presets", "prices"):
            for key, val in (doc.get(section) or {}).items():
                if key in merged[section]:
                    raise CatalogueError(f"{path}: {section}.{key} is defined twice in data/pricing.")
                merged[section][key] = val if section == "presets" else {"file": path.name, **val}
    return merged


def presets() -> dict[str, dt.date]:
    out = {}
    for name, day in _raw()["presets"].items():
        out[name] = dt.date.today() if day == "today" else _date(day, f"presets.{name}")
    return out


def _date(v: Any, where: str) -> dt.date:
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        raise CatalogueError(f"{where} must be a date YYYY-MM-DD; got {v!r}.") from None


def load_catalogue(spec: PricingSpec) -> Catalogue:
    """Resolve the entry in force on ``spec.date`` for every price key."""
    day = spec.date
    entries: dict[str, dict[str, Any]] = {}
    for key, item in _raw()["prices"].items():
        for h in item["history"]:
            start = _date(h["from"], f"{key}.from")
            end = _date(h["to"], f"{key}.to") if h.get("to") else dt.date.max
            if start <= day <= end:
                entries[key] = {"value": float(h["value"]), "unit": item["unit"], "from": start,
                                "to": h.get("to"), "source": h["source"], "overridden": False}
                break
    for key in spec.overrides:
        if key not in _raw()["prices"]:
            raise CatalogueError(f"pricing.overrides names {key!r}, which is not a catalogue key; known: {', '.join(sorted(_raw()['prices']))}.")
        base = entries.get(key, {"unit": _raw()["prices"][key]["unit"], "from": None, "to": None})
        entries[key] = {**base, "value": float(spec.overrides[key]), "source": "scenario override", "overridden": True}
    if "lambda.request_per_million_usd" not in entries:
        first = min(_date(h["from"], "from") for h in _raw()["prices"]["lambda.request_per_million_usd"]["history"])
        raise CatalogueError(f"pricing date {day} is before AWS Lambda existed (first price from {first}).")
    return Catalogue(day, entries)
