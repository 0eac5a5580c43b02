"""Trace replay: one function's arrivals from a trace, and whole traces as scenarios.

* :class:`TraceReplay` (``workload: {kind: trace, ...}``) replays one
  function of a trace file.
* :class:`TraceSet` (a scenario's top-level ``workload: {kind: azure2019,
  ...}``) picks functions from a trace and :func:`expand` turns each into an
  ordinary function (name, fitted memory and duration, a ``trace`` workload),
  so the rest of lambdasim sees plain functions sharing the account.
* :func:`load_trace` returns the replayed arrivals as a DataFrame.

Azure 2019 counts per minute are spread within their minute by ``spread``:
``uniform`` (i.i.d. uniform times; each minute's count is kept exactly),
``equidistant`` (evenly spaced, at the middles of equal slots; counts kept)
or ``poisson`` (the count is taken as the minute's mean: a Poisson count at
that rate, so counts vary). Durations are fitted from the run file's
percentiles as a piecewise-linear inverse CDF (:class:`~lambdasim.distributions.Quantiles`).
Per-invocation traces (``azure2021``, ``csv``) replay exact start times and,
when present, exact durations. ``scale`` multiplies the traffic: ``k``
copies of every arrival plus a thinned copy for the fractional part (for
``poisson`` spread, the rate is multiplied).
"""
from __future__ import annotations

import math
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, TYPE_CHECKING

import numpy as np

from pydantic import ValidationError, ValidationInfo, field_serializer, field_validator, model_validator
from pydantic_core import PydanticCustomError

from lambdasim.awslambda.coldstarts import InitDistribution, InitPreset
from lambdasim.distributions import Constant, Distribution, Quantiles
from lambdasim.errors import TraceError, format_validation_error
from lambdasim.paths import data_dir
from lambdasim.workload.samplers import ArrayStream
from lambdasim.spec import IntIn, NonNegative, Positive, Spec
from lambdasim.rng import stream
from lambdasim.workload.formats import FORMATS, Trace, read_trace

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TraceReplay", "Selection", "TraceSet", "expand", "load_trace", "resolve_path", "short_names"]

Spread = Literal["uniform", "poisson", "equidistant"]
Format = Literal["azure2019", "azure2021", "csv"]


def resolve_path(v: str, info: ValidationInfo | None = None) -> Path:
    """An existing file or folder: absolute, or relative to the scenario file's
    folder, the working directory, the repository or its ``data/`` folder."""
    p = Path(v)
    bases: list[Path] = []
    if not p.is_absolute():
        base = ((info.context or {}) if info is not None else {}).get("base_dir")
        bases = [Path(base)] if base else []
        bases.append(Path.cwd())
        try:
            bases += [data_dir().parent, data_dir()]
        except FileNotFoundError:
            pass
    bases = list(dict.fromkeys(bases))
    for cand in ([b / p for b in bases] if bases else [p]):
        if cand.exists() or cand.with_name(cand.name + "_inv.csv").is_file():
            return cand.resolve()
    where = f" was not found in {', '.join(str(b) for b in bases)}" if bases else " does not exist"
    raise PydanticCustomError("file", "must name an existing trace file or folder; {p}{w}", {"p": str(v), "w": where})


def _load(path: str, format: str) -> Trace:
    try:
        return read_trace(path, format)
    except TraceError as exc:
        raise PydanticCustomError("trace", "must be a readable trace: {e}", {"e": str(exc)}) from None


def _find(trace: Trace, name: str) -> int:
    """The row of function ``name``: its exact id, or a unique prefix of one."""
    if name in trace.index:
        return trace.index[name]
    hits = [i for i, f in enumerate(trace.ids) if f.startswith(name)]
    if len(hits) == 1:
        return hits[0]
    why = "matches no function" if not hits else f"matches {len(hits)} functions"
    raise PydanticCustomError("function", "must name functions of the trace; {n} {w} of {p}",
                              {"n": repr(name), "w": why, "p": trace.path})


