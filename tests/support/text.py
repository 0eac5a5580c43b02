"""What user-facing text must never show: raw dotted paths, nan/None, 10+-digit numbers (seeds)."""
from __future__ import annotations

import re

_DOTTED = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+\b")
_MISSING = re.compile(r"\b(?:nan|NaN|None|null|inf)\b")
_LONG = re.compile(r"\d{10,}")
_EXPONENT = re.compile(r"\b\d(?:\.\d+)?e[+-]?\d+\b")


def raw_dotted_paths(text: str) -> list[str]:
    """Dotted identifiers with a snake_case segment or a list index (``functions.0.memory_mb``)."""
    return [m for m in _DOTTED.findall(text) if "_" in m or re.search(r"\.\d+(\.|$)", m)]


def problems(text: str) -> list[str]:
    """Everything in ``text`` a user should not see; empty when it reads as a human wrote it."""
    return (raw_dotted_paths(text) + _MISSING.findall(text) + _LONG.findall(text) + _EXPONENT.findall(text))
