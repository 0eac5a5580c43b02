"""Sweeps: many scenarios × replications, run anywhere, resumable.

A sweep is a base scenario, fixed ``overrides``, ``factors`` (a ``grid`` of
dotted-path values, explicit ``variants``, or a seeded random ``sample`` of
ranges), a number of ``replications`` and a ``seed``. The pure expander
:func:`expand` turns it into validated :class:`Variant` scenarios; the runner
(:mod:`lambdasim.sweeps.executors`) maps each (variant, replication) to one row of
factor values, seed and summary metrics; :func:`sweep` drives both and returns
a tidy DataFrame, writing rows into a results folder as they complete.

Each (variant, replication) gets a seed spawned from the sweep seed and its
identity (the variant's key and the replication index), never from the order
or place it runs, so serial, process-pool and Dask runs agree exactly.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TYPE_CHECKING

import numpy as np

from pydantic import ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from lambdasim.errors import SweepError, format_validation_error
from lambdasim.scenario import Scenario, as_scenario
from lambdasim.simulation import PLATFORMS
from lambdasim.files import read_data
from lambdasim.spec import IntIn, Spec

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SweepSpec", "Factors", "Sample", "Variant", "expand", "size", "check_size", "MAX_RUNS", "run_seed", "build_spec", "RESERVED"]

#: Default limit on a sweep's runs (variants x replications); raise it with ``max_runs``.
MAX_RUNS = 10_000

#: Columns every row has besides its factor values and metrics.
RESERVED = ("variant", "replication", "seed", "status", "error")

# First spawn-key word of each use of the sweep seed (append, never reorder).
_RUN, _SAMPLE, _CRN = 0, 1, 2


class Sample(Spec):
    """``n`` variants drawn uniformly from ``ranges`` ({path: [low, high]});
    a range of two ints draws ints in [low, high], otherwise floats."""

    n: IntIn(1, None)
    ranges: dict[str, tuple[float | int, float | int]]

    @model_validator(mode="after")
    def _ordered(self) -> "Sample":
        for path, (lo, hi) in self.ranges.items():
            if not lo <= hi:
                raise PydanticCustomError("range", "must have low <= high for {p}; got [{lo}, {hi}]",
                                          {"p": repr(path), "lo": lo, "hi": hi})
        return self


class Factors(Spec):
    """Exactly one of ``grid`` ({path: [values]}), ``variants`` ([{path: value}]) or ``sample``."""

    grid: dict[str, tuple[Any, ...]] | None = None
    variants: tuple[dict[str, Any], ...] | None = None
    sample: Sample | None = None

    @model_validator(mode="after")
    def _one_form(self) -> "Factors":
        given = [k for k in ("grid", "variants", "sample") if getattr(self, k) is not None]
        if len(given) != 1:
            raise PydanticCustomError("form", "must give exactly one of grid, variants or sample; got {g}",
                                      {"g": ", ".join(given) or "none"})
        if self.grid is not None and any(len(v) == 0 for v in self.grid.values()):
            raise PydanticCustomError("empty", "must list at least one value for every grid path", {})
        if self.variants is not None and len(self.variants) == 0:
            raise PydanticCustomError("empty", "must list at least one variant", {})
        for path in self.paths():
            if path in ("seed",) + RESERVED:
                raise PydanticCustomError("reserved", "cannot vary {p}: replications and the sweep seed set it",
                                          {"p": repr(path)})
        return self

    def paths(self) -> list[str]:
        """The dotted paths that vary, in the order given."""
        if self.grid is not None:
            return list(self.grid)
        if self.sample is not None:
            return list(self.sample.ranges)
        return list(dict.fromkeys(p for v in self.variants for p in v))

class SweepSpec(Spec):
    """A whole sweep: what to vary, how often, from which seed."""

    name: str = "sweep"
    base: Scenario
    overrides: dict[str, Any] = {}
    factors: Factors
    replications: IntIn(1, None) = 1
    seed: IntIn(0, None) = 0
    common_random_numbers: bool = False
    platform: str = "lambda"

    @field_validator("platform")
    @classmethod
    def _known_platform(cls, v: str) -> str:
        if v not in PLATFORMS:
            raise PydanticCustomError("platform", "must be one of {p}", {"p": ", ".join(PLATFORMS)})
        return v

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str | None = None, base_dir: str | Path | None = None) -> "SweepSpec":
        """Validate a sweep definition; ``base`` may be a scenario file path (relative to ``base_dir``)."""
        if not isinstance(data, dict):
            raise SweepError(f"{source or 'sweep'}: must be a mapping of fields; got {type(data).__name__}")
        data = dict(data)
        base = data.get("base")
        if isinstance(base, (str, Path)):
            p = Path(base)
            data["base"] = Scenario.from_file(p if p.is_absolute() or base_dir is None else Path(base_dir) / p)
        elif isinstance(base, dict):
            data["base"] = Scenario.from_dict(base, source=f"{source or 'sweep'} (base)", base_dir=base_dir)
        if "factors" in data:
            data["factors"] = _wrap_factors(data["factors"])
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise SweepError(format_validation_error(exc, "Sweep", source)) from None

    @classmethod
    def from_file(cls, path: str | Path) -> "SweepSpec":
        """Read a sweep YAML file."""
        path = Path(path)
        data = read_data(path, "Sweep", SweepError, yaml_only=True)
        return cls.from_dict(data, source=str(path), base_dir=path.parent)

    def resolved_base(self) -> Scenario:
        """The base scenario with the sweep's fixed ``overrides`` applied."""
        return self.base.with_overrides(dict(self.overrides), source="sweep overrides") if self.overrides else self.base


