"""The sweep driver: :func:`sweep` expands a sweep, runs it on an executor and stores the rows.

The definition and the pure expander live in :mod:`lambdasim.sweeps.spec`,
the executors in :mod:`lambdasim.sweeps.executors`, the results folder in
:mod:`lambdasim.sweeps.store`; this module only wires them together.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, TYPE_CHECKING

from lambdasim.simulation import check_work
from lambdasim.sweeps.executors import check_executor, execute, make_tasks
from lambdasim.sweeps.spec import build_spec, expand
from lambdasim.sweeps.store import ResultStore, finish_table

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["sweep"]


def sweep(base, factors=None, replications: int = 1, *, seed: int = 0, executor: Any = "serial",
          workers: int | None = None, out: str | Path | None = None, progress: bool = True,
          overrides: dict[str, Any] | None = None, common_random_numbers: bool = False,
          name: str = "sweep", platform: str = "lambda", batch_size: int | None = None,
          max_runs: int | None = None, max_arrivals: float | None = None) -> pd.DataFrame:
    """Run every (variant, replication) of a sweep; one row each, as a DataFrame.

    ``base`` is a Scenario, a scenario file or dict (or a whole
    :class:`SweepSpec`, then the other definition arguments are ignored).
    ``executor``: ``"serial"``, ``"processes"`` (``workers`` processes), a
    ``distributed.Client`` or a scheduler address ``"tcp://host:port"``.
    With ``out``, rows are written to that results folder as they complete
    and a re-run computes only the pairs still missing. A run that raises
    becomes a row with ``status="failed"`` and its ``error``; the sweep goes on.
    ``platform`` is passed to :func:`lambdasim.simulate` (``"lambda"`` or ``"ec2"``).
    A sweep of more than ``max_runs`` runs (default 10,000), or with a variant expected to simulate
    more than ``max_arrivals`` arrivals per run (default 200,000,000), is refused before anything runs.
    """
    import pandas as pd
    check_executor(executor)
    spec = build_spec(base, factors, replications, seed, overrides, common_random_numbers, name, platform)
    variants = expand(spec, max_runs)
    for v in variants:  # a runaway variant stops the sweep before it starts, not one row at a time
        check_work(v.scenario, "summary", max_arrivals)
    store = ResultStore(out) if out is not None else None
    done = store.open(spec, variants) if store else set()
    tasks = make_tasks(spec, variants, skip=done, max_arrivals=max_arrivals)
    rows: list[dict] = []
    failed = 0
    bar = _progress(progress, len(variants) * spec.replications, len(variants) * spec.replications - len(tasks), spec.name)
    batches = execute(tasks, executor, workers=workers, batch_size=batch_size)
    try:
        for batch in batches:
            if store:
                store.append(batch)
            else:
                rows.extend(batch)
            failed += sum(r["status"] == "failed" for r in batch)
            bar.update(len(batch))
            if failed:
                bar.set_postfix(failed=failed, refresh=False)
    finally:  # on Ctrl-C or an error too: keep what is done, stop what is running
        bar.close()
        if store:
            store.flush()
        if hasattr(batches, "close"):
            batches.close()
    table = store.read() if store else pd.DataFrame(rows)
    return finish_table(table, spec, variants)


def _progress(enabled: bool, total: int, initial: int, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit="run", disable=not enabled, smoothing=0.1)
