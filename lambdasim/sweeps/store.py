"""A sweep's results folder: rows that are never lost, and a resumable sweep.

Layout::

    OUT/sweep.json                 manifest: definition, fingerprint, variants
    OUT/scenarios/<variant>.json   the resolved scenario of each variant
    OUT/parts/part-*.parquet       rows, appended as they complete

Each part file is written to a temporary name and renamed into place, so a
killed process leaves whole parts or none. Reading dedups on
(variant, replication), so a pair written twice (two runners, a crash
between write and bookkeeping) still appears exactly once.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any, TYPE_CHECKING

from lambdasim.errors import SweepError
from lambdasim.files import dumps_strict
from lambdasim.version import __version__
from lambdasim.sweeps.spec import RESERVED

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ResultStore", "read_results", "finish_table"]

FORMAT = 1

# Failures of the executor, not of the run (a Dask task whose workers kept dying, no worker connected):
# such rows are not "done", so a resumed sweep computes them again. Errors start with the exception name.
EXECUTOR_LOST = ("KilledWorker:", "NoDaskWorkers:", "CancelledError:")


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def definition(spec, variants) -> dict[str, Any]:
    """What must match for two runs to share a results folder (replications may grow)."""
    return {"base": spec.resolved_base().to_dict(),
            "variants": [{"key": v.key, "factors": v.factors} for v in variants],
            "seed": spec.seed, "common_random_numbers": spec.common_random_numbers, "platform": spec.platform}


class ResultStore:
    """Append-only Parquet parts plus a manifest; ``flush_s`` bounds how long rows wait in memory."""

    def __init__(self, path: str | Path, flush_s: float = 0.5):
        self.path = Path(path)
        self.flush_s = flush_s
        self._buffer: list[dict[str, Any]] = []
        self._last = time.monotonic()
        self._count = 0

    @property
    def parts(self) -> Path:
        return self.path / "parts"

    def open(self, spec, variants) -> set[tuple[str, int]]:
        """Create or check the folder for this sweep; returns the pairs already done."""

        if self.path.exists() and not self.path.is_dir():
            raise SweepError(f"The results folder {str(self.path)!r} is a file; --out must name a folder.")
        defn = definition(spec, variants)
        fingerprint = hashlib.sha256(_canonical(defn).encode()).hexdigest()
        manifest_path = self.path / "sweep.json"
        old = None
        if manifest_path.is_file():
            old = _manifest(manifest_path)
            if old.get("fingerprint") != fingerprint:
                changed = [k for k in defn if _canonical(old.get("definition", {}).get(k)) != _canonical(defn[k])]
                raise SweepError(
                    f"The results folder {str(self.path)!r} holds a different sweep: its "
                    f"{', '.join(changed) or 'definition'} differ(s) from this one. Use another folder "
                    f"(--out) or delete this one to start over.")
        (self.path / "scenarios").mkdir(parents=True, exist_ok=True)
        self.parts.mkdir(exist_ok=True)
        for v in variants:
            p = self.path / "scenarios" / f"{v.key}.json"
            if not p.exists():
                _write_atomic(p, dumps_strict(v.scenario.to_dict(), indent=1))
        manifest = {"format": FORMAT, "name": spec.name, "fingerprint": fingerprint,
                    "replications": max(spec.replications, (old or {}).get("replications", 0)),
                    "factors": spec.factors.paths(), "lambdasim_version": __version__, "definition": defn}
        _write_atomic(manifest_path, dumps_strict(manifest, indent=1))
        return self.done()

    def done(self) -> set[tuple[str, int]]:
        """The (variant, replication) pairs with a row on disk, but for runs the executor lost."""
        import pandas as pd
        files = self._files()
        if not files:
            return set()
        df = pd.concat([_part(f, ["variant", "replication", "status", "error"]) for f in files])
        lost = (df["status"] == "failed") & df["error"].fillna("").str.startswith(EXECUTOR_LOST)
        df = df[~lost]
        return set(zip(df["variant"], df["replication"].astype(int)))

    def append(self, rows: list[dict[str, Any]]) -> None:
        """Queue rows; they reach disk within ``flush_s`` (or at :meth:`flush`)."""
        self._buffer.extend(rows)
        if time.monotonic() - self._last >= self.flush_s:
            self.flush()

    def flush(self) -> None:
        import pandas as pd
        self._last = time.monotonic()
        if not self._buffer:
            return
        self._count += 1
        name = f"part-{time.time_ns()}-{os.getpid()}-{self._count}.parquet"
        tmp = self.parts / f".{name}.tmp"
        pd.DataFrame(self._buffer).to_parquet(tmp, index=False)
        os.replace(tmp, self.parts / name)
        self._buffer = []

    def _files(self) -> list[Path]:
        return sorted(self.parts.glob("part-*.parquet")) if self.parts.is_dir() else []

    def manifest(self) -> dict[str, Any]:
        p = self.path / "sweep.json"
        if not p.is_file():
            raise SweepError(f"{str(self.path)!r} is not a sweep results folder (no sweep.json in it).")
        return _manifest(p)

    def read(self) -> pd.DataFrame:
        """Every stored row, each (variant, replication) once, in sweep order."""
        import pandas as pd
        m = self.manifest()
        files = self._files()
        df = pd.concat([_part(f) for f in files], ignore_index=True) if files else pd.DataFrame(
            columns=[*m["factors"], *RESERVED])
        order = {v["key"]: i for i, v in enumerate(m["definition"]["variants"])}
        df = _dedup(df, order)
        df.attrs.update(sweep=m["name"], factors=list(m["factors"]), fingerprint=m["fingerprint"])
        return df


def _manifest(path: Path) -> dict[str, Any]:
    """A results folder's ``sweep.json``; a :class:`SweepError` naming it if it is not one."""
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise SweepError(f"{path}: not a sweep manifest (not readable JSON: {exc}). Delete the folder or use "
                         "another --out.") from None
    if not isinstance(m, dict) or not {"fingerprint", "factors", "definition", "name"} <= set(m):
        raise SweepError(f"{path}: not a sweep manifest (expected a JSON object with fingerprint, factors, "
                         f"definition and name; got {type(m).__name__}). Delete the folder or use another --out.")
    return m