def _wrap_factors(factors: Any) -> Any:
    """A bare {path: values} is a grid and a bare list is explicit variants."""
    if isinstance(factors, Factors):
        return factors
    if isinstance(factors, (list, tuple)):
        return {"variants": factors}
    if isinstance(factors, dict) and not set(factors) & {"grid", "variants", "sample"}:
        return {"grid": factors}
    return factors


@dataclass(frozen=True)
class Variant:
    """One point of the sweep: its key, its factor values and its validated scenario."""

    key: str
    factors: dict[str, Any]
    scenario: Scenario


def variant_key(factors: dict[str, Any]) -> str:
    """A stable 16-hex-digit identity of a variant's factor values (order of keys ignored)."""
    text = json.dumps(factors, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _points(spec: SweepSpec) -> list[dict[str, Any]]:
    f = spec.factors
    if f.grid is not None:
        paths = list(f.grid)
        return [dict(zip(paths, combo)) for combo in itertools.product(*(f.grid[p] for p in paths))]
    if f.variants is not None:
        return [dict(v) for v in f.variants]
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(_SAMPLE,)))
    out = []
    for _ in range(f.sample.n):  # variant by variant, so a larger n only appends variants
        point = {}
        for path, (lo, hi) in f.sample.ranges.items():
            ints = isinstance(lo, int) and isinstance(hi, int)
            point[path] = int(rng.integers(lo, hi, endpoint=True)) if ints else float(rng.uniform(lo, hi))
        out.append(point)
    return out


def size(spec: SweepSpec) -> int:
    """The number of variants, counted without expanding them."""
    f = spec.factors
    if f.grid is not None:
        return math.prod(len(v) for v in f.grid.values())
    return len(f.variants) if f.variants is not None else f.sample.n


def check_size(spec: SweepSpec, max_runs: int | None = None) -> int:
    """The number of runs (variants x replications); a :class:`SweepError` above ``max_runs``
    (default :data:`MAX_RUNS`), before any variant is expanded."""
    limit = MAX_RUNS if max_runs is None else max_runs
    n = size(spec)
    if n * spec.replications > limit:
        raise SweepError(f"Sweep {spec.name!r} has {n:,} variants x {spec.replications:,} replications = "
                         f"{n * spec.replications:,} runs; the limit is {limit:,}. Use fewer values or "
                         f"replications, or raise the limit (sweep(..., max_runs=N), --max-runs N).")
    return n * spec.replications


def expand(spec: SweepSpec, max_runs: int | None = None) -> list[Variant]:
    """The sweep's variants, each validated; bad values fail here, before any run.

    A sweep of more than ``max_runs`` runs (default :data:`MAX_RUNS`) is refused before expanding.
    """
    check_size(spec, max_runs)
    base = spec.resolved_base()
    variants, seen = [], {}
    for point in _points(spec):
        key = variant_key(point)
        if key in seen:
            raise SweepError(f"Sweep {spec.name!r} lists the same variant twice: {point}.")
        seen[key] = point
        sc = base.with_overrides(point, source=f"sweep {spec.name!r} variant {point}")
        variants.append(Variant(key, point, sc))
    return variants


def run_seed(sweep_seed: int, key: str, replication: int, common_random_numbers: bool = False) -> int:
    """The seed of one run, from the sweep seed and the run's identity alone.

    With ``common_random_numbers`` every variant's replication ``r`` shares
    one seed (same arrivals and draws: paired comparisons across variants).
    """
    words = (_CRN, replication) if common_random_numbers else (_RUN, int(key, 16), replication)
    state = np.random.SeedSequence(sweep_seed, spawn_key=words).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))  # 63 bits: fits a Parquet int64


def build_spec(base, factors, replications, seed, overrides, common_random_numbers, name, platform) -> SweepSpec:
    if isinstance(base, SweepSpec):
        return base
    if isinstance(base, (str, Path, dict)):
        base = as_scenario(base)
    return SweepSpec.from_dict({"name": name, "base": base, "overrides": overrides or {},
                                "factors": factors,
                                "replications": replications, "seed": seed,
                                "common_random_numbers": common_random_numbers, "platform": platform})
