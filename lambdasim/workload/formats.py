"""Readers of trace files: Azure Functions 2019 and 2021, and plain CSV logs.

Each reader checks the whole file before anything uses it (columns,
numbers, signs, minute order) and raises :class:`~lambdasim.errors.TraceError`
naming the file, line and column of the first problem. A read trace is a
:class:`Trace`, cached by path and modification time.

Files are read by pandas (the reference path, which names every problem) unless
they are plain (:mod:`lambdasim.workload.plain_csv`) and valid: then a reader
without pandas gives the same trace (same ids, order and floats) in a fraction
of the time. Any doubt (a quote, an odd cell, a check that fails) takes the
pandas path, so a bad file always gets the pandas path's one error.

* ``azure2019`` (Shahrad et al., ATC 2020): ``*_inv.csv`` (invocations per
  minute: ``HashOwner, HashApp, HashFunction, [Trigger,] 1..N`` or
  ``minute_1..minute_N``), ``*_run.csv`` (duration percentiles in ms:
  ``percentile_Average_{0,1,25,50,75,99,100}``) and ``*_mem.csv`` (app
  memory percentiles in MB, shared evenly among the app's functions).
* ``azure2021`` (Zhang et al., SOSP 2021): one row per invocation,
  ``app, func, end_timestamp, duration`` in seconds; start = end - duration.
* ``csv``: ``timestamp`` (s) and optional ``duration`` (s) and ``function``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from lambdasim.errors import TraceError
from lambdasim.files import check_file
from lambdasim.workload.plain_csv import PlainTable, read_plain

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Trace", "read_trace", "MAX_TIME_S", "azure2019_files", "FORMATS", "PERCENTILES_2019", "MEMORY_STATS"]

FORMATS = ("azure2019", "azure2021", "csv")
#: The duration percentiles of the 2019 run file, as probabilities.
PERCENTILES_2019 = {"0": 0.0, "1": 0.01, "25": 0.25, "50": 0.5, "75": 0.75, "99": 0.99, "100": 1.0}
#: Quantiles kept from per-invocation durations to fit each function's distribution.
PROBS_EXACT = (0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0)
MEMORY_STATS = {"average": "AverageAllocatedMb", "p50": "AverageAllocatedMb_pct50",
                "p95": "AverageAllocatedMb_pct95", "p99": "AverageAllocatedMb_pct99", "max": "AverageAllocatedMb_pct100"}
#: Bounds on what a trace value can mean: times and durations within ~31.7 years, counts per minute
#: far above any real function's (Azure 2019's busiest function: ~10^5 per minute).
MAX_TIME_S = 1e9
MAX_COUNT_PER_MINUTE = 10**9
_MINUTE = re.compile(r"^(?:minute_)?(\d+)$")
#: The columns a ``csv`` trace may name its times and durations by (the first present is used).
TIME_COLUMNS = ("timestamp", "timestamp_s", "arrival_s", "time_s")
DURATION_COLUMNS = ("duration", "duration_s")


@dataclass(frozen=True)
class Trace:
    """A read trace: function ids and, per function, counts per minute or exact invocations."""

    format: str
    path: str
    ids: tuple[str, ...]
    span_s: float
    counts: np.ndarray | None = None            # azure2019: (functions, minutes) ints
    starts: tuple[np.ndarray, ...] | None = None  # per-invocation formats: start times per function
    durations: tuple[np.ndarray, ...] | None = None
    quantiles: tuple[tuple[float, ...], np.ndarray] | None = None  # (probs, values_s per function)
    memory: dict[str, np.ndarray] = field(default_factory=dict)      # stat -> MB per function
    index: dict[str, int] = field(default_factory=dict)

    def invocations(self, start_s: float = 0.0, end_s: float | None = None) -> np.ndarray:
        """Invocations per function in ``[start_s, end_s)`` (whole minutes for azure2019)."""
        end_s = self.span_s if end_s is None else end_s
        if self.counts is not None:
            m0, m1 = int(start_s // 60), int(np.ceil(end_s / 60))
            return self.counts[:, m0:m1].sum(axis=1)
        return np.array([np.count_nonzero((s >= start_s) & (s < end_s)) for s in self.starts])


def read_trace(path: str | Path, format: str, plain: bool = True) -> Trace:
    """Read (or fetch from the cache) the trace at ``path`` in ``format``.

    ``plain=False`` reads it with pandas even when it is plain (the reference path, which tests hold the
    plain reader to)."""
    if format not in FORMATS:
        raise TraceError(f"Trace format must be one of {', '.join(FORMATS)}. Got {format!r} instead.")
    files = azure2019_files(path) if format == "azure2019" else (str(path),)
    stamp = []
    for f in files:  # one stat per file: a changed file is read again
        try:
            st = os.stat(f) if f else None
        except OSError:
            st = None
        if st is not None:
            stamp.append((f, st.st_mtime_ns, st.st_size))
    return _read_cached(str(path), format, tuple(files), tuple(stamp), plain)


@lru_cache(maxsize=8)
def _read_cached(path: str, format: str, files: tuple, stamp: tuple, plain: bool) -> Trace:
    if format == "azure2019":
        return _read_azure2019(path, plain, files)  # the files found above: the folder is listed once
    return _read_invocations(path, format, plain)


def azure2019_files(path: str | Path) -> tuple[str, str | None, str | None]:
    """The (inv, run, mem) files of a 2019 trace: a folder holding one ``*_inv.csv``,
    a prefix (``data/100`` for ``data/100_inv.csv``), or the ``*_inv.csv`` itself."""
    p = Path(path)
    if p.is_dir():
        invs = sorted(p.glob("*_inv.csv")) or sorted(p.glob("invocations_per_function*.csv"))
        if len(invs) != 1:
            raise TraceError(f"{p}: a 2019 trace folder must hold exactly one *_inv.csv file; found "
                             f"{len(invs)} ({', '.join(x.name for x in invs) or 'none'}). Give the prefix instead.")
        inv = invs[0]
    elif p.name.endswith("_inv.csv"):
        inv = p
    else:
        inv = p.with_name(p.name + "_inv.csv")
    if not inv.is_file():
        raise TraceError(f"{p}: no 2019 invocation file {inv} was found.")
    stem = str(inv)[: -len("_inv.csv")] if inv.name.endswith("_inv.csv") else None
    run = mem = None
    if stem is not None:
        run = stem + "_run.csv" if os.path.isfile(stem + "_run.csv") else None
        mem = stem + "_mem.csv" if os.path.isfile(stem + "_mem.csv") else None
    else:  # the original dataset's names
        runs, mems = sorted(inv.parent.glob("function_durations*.csv")), sorted(inv.parent.glob("app_memory*.csv"))
        run = str(runs[0]) if len(runs) == 1 else None
        mem = str(mems[0]) if len(mems) == 1 else None
    return str(inv), run, mem


# --- checking ------------------------------------------------------------------
def _read_csv(path: str) -> pd.DataFrame:
    check_file(Path(path), "Trace", TraceError)  # a folder or a pipe (never opened: it would block)
    import pandas as pd
    try:
        df = pd.read_csv(path, skipinitialspace=True)
    except FileNotFoundError:
        raise TraceError(f"{path}: the trace file does not exist.") from None
    except pd.errors.EmptyDataError:
        raise TraceError(f"{path}: the trace file is empty.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise TraceError(f"{path}: not a readable CSV file: {str(exc).strip()}") from None
    if df.empty:
        raise TraceError(f"{path}: the trace file has a header but no rows.")
    return df


def _require(df: pd.DataFrame, path: str, columns: list[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise TraceError(f"{path}, line 1 (header): missing column {missing[0]!r}; the columns are "
                         f"{', '.join(map(str, df.columns[:8]))}{f' and {len(df.columns) - 8} more' if len(df.columns) > 8 else ''}.")


def _numbers(df: pd.DataFrame, path: str, columns: list[str], what: str, integer: bool = False,
             nonneg: bool = True, hi: float | None = None) -> np.ndarray:
    """The columns as a float array; a TraceError at the first cell that is not ``what``."""
    import pandas as pd
    sub = df[columns]
    if all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in sub.dtypes):
        vals = sub.to_numpy(dtype=float)
        bad = ~np.isfinite(vals)
    else:
        vals = sub.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(vals)
    if nonneg:
        bad |= vals < 0
    if integer:
        bad |= vals != np.round(vals)
    if hi is not None:
        bad |= vals > hi
    if bad.any():
        r, c = (int(x) for x in np.argwhere(bad)[0])
        col = columns[c]
        raw = df[col].iloc[r]
        # a cell pandas kept as text, a numpy number, or a Python int too long for int64
        given = "an empty cell" if pd.isna(raw) else repr(raw.item() if isinstance(raw, np.generic) else raw)
        raise TraceError(f"{path}, line {r + 2}, column {df.columns.get_loc(col) + 1} ({col!r}): "
                         f"must be {what}; got {given}.")
    return vals


def _unique(ids: pd.Series, path: str, column: str) -> None:
    dup = ids.duplicated()
    if dup.any():
        r = int(np.argmax(dup.to_numpy()))
        raise TraceError(f"{path}, line {r + 2}: function {ids.iloc[r]!r} (column {column!r}) appears twice.")


# --- Azure 2019 ------------------------------------------------------------------
def _read_azure2019(path: str, plain: bool, files: tuple[str, str | None, str | None]) -> Trace:
    inv_f, run_f, mem_f = files
    check_file(Path(inv_f), "Trace", TraceError)  # a folder or a pipe (never opened: it would block)
    fast = _plain_azure2019(path, inv_f, run_f, mem_f) if plain else None
    if fast is not None:
        return fast
    inv = _read_csv(inv_f)
    keys = ["HashOwner", "HashApp", "HashFunction"]
    _require(inv, inv_f, keys)
    minutes = [c for c in inv.columns if _MINUTE.match(str(c))]
    if not minutes:
        raise TraceError(f"{inv_f}, line 1 (header): no minute columns (1..N or minute_1..minute_N).")
    first = inv.columns.get_loc(minutes[0])
    for k, col in enumerate(inv.columns[first:], start=1):
        m = _MINUTE.match(str(col))
        if m is None or int(m.group(1)) != k:
            raise TraceError(f"{inv_f}, line 1, column {first + k} ({col!r}): minute columns must run in order "
                             f"from 1 with none missing; expected minute {k} here.")
    counts = _numbers(inv, inv_f, minutes, f"a non-negative whole number of invocations (at most {MAX_COUNT_PER_MINUTE:,})",
                      integer=True, hi=MAX_COUNT_PER_MINUTE)
    for k in keys:
        inv[k] = inv[k].astype(str)
    _unique(inv["HashFunction"], inv_f, "HashFunction")
    ids = tuple(inv["HashFunction"])
    trace = dict(format="azure2019", path=str(path), ids=ids, span_s=60.0 * len(minutes),
                 counts=counts.astype(np.int64), index={f: i for i, f in enumerate(ids)})
    if run_f is not None:
        trace["quantiles"] = _durations_2019(run_f, inv, keys)
    if mem_f is not None:
        trace["memory"] = _memory_2019(mem_f, inv)
    return Trace(**trace)


def _durations_2019(run_f: str, inv: pd.DataFrame, keys: list[str]) -> tuple[tuple[float, ...], np.ndarray]:
    import pandas as pd
    run = _read_csv(run_f)
    cols = [f"percentile_Average_{p}" for p in PERCENTILES_2019]
    _require(run, run_f, keys + cols)
    ms = _numbers(run, run_f, cols, "a non-negative duration in ms")
    for c in range(len(cols) - 1):
        bad = ms[:, c + 1] < ms[:, c]
        if bad.any():
            r = int(np.argmax(bad))
            raise TraceError(f"{run_f}, line {r + 2}, column {run.columns.get_loc(cols[c + 1]) + 1} ({cols[c + 1]!r}): "
                             f"percentiles must not decrease; got {ms[r, c + 1]:g} after {ms[r, c]:g}.")
    for k in keys:
        run[k] = run[k].astype(str)
    pos = pd.Series(np.arange(len(run)), index=pd.MultiIndex.from_frame(run[keys]))
    pos = pos[~pos.index.duplicated()]
    rows = pos.reindex(pd.MultiIndex.from_frame(inv[keys])).to_numpy()
    values = np.full((len(inv), len(cols)), np.nan)
    ok = ~np.isnan(rows)
    values[ok] = ms[rows[ok].astype(int)] / 1000.0
    return tuple(PERCENTILES_2019.values()), values


def _memory_2019(mem_f: str, inv: pd.DataFrame) -> dict[str, np.ndarray]:
    import pandas as pd
    mem = _read_csv(mem_f)
    cols = [c for c in MEMORY_STATS.values() if c in mem.columns]
    _require(mem, mem_f, ["HashOwner", "HashApp", "AverageAllocatedMb"])
    mb = _numbers(mem, mem_f, cols, "a non-negative memory size in MB")
    for k in ("HashOwner", "HashApp"):
        mem[k] = mem[k].astype(str)
    pos = pd.Series(np.arange(len(mem)), index=pd.MultiIndex.from_frame(mem[["HashOwner", "HashApp"]]))
    pos = pos[~pos.index.duplicated()]
    app = pd.MultiIndex.from_frame(inv[["HashOwner", "HashApp"]])
    rows = pos.reindex(app).to_numpy()
    per_app = inv.groupby(["HashOwner", "HashApp"])["HashFunction"].transform("size").to_numpy()
    out = {}
    for stat, col in MEMORY_STATS.items():
        if col in cols:
            v = np.full(len(inv), np.nan)
            ok = ~np.isnan(rows)
            v[ok] = mb[rows[ok].astype(int), cols.index(col)] / per_app[ok]
            out[stat] = v
    return out


def _minutes_from(columns: list[str], keys: list[str]) -> int | None:
    """The first minute column of a valid 2019 header (keys present, minutes 1..N to the end), else None."""
    first = next((k for k, c in enumerate(columns) if _MINUTE.match(c)), None)
    if first is None or any(k not in columns for k in keys):
        return None
    for k, col in enumerate(columns[first:], start=1):
        m = _MINUTE.match(col)
        if m is None or int(m.group(1)) != k:
            return None
    return first


def _plain_azure2019(path: str, inv_f: str, run_f: str | None, mem_f: str | None) -> Trace | None:
    """The trace read without pandas when its files are plain and valid; None sends it to the pandas path."""
    keys = ["HashOwner", "HashApp", "HashFunction"]
    head = _first_line(inv_f)
    first = None if head is None else _minutes_from(head.split(","), keys)
    inv = None if first is None else read_plain(inv_f, tail_from=first, tail_max=MAX_COUNT_PER_MINUTE)
    if inv is None or inv.columns != head.split(","):
        return None
    cells = [inv.text(k) for k in keys]
    if any(c is None for c in cells) or len(set(cells[2])) != len(cells[2]):
        return None
    ids = tuple(cells[2])
    trace = dict(format="azure2019", path=str(path), ids=ids, span_s=60.0 * inv.tail.shape[1], counts=inv.tail,
                 index={f: i for i, f in enumerate(ids)})
    if run_f is not None:
        trace["quantiles"] = _plain_durations(run_f, list(zip(*cells)), keys)
        if trace["quantiles"] is None:
            return None
    if mem_f is not None:
        trace["memory"] = _plain_memory(mem_f, list(zip(cells[0], cells[1])))
        if trace["memory"] is None:
            return None
    return Trace(**trace)


def _first_line(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return f.readline(1 << 20).rstrip(b"\r\n").decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _positions(table: PlainTable, keys: list[str]) -> dict[tuple, int] | None:
    """Each key tuple's first line in ``table`` (as the pandas path's de-duplicated index), or None."""
    cells = [table.text(k) if k in table.columns else None for k in keys]
    if any(c is None for c in cells):
        return None
    pos: dict[tuple, int] = {}
    for i, k in enumerate(zip(*cells)):
        pos.setdefault(k, i)
    return pos


def _plain_durations(run_f: str, inv_keys: list[tuple], keys: list[str]) -> tuple[tuple[float, ...], np.ndarray] | None:
    run = read_plain(run_f)
    cols = [f"percentile_Average_{p}" for p in PERCENTILES_2019]
    if run is None or any(c not in run.columns for c in cols):
        return None
    ms, pos = run.numbers(cols), _positions(run, keys)
    if ms is None or pos is None or (ms[:, 1:] < ms[:, :-1]).any():
        return None
    rows = np.array([pos.get(k, -1) for k in inv_keys], dtype=np.int64)
    values = np.full((len(inv_keys), len(cols)), np.nan)
    ok = rows >= 0
    values[ok] = ms[rows[ok]] / 1000.0
    return tuple(PERCENTILES_2019.values()), values


def _plain_memory(mem_f: str, inv_apps: list[tuple]) -> dict[str, np.ndarray] | None:
    mem = read_plain(mem_f)
    if mem is None or any(c not in mem.columns for c in ("HashOwner", "HashApp", "AverageAllocatedMb")):
        return None
    cols = [c for c in MEMORY_STATS.values() if c in mem.columns]
    mb, pos = mem.numbers(cols), _positions(mem, ["HashOwner", "HashApp"])
    if mb is None or pos is None:
        return None
    rows = np.array([pos.get(k, -1) for k in inv_apps], dtype=np.int64)
    size: dict[tuple, int] = {}
    for k in inv_apps:
        size[k] = size.get(k, 0) + 1
    per_app = np.array([size[k] for k in inv_apps], dtype=np.int64)
    out = {}
    ok = rows >= 0
    for stat, col in MEMORY_STATS.items():
        if col in cols:
            v = np.full(len(inv_apps), np.nan)
            v[ok] = mb[rows[ok], cols.index(col)] / per_app[ok]
            out[stat] = v
    return out


# --- per-invocation formats ---------------------------------------------------------
def _read_invocations(path: str, format: str, plain: bool = True) -> Trace:
    check_file(Path(path), "Trace", TraceError)  # a folder or a pipe (never opened: it would block)
    table = read_plain(path) if plain else None
    got = _plain_invocations(table, format) if table is not None else None
    if got is None:
        got = _pandas_invocations(path, format)
    fid, start, dur, span = got
    span = float(np.nextafter(span, np.inf))  # the last arrival lies inside [0, span)
    first: dict[str, int] = {}
    codes = np.array([first.setdefault(f, len(first)) for f in fid], dtype=np.int64)  # by first appearance
    ids = tuple(first)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(ids) + 1))
    groups = [order[bounds[i]:bounds[i + 1]] for i in range(len(ids))]
    starts = tuple(start[g] for g in groups)
    durs = None if dur is None else tuple(dur[g] for g in groups)
    quant = None
    if durs is not None:
        quant = (PROBS_EXACT, np.array([np.quantile(d, PROBS_EXACT) for d in durs]))
    return Trace(format=format, path=path, ids=ids, span_s=max(span, 0.0), starts=starts, durations=durs,
                 quantiles=quant, index={f: i for i, f in enumerate(ids)})


def _pandas_invocations(path: str, format: str) -> tuple[list[str], np.ndarray, np.ndarray | None, float]:
    """Function ids, start times, durations (or None) and the last end of a per-invocation file, by pandas."""
    import pandas as pd
    df = _read_csv(path)
    if format == "azure2021":
        _require(df, path, ["app", "func", "end_timestamp", "duration"])
        end = _numbers(df, path, ["end_timestamp"], f"a non-negative end time in seconds (at most {MAX_TIME_S:g})", hi=MAX_TIME_S)[:, 0]
        dur = _numbers(df, path, ["duration"], f"a non-negative duration in seconds (at most {MAX_TIME_S:g})", hi=MAX_TIME_S)[:, 0]
        start = end - dur
        if (start < 0).any():
            r = int(np.argmax(start < 0))
            raise TraceError(f"{path}, line {r + 2}: the invocation must start at or after time 0 (end_timestamp - "
                             f"duration >= 0); got end_timestamp {end[r]:g} and duration {dur[r]:g}.")
        app, func = df["app"].astype(str), df["func"].astype(str)
        spans_apps = bool(df.assign(app=app, func=func).groupby("func")["app"].nunique().gt(1).any())
        fid = (app + "/" + func) if spans_apps else func
        return fid.tolist(), start, dur, float(end.max())
    tcol = next((c for c in TIME_COLUMNS if c in df.columns), None)
    if tcol is None:
        _require(df, path, ["timestamp"])
    start = _numbers(df, path, [tcol], f"a non-negative time in seconds from the trace's start (at most {MAX_TIME_S:g})",
                     hi=MAX_TIME_S)[:, 0]
    dcol = next((c for c in DURATION_COLUMNS if c in df.columns), None)
    dur = None if dcol is None else _numbers(df, path, [dcol], f"a non-negative duration in seconds (at most {MAX_TIME_S:g})",
                                             hi=MAX_TIME_S)[:, 0]
    fid = df["function"].astype(str).tolist() if "function" in df.columns else [Path(path).stem] * len(df)
    return fid, start, dur, float(start.max() if dur is None else (start + dur).max())


def _plain_invocations(t: PlainTable, format: str) -> tuple[list[str], np.ndarray, np.ndarray | None, float] | None:
    """What :func:`_pandas_invocations` gives, read without pandas from a plain, valid file; else None."""
    if format == "azure2021":
        if any(c not in t.columns for c in ("app", "func", "end_timestamp", "duration")):
            return None
        num, app, func = t.numbers(["end_timestamp", "duration"]), t.text("app"), t.text("func")
        if num is None or app is None or func is None or (num > MAX_TIME_S).any():
            return None
        end, dur = num[:, 0].copy(), num[:, 1].copy()
        start = end - dur
        if (start < 0).any():
            return None
        apps: dict[str, str] = {}
        spans_apps = any(apps.setdefault(f, a) != a for a, f in zip(app, func))
        fid = [a + "/" + f for a, f in zip(app, func)] if spans_apps else func
        return fid, start, dur, float(end.max())
    tcol = next((c for c in TIME_COLUMNS if c in t.columns), None)
    dcol = next((c for c in DURATION_COLUMNS if c in t.columns), None)
    if tcol is None:
        return None
    num = t.numbers([tcol] if dcol is None else [tcol, dcol])
    fid = t.text("function") if "function" in t.columns else [Path(t.path).stem] * len(t.rows)
    if num is None or fid is None or (num > MAX_TIME_S).any():
        return None
    start, dur = num[:, 0].copy(), (None if dcol is None else num[:, 1].copy())
    return fid, start, dur, float(start.max() if dur is None else (start + dur).max())