def _part(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """One part file of rows; a :class:`SweepError` naming it if it is truncated or not Parquet."""
    import pandas as pd

    try:
        return pd.read_parquet(path, columns=columns)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError: a damaged file
        raise SweepError(f"{path}: a damaged results part ({type(exc).__name__}: {str(exc)[:200]}). Delete this "
                         "file; re-running the sweep with the same --out recomputes its rows.") from None


def _dedup(df: pd.DataFrame, order: dict[str, int]) -> pd.DataFrame:
    """One row per (variant, replication), an ok row before a failed one, sorted in sweep order."""
    if df.empty:
        return df.reset_index(drop=True)
    rank = df["variant"].map(order).fillna(len(order))
    df = df.assign(_v=rank, _bad=(df["status"] != "ok").astype(int))
    df = df.sort_values(["_v", "replication", "_bad"], kind="stable")
    df = df.drop_duplicates(["variant", "replication"]).drop(columns=["_v", "_bad"])
    return df.reset_index(drop=True)


def finish_table(df: pd.DataFrame, spec, variants) -> pd.DataFrame:
    """Restrict to this sweep's pairs, order rows and columns, attach attrs."""
    paths = spec.factors.paths()
    order = {v.key: i for i, v in enumerate(variants)}
    if not df.empty:
        df = df[df["variant"].isin(order) & (df["replication"] < spec.replications)]
        df = _dedup(df, order)
        first = [c for c in [*paths, *RESERVED] if c in df.columns]
        df = df[first + [c for c in df.columns if c not in first]]
    df.attrs.update(sweep=spec.name, factors=paths, failed=int((df.get("status") == "failed").sum()) if not df.empty else 0)
    return df


def read_results(path: str | Path) -> pd.DataFrame:
    """The table of a sweep results folder (one call, whatever executor wrote it)."""
    return ResultStore(path).read()
