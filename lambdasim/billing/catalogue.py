"""Dated price catalogues: which prices and billing rules held on a given day.

Prices live in ``data/pricing/*.yaml`` as histories of dated entries with
their sources; nothing here hard-codes a price. A scenario picks the rules
with a preset name (``aws-2015``, ``aws-2024``, ``aws-latest``) or a date
(``{as_of: 2015-06-01}``), may override any entry, and chooses the billing
options (free tier, savings plans, EC2 purchase option): the scenario's
:class:`~lambdasim.billing.spec.PricingSpec`. The resolved :class:`Catalogue`
records what was used (``Catalogue.table()``).

No pydantic and no pandas here (``Catalogue.table`` loads pandas when called),
so ``lambdasim bill`` prices a month without building any configuration model.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from lambdasim.errors import CatalogueError
from lambdasim.files import read_data
from lambdasim.paths import data_dir

__all__ = ["Catalogue", "InstanceSpec", "load_catalogue", "presets", "instance_spec",
           "instance_types", "parse_catalogue", "MONTH_S"]

#: A billing month for projections: 30 days.
MONTH_S = 30 * 86400.0

_FIELDS = ("from", "to", "value", "source", "confidence")
#: How far a source can be trusted: an AWS page or price list (high), agreeing third-party pages (medium), a
#: value derived by a documented rule from another example (low).
CONFIDENCE = ("high", "medium", "low")


#: The catalogue key of the largest published discount of each kind of purchase.
MAX_DISCOUNT_KEYS = {"savings_plan": "lambda.savings_plan_max_discount", "spot": "ec2.spot_max_discount",
                     "reserved": "ec2.reserved_max_discount"}


def check_discount(field: str, purchase: str, value: float, cat: "Catalogue", required: bool = False) -> None:
    """The one discount-limit check: ``value`` (a fraction off) of ``field`` for a ``purchase`` kind.

    ``on_demand`` takes no discount (0); the others at most the catalogue's
    :data:`MAX_DISCOUNT_KEYS` entry, and above 0 where one is ``required``
    (a spot or reserved EC2 purchase names its discount).
    """
    if purchase == "on_demand":
        if value:
            raise CatalogueError(f"{field} applies to spot or reserved purchases; with an on_demand purchase it "
                                 f"must be 0. Got {value} instead.")
        return
    if value == 0 and not required:
        return  # no discount: nothing to check (older catalogues may not know the limit)
    key = MAX_DISCOUNT_KEYS[purchase]
    top = cat[key]
    if required and not 0 < value <= top:
        raise CatalogueError(f"{field} must be in (0, {top}] for a {purchase} purchase ({key}); got {value}.")
    if not 0 <= value <= top:
        raise CatalogueError(f"{field} must be in [0, {top}] (at most {top} for a {purchase} purchase: {key}); "
                             f"got {value}.")


class Catalogue:
    """The prices in force on one date: ``cat["lambda.request_per_million_usd"]``.

    ``entries`` maps each key to ``{value, unit, from, to, source,
    confidence, overridden}``; ``spec`` is the :class:`PricingSpec` it was
    resolved from (its billing options), if any.
    """

    def __init__(self, as_of: dt.date, entries: dict[str, dict[str, Any]], spec: Any = None):
        self.as_of, self.entries, self.spec = as_of, entries, spec

    def __repr__(self) -> str:
        return f"<Catalogue as of {self.as_of}: {len(self.entries)} entries>"

    def __getitem__(self, key: str) -> float:
        try:
            return self.entries[key]["value"]
        except KeyError:
            raise CatalogueError(_missing(key, self.as_of)) from None

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def get(self, key: str, default: float | None = None) -> float | None:
        return self.entries[key]["value"] if key in self.entries else default

    def table(self):
        """The entries used, with units, dates, sources and overrides, as a DataFrame."""
        import pandas as pd

        rows = [{"key": k, **v} for k, v in sorted(self.entries.items())]
        df = pd.DataFrame(rows, columns=["key", "value", "unit", "from", "to", "source", "confidence", "overridden"])
        df.attrs["as_of"] = str(self.as_of)
        return df


def _missing(key: str, day: dt.date) -> str:
    prices = _raw()["prices"]
    if key not in prices:
        heads = sorted({k.split(".")[0] + "." for k in prices})
        return f"The price catalogue has no entry {key!r} (known keys start with {', '.join(heads)})."
    spans = ", ".join(f"{h['from']} to {h.get('to') or 'today'}" for h in prices[key]["history"])
    return (f"The price catalogue has no {key!r} ({prices[key]['unit']}) on {day}; "
            f"it is in force from {spans}.")


# --- reading data/pricing --------------------------------------------------------
def parse_catalogue(doc: Any, name: str) -> dict[str, dict[str, Any]]:
    """Validate one catalogue document; return ``{"presets": ..., "prices": ...}``.

    ``instances`` shorthand entries are expanded into ``ec2.<type>.*`` keys.
    Every problem is a :class:`CatalogueError` naming the file and key.
    """
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise CatalogueError(f"{name}: must be a mapping with presets, prices and/or instances; got {type(doc).__name__}.")
    unknown = set(doc) - {"presets", "prices", "instances"}
    if unknown:
        raise CatalogueError(f"{name}: unknown section(s) {', '.join(sorted(map(str, unknown)))}; "
                             "allowed: presets, prices, instances.")
    presets_ = {str(k): v for k, v in (doc.get("presets") or {}).items()}
    for k, v in presets_.items():
        if v != "today":
            _date(v, f"{name}: presets.{k}")
    prices = {}
    for key, item in (doc.get("prices") or {}).items():
        prices[str(key)] = _item(item, f"{name}: prices.{key}", str(key))
    for itype, spec in (doc.get("instances") or {}).items():
        where = f"{name}: instances.{itype}"
        if not isinstance(spec, dict):
            raise CatalogueError(f"{where} must be a mapping; got {spec!r}.")
        missing = {"vcpu", "memory_gib", "available_from", "spec_source", "hour_usd"} - set(spec)
        if missing:
            raise CatalogueError(f"{where} is missing {', '.join(sorted(missing))}.")
        base = {"from": spec["available_from"], "source": spec["spec_source"]}
        prices[f"ec2.{itype}.vcpu"] = _item({"unit": "vCPU", "history": [{**base, "value": spec["vcpu"]}]},
                                            where + ".vcpu", f"ec2.{itype}.vcpu")
        prices[f"ec2.{itype}.memory_gib"] = _item({"unit": "GiB", "history": [{**base, "value": spec["memory_gib"]}]},
                                                  where + ".memory_gib", f"ec2.{itype}.memory_gib")
        prices[f"ec2.{itype}.hour_usd"] = _item({"unit": "USD per instance-hour (Linux, on-demand)",
                                                 "history": spec["hour_usd"]}, where + ".hour_usd", f"ec2.{itype}.hour_usd")
    return {"presets": presets_, "prices": prices}


def _item(item: Any, where: str, key: str) -> dict[str, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("unit"), str) or not isinstance(item.get("history"), list) \
            or not item["history"]:
        raise CatalogueError(f"{where} must be a mapping with a unit (text) and a non-empty history list; got {item!r}.")
    out, last_end = [], None
    for i, h in enumerate(item["history"]):
        w = f"{where}.history.{i}"
        if not isinstance(h, dict) or not {"from", "value", "source"} <= set(h) or set(h) - set(_FIELDS):
            raise CatalogueError(f"{w} must have from, value and source (optionally to, confidence); got {h!r}.")
        v = h["value"]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise CatalogueError(f"{w}.value must be a number (write plain decimals: YAML reads 6e9 as text); got {v!r}.")
        ok, text = _domain(key, item["unit"])
        if not ok(float(v)):
            raise CatalogueError(f"{w}.value must be {text} ({item['unit']}); got {v!r}.")
        if not isinstance(h["source"], str) or not h["source"].strip():
            raise CatalogueError(f"{w}.source must name where the value comes from (a URL or a document); "
                                 f"got {h['source']!r}.")
        if str(h.get("confidence", "high")) not in CONFIDENCE:
            raise CatalogueError(f"{w}.confidence must be one of {', '.join(CONFIDENCE)}; got {h['confidence']!r}.")
        start = _date(h["from"], f"{w}.from")
        end = _date(h["to"], f"{w}.to") if h.get("to") is not None else None
        if end is not None and end < start:
            raise CatalogueError(f"{w} ends ({end}) before it starts ({start}).")
        if last_end is not None and start <= last_end:
            raise CatalogueError(f"{w} starts on {start}, inside the previous entry (which ends {last_end}); "
                                 "entries must be in date order without overlap.")
        if i < len(item["history"]) - 1 and end is None:
            raise CatalogueError(f"{w} has no 'to' date but is not the last entry.")
        last_end = end
        out.append({"from": start, "to": end, "value": float(v), "source": str(h["source"]),
                    "confidence": str(h.get("confidence", "high"))})
    return {"unit": item["unit"], "history": out}


@lru_cache(maxsize=None)
def _raw_from(folder: str) -> dict[str, Any]:
    merged: dict[str, Any] = {"presets": {}, "prices": {}}
    files = sorted(Path(folder).glob("*.yaml"))
    if not files:
        raise CatalogueError(f"No price catalogue (*.yaml) in {folder}.")
    for path in files:
        parsed = parse_catalogue(read_data(path, "Catalogue", CatalogueError, yaml_only=True), str(path))
        for section in ("presets", "prices"):
            for key, val in parsed[section].items():
                if key in merged[section]:
                    raise CatalogueError(f"{path}: {section}.{key} is defined twice in {folder}.")
                merged[section][key] = val if section == "presets" else {"file": path.name, **val}
    return merged


def _raw() -> dict[str, Any]:
    return _raw_from(str(Path(data_dir(), "pricing")))


def presets() -> dict[str, dt.date]:
    """Preset names and the dates they stand for."""
    return {name: dt.date.today() if day == "today" else _date(day, f"presets.{name}")
            for name, day in _raw()["presets"].items()}


def _date(v: Any, where: str) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        raise CatalogueError(f"{where} must be a date YYYY-MM-DD; got {v!r}.") from None


def load_catalogue(spec: Any) -> Catalogue:
    """Resolve the entry in force on the spec's date for every key, then apply overrides.

    ``spec`` is a :class:`~lambdasim.billing.spec.PricingSpec` (its ``date``, ``overrides`` and billing options);
    it may also be a preset name or a date (no overrides; the catalogue's ``spec`` is then None and
    bills take the default options: no free tier, no discounts).
    """
    day, overrides, raw = _day(spec), getattr(spec, "overrides", {}), _raw()["prices"]
    entries: dict[str, dict[str, Any]] = {}
    for key, item in raw.items():
        for h in item["history"]:
            if h["from"] <= day <= (h["to"] or dt.date.max):
                entries[key] = {"value": h["value"], "unit": item["unit"], "from": h["from"], "to": h["to"],
                                "source": h["source"], "confidence": h["confidence"], "overridden": False}
                break
    for key, value in overrides.items():
        if key not in raw:
            raise CatalogueError(f"pricing.overrides names {key!r}, which is not a catalogue key; "
                                 f"known: {', '.join(sorted(raw))}.")
        base = entries.get(key, {"unit": raw[key]["unit"], "from": None, "to": None, "confidence": "n/a"})
        entries[key] = {**base, "value": _override(key, value, raw[key]["unit"]), "source": "scenario override",
                        "overridden": True}
    if "lambda.request_per_million_usd" not in entries:
        first = raw["lambda.request_per_million_usd"]["history"][0]["from"]
        raise CatalogueError(f"pricing date {day} is before AWS Lambda existed (its first price is from {first}).")
    return Catalogue(day, entries, None if isinstance(spec, (str, dt.date)) else spec)


def _day(spec: Any) -> dt.date:
    """The date a preset name, a date or a pricing spec stands for."""
    if isinstance(spec, str):
        if spec not in presets():
            raise CatalogueError(f"Unknown pricing preset {spec!r}; presets: {', '.join(presets())}.")
        return presets()[spec]
    return spec if isinstance(spec, dt.date) else spec.date



def _domain(key: str, unit: str) -> tuple[Any, str]:
    """The values a key may take: finite and >= 0; > 0 for a rounding step, a size or a count of vCPUs; at most
    1 for a fraction; 0 or 1 for a flag. Returns ``(test, text)``."""
    if unit.startswith("flag"):
        return (lambda v: v in (0.0, 1.0)), "0 or 1"
    if unit.startswith("fraction"):
        return (lambda v: 0.0 <= v <= 1.0), "a fraction in [0, 1]"
    if key.endswith(("granularity_ms", "granularity_s", "rounding_s", ".vcpu", ".memory_gib")):
        return (lambda v: math.isfinite(v) and v > 0), "a finite number > 0"
    return (lambda v: math.isfinite(v) and v >= 0), "a finite number >= 0"


def _override(key: str, value: Any, unit: str) -> float:
    """An override's value within its key's domain (:func:`_domain`)."""
    v = float(value)
    ok, text = _domain(key, unit)
    if not ok(v):
        raise CatalogueError(f"The 'pricing.overrides.{key}' field must be {text} ({unit}). Got {value!r} instead.")
    return v

# --- EC2 instance types as catalogue data -------------------------------------------
@dataclass(frozen=True)
class InstanceSpec:
    """One EC2 instance type on a date: size and on-demand price."""

    instance_type: str
    vcpu: float
    memory_gib: float
    hour_usd: float


def instance_types(catalogue: Catalogue | None = None) -> list[str]:
    """Instance types in the catalogue files (or priced in ``catalogue``)."""
    keys = catalogue.entries if catalogue is not None else _raw()["prices"]
    return sorted(k[4:-9] for k in keys if k.startswith("ec2.") and k.endswith(".hour_usd"))


def instance_spec(instance_type: str, catalogue: Catalogue) -> InstanceSpec:
    """vCPU, memory and on-demand hourly price of ``instance_type`` on the catalogue's date."""
    key = f"ec2.{instance_type}.hour_usd"
    if key not in _raw()["prices"] and key not in catalogue:
        raise CatalogueError(f"Unknown EC2 instance type {instance_type!r}; the catalogue knows "
                             f"{', '.join(instance_types())}.")
    if key not in catalogue:
        first = _raw()["prices"][key]["history"][0]["from"]
        raise CatalogueError(f"EC2 instance type {instance_type!r} has no on-demand price on {catalogue.as_of} "
                             f"(the catalogue prices it from {first}).")
    return InstanceSpec(instance_type, catalogue[f"ec2.{instance_type}.vcpu"],
                        catalogue[f"ec2.{instance_type}.memory_gib"], catalogue[key])
