"""One error type per kind of bad input, each with one readable message.

Messages follow scikit-learn's shape: which field, what is allowed, what was
given ("The 'functions.0.memory_mb' field of Scenario must be an int in the
range [128, 10240]. Got 64 instead.").
"""
from __future__ import annotations

from typing import Any

__all__ = ["LambdasimError", "ScenarioError", "TraceError", "CatalogueError", "SweepError", "format_validation_error"]


class LambdasimError(ValueError):
    """Base class of lambdasim's input errors."""


class ScenarioError(LambdasimError):
    """A scenario (file, dict or override) does not validate."""


class TraceError(LambdasimError):
    """A trace file is malformed; the message names file, line and column."""


class SweepError(LambdasimError):
    """A sweep definition, executor or results folder is invalid."""


class CatalogueError(LambdasimError):
    """A price catalogue is malformed, or a price or date is not in it."""


def _path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _clean(msg: str) -> str:
    for old, new in (("Input should be", "must be"), ("Value error, ", ""), ("Assertion failed, ", "")):
        msg = msg.replace(old, new)
    if msg == "Field required":
        return "is required"
    if msg.startswith("Input "):
        msg = "is invalid: " + msg[len("Input "):]
    return msg


def format_validation_error(exc: Any, owner: str, source: str | None = None) -> str:
    """Turn a pydantic ``ValidationError`` into one message, one line per problem."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if p not in _TAGS)
        where = f"The '{_path(loc)}' field of {owner}" if loc else f"{owner}"
        msg = _clean(err["msg"])
        if err["type"] == "unknown_key":
            key = err["ctx"]["name"]
            where = f"The '{_path(loc + (key,))}' key of {owner}"
            lines.append(f"{where} is not allowed{err['ctx']['hint']}; allowed keys here are {err['ctx']['allowed']}.")
        elif err["type"] == "missing":
            lines.append(f"{where} {msg}.")
        else:
            given = err.get("input")
            # a whole mapping or list as "given" buries the point; name scalars only
            tail = "" if isinstance(given, (dict, list, tuple)) else f" Got {given!r} instead."
            lines.append(f"{where} {msg}.{tail}")
    head = f"{source}: " if source else ""
    return head + "\n".join(lines)


# Discriminated-union tags that pydantic inserts into error locations; they
# are not keys the user wrote, so they are left out of the reported path.
_TAGS: set[str] = set()


def register_tags(*tags: str) -> None:
    _TAGS.update(tags)
