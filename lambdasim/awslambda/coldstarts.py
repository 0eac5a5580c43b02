"""Cold-start presets: measured INIT durations per runtime, as quantile distributions.

``functions[].init: {preset: python3.12}`` (with ``arch``, ``package_type`` and
``memory_mb``, by default the function's own) draws each cold start's init
from the measured quantiles in ``data/lambda/coldstarts.csv``: a piecewise-
linear inverse CDF through p0, p1, p5, p10, p25, p50, p75, p90, p95, p99 and
p100 (:class:`lambdasim.distributions.Quantiles`). A lognormal fitted on p50
and p90 would underestimate p99 by 12-42 % for most runtimes; the quantiles
keep the tail as measured.

Two sources (provenance and licences in ``data/lambda/PROVENANCE.md``):

- ``maxday/lambda-perf`` (github.com/maxday/lambda-perf, Apache-2.0): the
  REPORT line's ``Init Duration`` of a hello-world function per runtime,
  arch, package type and memory size (128-1,024 MB), 10 cold starts a day,
  pooled over the days held (2022-09-05 .. 2026-08-22). INIT only: no
  network, no placement. Presets are the runtime names (``python3.12``,
  ``nodejs22.x``, ``java21``, ``rust-prov.al2023``, ...).
- Mikhail Shilkov's cold-start pages (mikhail.io, data 2020-2021; MIT):
  end-to-end latency through API Gateway minus a warm call's, so network and
  placement are in. Presets ``e2e-2021-*``: by language, a VPC, 14 MB and
  35 MB of dependencies (the latter by memory size), container images.

Memory barely matters for INIT; a size not measured takes the nearest one
measured (on a log scale). An arch or package type not measured for that
runtime is an error naming what there is.
"""
from __future__ import annotations

import csv
import math
from functools import cached_property, lru_cache
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from lambdasim.distributions import Constant, Empirical, Exponential, Gamma, LogNormal, Quantiles, Uniform, DistributionBase
from lambdasim.errors import register_tags
from lambdasim.paths import data_dir
from lambdasim.spec import IntIn

__all__ = ["InitPreset", "InitDistribution", "table", "preset_names"]

PROBS = (0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0)
_EXAMPLES = ("python3.12", "nodejs22.x", "java21", "dotnet8", "ruby3.3", "go-prov.al2023", "rust-prov.al2023",
             "e2e-2021-python", "e2e-2021-nodejs-vpc", "e2e-2021-container-image")
_COLS = tuple(f"p{round(p * 100)}" for p in PROBS)


@lru_cache(maxsize=1)
def table() -> list[dict]:
    """The rows of ``data/lambda/coldstarts.csv`` (quantiles in ms)."""
    with open(data_dir() / "lambda" / "coldstarts.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["memory_mb"] = int(r["memory_mb"]) if r["memory_mb"] else None
        r["n"] = int(r["n"])
        r["ms"] = tuple(float(r[c]) for c in _COLS)
    return rows


@lru_cache(maxsize=1)
def preset_names() -> tuple[str, ...]:
    return tuple(sorted({r["preset"] for r in table()}))


@lru_cache(maxsize=1024)  # a trace's thousand functions look up a few distinct (preset, arch, type, memory)
def _match(preset: str, arch: str, package_type: str, memory_mb: int) -> dict:
    rows = [r for r in table() if r["preset"] == preset]
    if not rows:
        raise PydanticCustomError("preset", "has an unknown cold-start preset '{p}'; there are {n}, e.g. {some} "
                                  "(all in data/lambda/coldstarts.csv)",
                                  {"p": preset, "n": len(preset_names()), "some": ", ".join(_EXAMPLES)})
    fit = [r for r in rows if r["arch"] == arch and r["package_type"] == package_type]
    if not fit:
        have = sorted({f"{r['arch']}/{r['package_type']}" for r in rows})
        raise PydanticCustomError("preset", "has no measurements of {p} for arch {a} with package_type {k}; "
                                  "measured: {have}", {"p": preset, "a": arch, "k": package_type,
                                                       "have": ", ".join(have)})
    return min(fit, key=lambda r: 0.0 if r["memory_mb"] is None else abs(math.log(r["memory_mb"] / memory_mb)))


class InitPreset(DistributionBase):
    """``init: {preset: python3.12}``: cold-start INIT drawn from a measured quantile table."""

    dist: Literal["preset"] = "preset"
    preset: str
    arch: Literal["x86_64", "arm64"] = "x86_64"
    package_type: Literal["zip", "image"] = "zip"
    memory_mb: IntIn(128, 10240) = 128

    @model_validator(mode="after")
    def _known(self) -> "InitPreset":
        self.row  # look the preset up now, not mid-simulation
        return self

    @cached_property
    def row(self) -> dict:
        """The table row used: preset, arch, package_type, memory_mb measured, source, dates, n, ms."""
        return _match(self.preset, self.arch, self.package_type, self.memory_mb)

    @cached_property
    def quantiles(self) -> Quantiles:
        return Quantiles(probs=PROBS, values_s=tuple(v / 1000.0 for v in self.row["ms"]))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.quantiles.sample(rng, n)

    @property
    def mean(self) -> float:
        return self.quantiles.mean

    @property
    def variance(self) -> float:
        return self.quantiles.variance


InitDistribution = Annotated[
    Union[Constant, Exponential, Uniform, LogNormal, Gamma, Empirical, Quantiles, InitPreset],
    Field(discriminator="dist"),
]
register_tags("preset")