def short_names(ids: tuple[str, ...]) -> list[str]:
    """Readable unique names: short ids as they are, long hashes cut to a unique prefix (>= 8 chars)."""
    width = 8
    while width < max(map(len, ids)) and len({i[:width] for i in ids}) < len(ids):
        width += 4
    return [i if len(i) <= 16 else i[:width] for i in ids]


def replay(trace: Trace, row: int, rng: np.random.Generator, spread: str, start_s: float, end_s: float,
           scale: float) -> tuple[np.ndarray, np.ndarray | None]:
    """Function ``row``'s arrivals in ``[start_s, end_s)``, shifted to start at 0, and durations or None."""
    k, frac = math.floor(scale), scale - math.floor(scale)
    if trace.counts is not None:
        m0, m1 = int(start_s // 60), int(math.ceil(end_s / 60))
        c = trace.counts[row, m0:m1]
        n = rng.poisson(c * scale) if spread == "poisson" else k * c + (rng.binomial(c, frac) if frac else 0)
        minute = np.repeat(np.arange(m0, m1), n)
        if spread == "equidistant":
            j = np.arange(len(minute)) - np.repeat(np.cumsum(n) - n, n)
            offset = 60.0 * (j + 0.5) / np.repeat(n, n)
        else:
            offset = 60.0 * rng.random(len(minute))
        t = np.sort(60.0 * minute + offset)
        keep = (t >= start_s) & (t < end_s)
        return t[keep] - start_s, None
    s, d = trace.starts[row], None if trace.durations is None else trace.durations[row]
    keep = (s >= start_s) & (s < end_s)
    copies = k + (rng.random(int(keep.sum())) < frac) if frac else np.full(int(keep.sum()), k)
    t = np.repeat(s[keep] - start_s, copies)
    return t, (None if d is None else np.repeat(d[keep], copies))


class _Window(Spec):
    """Fields shared by one function's replay and a whole trace."""

    path: str
    spread: Spread = "uniform"
    start_s: NonNegative = 0.0
    end_s: Positive | None = None
    scale: Positive = 1.0

    @field_validator("path")
    @classmethod
    def _resolve(cls, v: str, info: ValidationInfo) -> str:
        return str(resolve_path(v, info))

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()  # a pickled copy (sweeps on processes) reads its trace again, once
        state["__dict__"] = {k: v for k, v in state["__dict__"].items() if k != "trace"}
        return state

    def _check_window(self, trace: Trace) -> None:
        if self.end_s is not None and self.end_s <= self.start_s:
            raise PydanticCustomError("window", "must have end_s > start_s; got start_s={a}, end_s={b}",
                                      {"a": self.start_s, "b": self.end_s})
        if trace.counts is not None and self._end(trace) > trace.span_s:  # no minutes to replay past the end
            raise PydanticCustomError(
                "window", "must have a window within the trace, which ends at {s} s ({m} minutes); got "
                "end_s={e}. Leave end_s out to replay to the trace's end",
                {"s": f"{trace.span_s:g}", "m": trace.counts.shape[1], "e": f"{self.end_s:g}"})
        if self.start_s >= self._end(trace):
            raise PydanticCustomError("window", "must have start_s before the trace's end ({s} s); got start_s={a}",
                                      {"s": f"{self._end(trace):g}", "a": f"{self.start_s:g}"})

    def _end(self, trace: Trace) -> float:
        return trace.span_s if self.end_s is None else self.end_s


class TraceReplay(_Window):
    """One function of a trace file: ``{kind: trace, format: azure2019, path: ..., function: ID}``.

    ``function`` is an id (or a unique prefix of one); it may be left out
    when the trace holds a single function. Arrivals in ``[start_s, end_s)``
    of trace time are replayed from t = 0.
    """

    kind: Literal["trace"] = "trace"
    format: Format = "csv"
    function: str | None = None

    @model_validator(mode="after")
    def _check(self) -> "TraceReplay":
        # a replay made by expand() carries the trace its TraceSet read and checked: not read again per function
        # (pydantic runs this validator again when a scenario validates the functions expand() made)
        trace = self.__dict__.get("trace")
        if trace is None:
            trace = self.__dict__["trace"] = _load(self.path, self.format)
        self._check_window(trace)
        if self.function is None and len(trace.ids) != 1:
            raise PydanticCustomError("function", "must name one function (the trace {p} holds {n})",
                                      {"p": self.path, "n": len(trace.ids)})
        self.row  # the function exists
        return self

    @cached_property
    def trace(self) -> Trace:
        """The read trace (read once per replay; :func:`expand` hands its functions the trace it read)."""
        return read_trace(self.path, self.format)

    @cached_property
    def row(self) -> int:
        return 0 if self.function is None else _find(self.trace, self.function)

    @property
    def carries_durations(self) -> bool:
        return self.trace.durations is not None

    @property
    def mean_rate_per_s(self) -> float:
        span = self._end(self.trace) - self.start_s  # under 1 s only for a trace of simultaneous arrivals
        return self.expected_count(0.0, span) / max(span, 1.0)

    def expected_count(self, t0: float, t1: float) -> float:
        """Mean number of replayed arrivals in ``[t0, t1)`` of run time (whole minutes for azure2019)."""
        tr, end = self.trace, self._end(self.trace)
        a, b = self.start_s + t0, min(end, self.start_s + t1)
        if b <= a:
            return 0.0
        if tr.counts is not None:
            n = tr.counts[self.row, int(a // 60):int(math.ceil(b / 60))].sum()
        else:
            s = tr.starts[self.row]
            n = np.count_nonzero((s >= a) & (s < b))
        return float(n) * self.scale

    def arrivals(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray | None]:
        """All replayed arrival times (from 0) and their durations, or None."""
        return replay(self.trace, self.row, rng, self.spread, self.start_s, self._end(self.trace), self.scale)

    def stream(self, rng: np.random.Generator, horizon_s: float) -> ArrayStream:
        times, durations = self.arrivals(rng)
        return ArrayStream(times, durations, horizon_s)


class Selection(Spec):
    """Which functions of a trace: the ``top`` N by invocations, ``names``, or a random ``sample`` of N."""

    top: IntIn(1, None) | None = None
    names: tuple[str, ...] | None = None
    sample: IntIn(1, None) | None = None
    seed: IntIn(0, None) = 0

    @model_validator(mode="after")
    def _one_rule(self) -> "Selection":
        if sum(x is not None for x in (self.top, self.names, self.sample)) != 1:
            raise PydanticCustomError("form", "must give exactly one of top, names or sample", {})
        return self


class TraceSet(_Window):
    """A scenario's trace workload: several functions of one trace, each becoming a function.

    Memory: ``memory_mb`` for all, else (azure2019) the memory file's
    ``memory_stat`` per function rounded up to a multiple of
    ``memory_step_mb`` within [128, 10240], else 128. Duration: ``duration``
    for all, else fitted from the trace. ``init`` is every function's
    cold-start time: a distribution, or a measured preset (``{preset: python3.12}``,
    :mod:`lambdasim.awslambda.coldstarts`) that each function draws at its own memory,
    arch and package type unless ``init`` names them (as a function's own ``init`` does).
    """

    kind: Format
    functions: Selection | None = None
    memory_mb: IntIn(128, 10240) | None = None
    memory_stat: Literal["average", "p50", "p95", "p99", "max"] = "p99"
    memory_step_mb: IntIn(1, 10240) = 1
    duration: Distribution | None = None
    init: InitDistribution = Constant(value_s=0.0)

    @field_validator("init", mode="before")
    @classmethod
    def _init_preset(cls, v: Any) -> Any:
        """``{preset: ...}`` without ``dist`` is a preset, as in a function's ``init``."""
        return {"dist": "preset", **v} if isinstance(v, dict) and "preset" in v and "dist" not in v else v

    @field_serializer("init", mode="wrap")
    def _init_as_given(self, v: Any, handler: Any) -> Any:
        """A preset keeps only what was stated: each function fills in its own memory, arch and package type."""
        return v.model_dump(mode="json", exclude_unset=True) if isinstance(v, InitPreset) else handler(v)

    def init_of(self) -> Any:
        """Every function's ``init`` as scenario data (a preset without the function's own fields filled in)."""
        init = self.init
        return init.model_dump(mode="json", exclude_unset=True) if isinstance(init, InitPreset) else init

    @model_validator(mode="after")
    def _check(self) -> "TraceSet":
        trace = self.__dict__["trace"] = _load(self.path, self.kind)
        self._check_window(trace)
        rows = self.rows
        if self.duration is None:
            if trace.quantiles is None:
                raise PydanticCustomError("duration", "must give duration: the trace {p} has no durations",
                                          {"p": self.path})
            missing = [trace.ids[r] for r in rows if np.isnan(trace.quantiles[1][r]).any()]
            if missing:
                raise PydanticCustomError("duration", "must give duration: {n} selected functions have no "
                                          "duration percentiles in the trace (first: {f})",
                                          {"n": len(missing), "f": missing[0]})
        if self.memory_mb is None and trace.memory:
            missing = [trace.ids[r] for r in rows if np.isnan(trace.memory[self.memory_stat][r])]
            if missing:
                raise PydanticCustomError("memory", "must give memory_mb: {n} selected functions have no memory "
                                          "row in the trace (first: {f})", {"n": len(missing), "f": missing[0]})
        return self

    @cached_property
    def trace(self) -> Trace:
        return read_trace(self.path, self.kind)

    @cached_property
    def rows(self) -> list[int]:
        """The selected functions' rows in the trace, in the order they become functions."""
        trace, sel = self.trace, self.functions
        nf = len(trace.ids)
        if sel is None:
            return list(range(nf))
        if sel.top is not None:
            inv = trace.invocations(self.start_s, self._end(trace))
            return [int(r) for r in np.argsort(-inv, kind="stable")[: sel.top]]
        if sel.sample is not None:
            rng = np.random.default_rng(sel.seed)
            return sorted(int(r) for r in rng.choice(nf, size=min(sel.sample, nf), replace=False))
        rows = [_find(trace, n) for n in sel.names]
        if len(set(rows)) != len(rows):
            raise PydanticCustomError("names", "must name each function once", {})
        return rows

    @property
    def n_functions(self) -> int:
        return len(self.rows)

    def memory_of(self, row: int) -> int:
        if self.memory_mb is not None:
            return self.memory_mb
        mem = self.trace.memory.get(self.memory_stat)
        if mem is None:
            return 128
        step = self.memory_step_mb
        return int(min(10240, max(128, math.ceil(mem[row] / step) * step)))

    def duration_of(self, row: int) -> Distribution:
        if self.duration is not None:
            return self.duration
        probs, values = self.trace.quantiles
        vals = tuple(float(v) for v in values[row])
        if self.valid_quantiles[row]:  # what Quantiles' validation checks, checked for all rows at once
            return Quantiles.model_construct(probs=probs, values_s=vals)
        return Quantiles(probs=probs, values_s=vals)  # its one clear error

    @cached_property
    def valid_quantiles(self) -> np.ndarray:
        """Per trace row: whether its quantiles pass :class:`Quantiles`' checks (the probs are the reader's own,
        rising from 0 to 1; values finite, non-negative and not decreasing)."""
        probs, v = self.trace.quantiles
        p = np.asarray(probs)
        ok_p = len(p) >= 2 and p[0] == 0 and p[-1] == 1 and bool(np.all(np.diff(p) > 0))
        return ok_p & np.isfinite(v).all(axis=1) & (v >= 0).all(axis=1) & (np.diff(v, axis=1) >= 0).all(axis=1)

    def table(self) -> pd.DataFrame:
        """The selected functions: name, id, invocations in the window, memory and mean duration."""
        import pandas as pd
        trace, rows = self.trace, self.rows
        names = short_names(trace.ids)
        inv = trace.invocations(self.start_s, self._end(trace))
        return pd.DataFrame({
            "function": [names[r] for r in rows], "id": [trace.ids[r] for r in rows],
            "invocations": [int(inv[r]) for r in rows], "memory_mb": [self.memory_of(r) for r in rows],
            "duration_mean_s": [self.duration_of(r).mean for r in rows],
        })


def expand(ts: TraceSet) -> list[dict[str, Any]]:
    """One function (as scenario data) per selected trace function."""
    trace = ts.trace
    names = short_names(trace.ids)
    window = {"path": ts.path, "spread": ts.spread, "start_s": ts.start_s, "end_s": ts.end_s, "scale": ts.scale}
    init = ts.init_of()
    out = []
    for r in ts.rows:
        replay_ = TraceReplay.model_construct(kind="trace", format=ts.kind, function=trace.ids[r], **window)
        replay_.__dict__.update(trace=trace, row=r)  # the trace read once for all its functions
        out.append({"name": names[r], "memory_mb": ts.memory_of(r), "duration": ts.duration_of(r), "init": init,
                    "workload": replay_})
    return out


def load_trace(path: str | Path, format: str = "azure2019", *, functions: int | list[str] | dict | None = None,
               spread: str = "uniform", start_s: float = 0.0, end_s: float | None = None, scale: float = 1.0,
               seed: int = 0) -> pd.DataFrame:
    """The arrivals a scenario with this trace workload would replay, as a DataFrame.

    Columns: ``function`` (name), ``arrival_s`` (from the window's start) and
    ``duration_s`` (the trace's own, or, for azure2019, drawn from each
    function's fitted distribution exactly as the simulator draws them with
    the same ``seed``). ``functions`` is a number (the top N), a list of
    names or a selection dict (``{"sample": 20, "seed": 1}``). ``attrs``
    record the format, path, spread and scale.
    """
    import pandas as pd
    if format not in FORMATS:
        raise TraceError(f"load_trace: format must be one of {', '.join(FORMATS)}. Got {format!r} instead.")
    try:
        p = resolve_path(str(path))
    except PydanticCustomError as exc:
        raise TraceError(f"load_trace: path {exc.message()}.") from None
    read_trace(p, format)  # a malformed file raises TraceError here, with file, line and column
    sel = {"top": functions} if isinstance(functions, int) else (
        {"names": list(functions)} if isinstance(functions, (list, tuple)) else functions)
    try:
        ts = TraceSet.model_validate({"kind": format, "path": str(p), "functions": sel, "spread": spread,
                                      "start_s": start_s, "end_s": end_s, "scale": scale})
    except ValidationError as exc:
        raise TraceError(format_validation_error(exc, "load_trace")) from None
    frames, fns = [], expand(ts)
    for i, fn in enumerate(fns):
        times, dur = fn["workload"].arrivals(stream(seed, "arrivals", i))
        if dur is None:
            dur = fn["duration"].sample(stream(seed, "duration", i), len(times))
        frames.append(pd.DataFrame({"function": fn["name"], "arrival_s": times, "duration_s": dur}))
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["function", "arrival_s", "duration_s"])
    df = df.sort_values("arrival_s", kind="stable", ignore_index=True)
    df["function"] = pd.Categorical(df["function"], categories=[f["name"] for f in fns])
    df.attrs.update(format=format, path=str(p), spread=spread if format == "azure2019" else "exact",
                    scale=scale, durations="trace" if ts.trace.durations is not None else "fitted quantiles")
    return df
