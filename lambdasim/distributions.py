"""Distributions as value objects: ``sample(rng, n)``, analytic ``mean`` and ``variance``.

A scenario names one with a ``dist`` tag, e.g. ``{dist: exponential, mean_s: 2.0}``.
All values are seconds. Sampling is vectorised and takes an explicit
``numpy.random.Generator``: no global random state anywhere.
"""
from __future__ import annotations

import math
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from lambdasim.errors import LambdasimError, register_tags
from lambdasim.files import read_text
from lambdasim.spec import FloatIn, NonNegative, Positive, Spec

__all__ = ["read_file_text", "DistributionBase", "Constant", "Exponential", "Uniform", "LogNormal", "Gamma", "Empirical", "Quantiles", "Distribution"]


def read_file_text(path: str, kind: str) -> str:
    """A data file's text; a folder, a pipe or text that is not UTF-8 is a validation error naming it."""
    try:
        return read_text(Path(path), kind, LambdasimError)
    except LambdasimError as exc:
        raise PydanticCustomError("file", "must name a readable UTF-8 file: {e}", {"e": str(exc)}) from None


class DistributionBase(Spec):
    """What every distribution offers: ``sample(rng, n)``, analytic ``mean`` and ``variance`` (seconds)."""

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        raise NotImplementedError

    @property
    def mean(self) -> float:
        raise NotImplementedError

    @property
    def variance(self) -> float:
        raise NotImplementedError


class Constant(DistributionBase):
    """Always ``value_s``."""

    dist: Literal["constant"] = "constant"
    value_s: NonNegative

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value_s)

    @property
    def mean(self) -> float:
        return self.value_s

    @property
    def variance(self) -> float:
        return 0.0


class Exponential(DistributionBase):
    """Exponential with mean ``mean_s``."""

    dist: Literal["exponential"] = "exponential"
    mean_s: Positive

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean_s, n)

    @property
    def mean(self) -> float:
        return self.mean_s

    @property
    def variance(self) -> float:
        return self.mean_s**2


class Uniform(DistributionBase):
    """Uniform on [``low_s``, ``high_s``]."""

    dist: Literal["uniform"] = "uniform"
    low_s: NonNegative
    high_s: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> "Uniform":
        if self.high_s < self.low_s:
            raise PydanticCustomError(
                "order", "must have high_s >= low_s; got low_s={lo}, high_s={hi}",
                {"lo": self.low_s, "hi": self.high_s},
            )
        return self

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low_s, self.high_s, n)

    @property
    def mean(self) -> float:
        return (self.low_s + self.high_s) / 2

    @property
    def variance(self) -> float:
        return (self.high_s - self.low_s) ** 2 / 12


class LogNormal(DistributionBase):
    """Lognormal given either by ``median_s`` and ``sigma`` or by ``mean_s`` and ``cv``."""

    dist: Literal["lognormal"] = "lognormal"
    median_s: Positive | None = None
    sigma: NonNegative | None = None
    mean_s: Positive | None = None
    cv: NonNegative | None = None

    @model_validator(mode="after")
    def _one_form(self) -> "LogNormal":
        by_median = self.median_s is not None and self.sigma is not None
        by_mean = self.mean_s is not None and self.cv is not None
        given = [k for k in ("median_s", "sigma", "mean_s", "cv") if getattr(self, k) is not None]
        if by_median == by_mean or len(given) != 2:
            raise PydanticCustomError(
                "form", "must give either median_s and sigma, or mean_s and cv; got {given}",
                {"given": ", ".join(given) or "neither"},
            )
        return self

    @property
    def mu_sigma(self) -> tuple[float, float]:
        """Parameters of the underlying normal."""
        if self.median_s is not None:
            return math.log(self.median_s), float(self.sigma)
        s2 = math.log1p(self.cv**2)
        return math.log(self.mean_s) - s2 / 2, math.sqrt(s2)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        mu, sigma = self.mu_sigma
        return rng.lognormal(mu, sigma, n)

    @property
    def mean(self) -> float:
        mu, sigma = self.mu_sigma
        return math.exp(mu + sigma**2 / 2)

    @property
    def variance(self) -> float:
        mu, sigma = self.mu_sigma
        return (math.exp(sigma**2) - 1) * math.exp(2 * mu + sigma**2)


class Gamma(DistributionBase):
    """Gamma given by ``mean_s`` and coefficient of variation ``cv`` (cv=1 is exponential)."""

    dist: Literal["gamma"] = "gamma"
    mean_s: Positive
    cv: Positive

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.cv < 1e-100:  # the shape 1/cv^2 overflows; at cv 1e-100 draws already equal the mean
            return np.full(n, self.mean_s)
        shape = 1.0 / self.cv**2
        return rng.gamma(shape, self.mean_s / shape, n)

    @property
    def mean(self) -> float:
        return self.mean_s

    @property
    def variance(self) -> float:
        return (self.mean_s * self.cv) ** 2


