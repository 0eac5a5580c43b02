"""Reading configuration files (scenarios, sweeps, price catalogues) and writing strict JSON: bounded, UTF-8,
one clear error.

A ground module without pydantic, so that ``lambdasim bill`` reads the price
catalogue without building any configuration model.
"""
from __future__ import annotations

import codecs
import json
import math
import os
import stat
import tomllib
from pathlib import Path
from typing import Any

import yaml

__all__ = ["read_data", "read_text", "check_file", "check_plain", "load_yaml", "jsonable", "dumps_strict", "MAX_DEPTH",
           "MAX_VALUES", "MAX_FILE_BYTES"]

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: ~20x faster, equally safe


def load_yaml(text: str) -> Any:
    """Parse YAML with the safe loader (libyaml's when available)."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader


_LOADERS = {".yaml": load_yaml, ".yml": load_yaml, ".toml": tomllib.loads, ".json": json.loads}

#: Bounds on what a configuration file may hold once parsed (YAML aliases expanded):
#: deeper nesting or more values than any real scenario, sweep or catalogue needs.
MAX_DEPTH = 64
MAX_VALUES = 1_000_000
MAX_FILE_BYTES = 256 * 2**20
_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
         (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


def check_file(path: Path, kind: str, error: type[Exception]) -> None:
    """``error`` unless ``path`` is an existing regular file (never opens it: a FIFO would block)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise error(f"{kind} file {str(path)!r} does not exist.") from None
    except OSError as exc:
        raise error(f"{kind} file {str(path)!r} cannot be read: {exc.strerror}.") from None
    if stat.S_ISDIR(st.st_mode):
        raise error(f"{kind} file {str(path)!r} must be a file; it is a folder.")
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{kind} file {str(path)!r} must be a regular file; it is a pipe, socket or device.")


def read_text(path: Path, kind: str, error: type[Exception]) -> str:
    """The text of a UTF-8 file (a UTF-8 byte-order mark is allowed); ``error`` naming the file otherwise."""
    path = Path(path)
    check_file(path, kind, error)
    if os.path.getsize(path) > MAX_FILE_BYTES:
        raise error(f"{kind} file {str(path)!r} must be at most {MAX_FILE_BYTES // 2**20} MB; "
                    f"it has {os.path.getsize(path) / 2**20:,.0f} MB.")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"{kind} file {str(path)!r} cannot be read: {exc.strerror}.") from None
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raise error(f"{kind} file {str(path)!r} must be UTF-8; it is {name} (it starts with a {name} "
                        f"byte-order mark). Save it as UTF-8.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(f"{kind} file {str(path)!r} must be UTF-8; it is not UTF-8 (byte 0x{raw[exc.start]:02x} at "
                    f"line {line}, column {col}). Save it as UTF-8.") from None


def check_plain(data: Any, where: str, error: type[Exception]) -> Any:
    """``data`` unless it nests deeper than :data:`MAX_DEPTH` or holds more than :data:`MAX_VALUES`
    values once YAML aliases are expanded (an alias to itself nests without end); ``error`` otherwise."""
    stack, seen = [(data, 1)], 0
    while stack:
        node, depth = stack.pop()
        seen += 1
        if seen > MAX_VALUES:
            raise error(f"{where} must hold at most {MAX_VALUES:,} values; it holds more once its YAML "
                        "aliases (*name) are expanded. Write the values out or use fewer aliases.")
        if depth > MAX_DEPTH:
            raise error(f"{where} must nest at most {MAX_DEPTH} levels deep; it nests deeper "
                        "(or a YAML alias refers to the node that holds it).")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
            stack.extend((k, depth + 1) for k in node if not isinstance(k, str))
        elif isinstance(node, (list, tuple)):
            stack.extend((v, depth + 1) for v in node)
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) >= 2**64:
            raise error(f"{where} must hold integers below 2**64; it holds one of {len(str(abs(node)))} digits.")
    return data


def read_data(path: Path, kind: str, error: type[Exception], *, yaml_only: bool = False) -> Any:
    """The parsed contents of a ``kind`` file (``Scenario``, ``Sweep``), by suffix, or as YAML with ``yaml_only``.

    A missing file, a folder, a pipe, text that is not UTF-8, another suffix, a parse error, nesting
    deeper than :data:`MAX_DEPTH` or more than :data:`MAX_VALUES` values (aliases expanded) raise
    ``error`` with one line naming the file.
    """
    path = Path(path)
    if yaml_only:
        loads, fmt = load_yaml, "YAML"
    elif path.suffix in _LOADERS:
        loads, fmt = _LOADERS[path.suffix], path.suffix[1:].upper()
    else:
        check_file(path, kind, error)
        raise error(f"{kind} file {str(path)!r} must end in .yaml, .yml, .toml or .json; got {path.suffix!r}.")
    text = read_text(path, kind, error)
    try:
        data = loads(text)
    except (yaml.YAMLError, tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise error(f"{path}: not valid {fmt}: {exc}") from None
    except RecursionError:
        raise error(f"{path}: must nest at most {MAX_DEPTH} levels deep; it nests far deeper.") from None
    except ValueError as exc:  # json: an integer of more than 4,300 digits
        raise error(f"{path}: not valid {fmt}: {exc}") from None
    return check_plain(data, str(path), error)


def jsonable(v: Any) -> Any:
    """Plain, strict-JSON data: NaN and infinities become None (null), numpy scalars Python numbers."""
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        return jsonable(v.item())
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def dumps_strict(obj: Any, **kwargs: Any) -> str:
    """JSON every parser reads (``null`` for a missing or infinite number, never ``NaN``/``Infinity``)."""
    return json.dumps(jsonable(obj), default=str, allow_nan=False, **kwargs)
