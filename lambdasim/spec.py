"""The base of every configuration object: frozen, strict about keys.

Constrained number types here produce messages that say what is allowed
("must be an int in the range [128, 10240]"), so a user never has to read
pydantic's internals.
"""
from __future__ import annotations

import difflib
import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

__all__ = ["Spec", "IntIn", "FloatIn", "Positive", "NonNegative", "Probability"]


class Spec(BaseModel):
    """Frozen, validated configuration; unknown keys are errors with a hint."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            allowed = [f.alias or n for n, f in cls.model_fields.items()]
            names = set(allowed) | set(cls.model_fields)
            for key in data:
                if key not in names:
                    near = difflib.get_close_matches(str(key), allowed, n=1)
                    hint = f" (did you mean {near[0]!r}?)" if near else ""
                    raise PydanticCustomError(
                        "unknown_key",
                        "has an unknown key {key}{hint}; allowed keys are {allowed}",
                        {"key": repr(key), "name": str(key), "hint": hint, "allowed": ", ".join(allowed)},
                    )
        return data

    def __eq__(self, other: Any) -> bool:
        """Equal when of the same class with equal fields. What a model caches in its ``__dict__`` (a cached
        property: a trace, an array of samples) takes no part: pydantic's own ``==`` compares the whole
        ``__dict__`` first, which raises on a numpy array there."""
        if not isinstance(other, BaseModel):
            return NotImplemented
        return type(self) is type(other) and all(getattr(self, n) == getattr(other, n) for n in type(self).model_fields)

    __hash__ = BaseModel.__hash__  # defining __eq__ would otherwise unset it; frozen subclasses get pydantic's own


def _no_bool(kind: str):
    def check(v: Any) -> Any:
        if isinstance(v, bool):
            raise PydanticCustomError("type", "must be {kind}", {"kind": kind})
        return v
    return BeforeValidator(check)


def _range(kind: str, lo: float | None, hi: float | None, lo_open: bool = False):
    lo_b = "(" if lo_open else "["
    text = f"{kind} in the range {lo_b}{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"

    def check(v: Any) -> Any:
        bad = (lo is not None and (v <= lo if lo_open else v < lo)) or (hi is not None and v > hi)
        if bad or not math.isfinite(v):
            raise PydanticCustomError("range", "must be {text}", {"text": text})
        return v
    return AfterValidator(check)


def IntIn(lo: int | None = None, hi: int | None = None) -> Any:
    """An int in the closed range [lo, hi]."""
    return Annotated[int, _no_bool("an int"), _range("an int", lo, hi)]


def FloatIn(lo: float | None = None, hi: float | None = None, lo_open: bool = False) -> Any:
    """A finite float in [lo, hi] (or (lo, hi] with ``lo_open``)."""
    return Annotated[float, _no_bool("a float"), _range("a float", lo, hi, lo_open)]


Positive = FloatIn(0.0, None, lo_open=True)
NonNegative = FloatIn(0.0, None)
Probability = FloatIn(0.0, 1.0)