class Empirical(DistributionBase):
    """Resample from observed values: listed in ``samples_s`` or read from ``path``.

    ``path`` names a text or CSV file with one number (seconds) per line; a
    relative path is taken from the scenario file's folder.
    """

    dist: Literal["empirical"] = "empirical"
    samples_s: tuple[NonNegative, ...] | None = None
    path: str | None = None

    @field_validator("path")
    @classmethod
    def _resolve(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None:
            return v
        base = (info.context or {}).get("base_dir")
        p = Path(v)
        if not p.is_absolute() and base is not None:
            p = Path(base) / p
        if not p.is_file():
            raise PydanticCustomError("file", "must name an existing file; {p} does not exist", {"p": str(p)})
        return str(p)

    @model_validator(mode="after")
    def _one_source(self) -> "Empirical":
        if (self.samples_s is None) == (self.path is None):
            raise PydanticCustomError("form", "must give exactly one of samples_s or path", {})
        if self.samples_s is not None and len(self.samples_s) == 0:
            raise PydanticCustomError("form", "must list at least one sample in samples_s", {})
        self.values  # read (and check) the file now, not mid-simulation
        return self

    @cached_property
    def values(self) -> np.ndarray:
        if self.samples_s is not None:
            return np.asarray(self.samples_s, dtype=float)
        vals = []
        for lineno, line in enumerate(read_file_text(self.path, "Empirical samples").splitlines(), 1):
            text = line.split(",")[0].strip()
            if not text or text.startswith("#"):
                continue
            try:
                x = float(text)
            except ValueError:
                if not vals and lineno == 1:
                    continue  # a header line
                raise PydanticCustomError(
                    "file", "must hold numbers; {p} line {n} has {t}", {"p": self.path, "n": lineno, "t": repr(text)}
                ) from None
            if not (x >= 0 and math.isfinite(x)):
                raise PydanticCustomError(
                    "file", "must hold non-negative seconds; {p} line {n} has {x}", {"p": self.path, "n": lineno, "x": x}
                )
            vals.append(x)
        if not vals:
            raise PydanticCustomError("file", "must hold at least one number; {p} has none", {"p": self.path})
        return np.asarray(vals)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.choice(self.values, n)

    @property
    def mean(self) -> float:
        return float(self.values.mean())

    @property
    def variance(self) -> float:
        return float(self.values.var())


class Quantiles(DistributionBase):
    """A piecewise-linear inverse CDF through given quantiles (a trace's percentiles).

    ``probs`` rise strictly from 0 to 1 and ``values_s`` do not decrease;
    ``{probs: [0, 0.5, 1], values_s: [0.1, 0.2, 1.0]}`` is half uniform on
    [0.1, 0.2], half uniform on [0.2, 1.0].
    """

    dist: Literal["quantiles"] = "quantiles"
    probs: tuple[FloatIn(0.0, 1.0), ...]
    values_s: tuple[NonNegative, ...]

    @model_validator(mode="after")
    def _shape(self) -> "Quantiles":
        p, v = self.probs, self.values_s  # Python floats: the same float64 differences as np.diff, without arrays
        if len(p) != len(v) or len(p) < 2:
            raise PydanticCustomError("form", "must give probs and values_s of the same length (at least 2); "
                                      "got {a} and {b}", {"a": len(p), "b": len(v)})
        if p[0] != 0 or p[-1] != 1 or any(b - a <= 0 for a, b in zip(p, p[1:])):
            raise PydanticCustomError("form", "must have probs rising strictly from 0 to 1", {})
        if any(b - a < 0 for a, b in zip(v, v[1:])):
            raise PydanticCustomError("form", "must have values_s that do not decrease", {})
        return self

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.interp(rng.random(n), self.probs, self.values_s)

    @property
    def mean(self) -> float:
        dp, v = np.diff(self.probs), np.asarray(self.values_s)
        return float(np.sum(dp * (v[:-1] + v[1:]) / 2))

    @property
    def variance(self) -> float:
        dp, a, b = np.diff(self.probs), np.asarray(self.values_s[:-1]), np.asarray(self.values_s[1:])
        return max(0.0, float(np.sum(dp * (a * a + a * b + b * b) / 3)) - self.mean**2)


Distribution = Annotated[
    Union[Constant, Exponential, Uniform, LogNormal, Gamma, Empirical, Quantiles], Field(discriminator="dist")
]
register_tags("constant", "exponential", "uniform", "lognormal", "gamma", "empirical", "quantiles")
