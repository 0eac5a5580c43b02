"""Where sweep runs execute: in this process, a local process pool, or Dask.

The runner :func:`run_one` maps one (scenario, seed) to one row; it is pure
(its row depends on its arguments alone and it writes nothing), so any run
may be repeated anywhere: Dask retries a lost worker's tasks elsewhere and
a resumed sweep recomputes exactly the rows that were never written.
:func:`execute` yields lists of rows as batches complete, in any order;
the caller writes them.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import sys
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, Iterator, NamedTuple

from lambdasim.errors import SweepError
from lambdasim.scenario import Scenario
from lambdasim.simulation import simulate
from lambdasim.sweeps.spec import run_seed

__all__ = ["Task", "run_one", "run_batch", "failed_rows", "make_tasks", "check_executor", "execute", "batch_size_for"]


class Task(NamedTuple):
    """One run: a variant's scenario and factors, its replication index and seed."""

    scenario: Scenario
    factors: dict[str, Any]
    variant: str
    replication: int
    seed: int
    platform: str = "lambda"
    max_arrivals: float | None = None  # the run's work limit (simulate's max_arrivals)


def run_one(task: Task) -> dict[str, Any]:
    """One row: factor values, identity, seed, status, error and every summary metric."""
    row = _identity(task)
    try:
        summary = simulate(task.scenario, platform=task.platform, seed=task.seed, records="summary",
                           max_arrivals=task.max_arrivals).summary
    except Exception as exc:  # a failed run is a row, not the end of the sweep
        return {**row, "status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    return {**row, "status": "ok", "error": None, **summary}


def run_batch(tasks: list[Task]) -> list[dict[str, Any]]:
    return [run_one(t) for t in tasks]


def failed_rows(tasks: list[Task], error: str) -> list[dict[str, Any]]:
    """Rows for runs that never ran to the end (their executor gave up): status failed, with the reason."""
    return [{**_identity(t), "status": "failed", "error": error} for t in tasks]


def _identity(task: Task) -> dict[str, Any]:
    return {**{p: _cell(v) for p, v in task.factors.items()},
            "variant": task.variant, "replication": task.replication, "seed": task.seed}


def _cell(v: Any) -> Any:
    """Factor values that are not scalars (a distribution, a list) go into the table as JSON text."""
    return v if v is None or isinstance(v, (bool, int, float, str)) else json.dumps(v, sort_keys=True)


def make_tasks(spec, variants, skip: set[tuple[str, int]] = frozenset(), max_arrivals: float | None = None) -> list[Task]:
    """Every (variant, replication) not in ``skip``, variant by variant."""

    return [Task(v.scenario, v.factors, v.key, r, run_seed(spec.seed, v.key, r, spec.common_random_numbers), spec.platform,
                 max_arrivals)
            for v in variants for r in range(spec.replications) if (v.key, r) not in skip]


def batch_size_for(n_tasks: int, slots: int) -> int:
    """Runs per task: about 32 tasks per worker slot (balanced tails), at most 100 runs per task."""
    return max(1, min(100, n_tasks // (max(slots, 1) * 32)))


def _batches(tasks: list[Task], size: int) -> list[list[Task]]:
    return [tasks[i:i + size] for i in range(0, len(tasks), size)]


def check_executor(executor: Any) -> None:
    """Refuse an executor :func:`execute` does not know, before anything runs or is written."""
    if executor in (None, "serial", "processes") or (isinstance(executor, str) and "://" in executor):
        return
    if type(executor).__name__ == "Client" and hasattr(executor, "submit"):
        return
    raise SweepError(f"executor must be 'serial', 'processes', a distributed.Client or a scheduler address "
                     f"like 'tcp://127.0.0.1:8786'. Got {executor!r} instead.")


def execute(tasks: list[Task], executor: Any = "serial", workers: int | None = None,
            batch_size: int | None = None) -> Iterator[list[dict[str, Any]]]:
    """Yield the rows of ``tasks`` batch by batch as they complete."""
    check_executor(executor)
    if workers is not None and workers < 1:
        raise SweepError(f"workers must be an int >= 1. Got {workers!r} instead.")
    if not tasks:
        return iter(())
    if executor in (None, "serial"):
        return ([run_one(t)] for t in tasks)
    if executor == "processes":
        n = workers or os.cpu_count() or 1
        return _pool(_batches(tasks, batch_size or batch_size_for(len(tasks), n)), n)
    if isinstance(executor, str):
        return _dask_address(tasks, executor, batch_size)
    return _dask(tasks, executor, batch_size)


def _pool(batches: list[list[Task]], workers: int) -> Iterator[list[dict[str, Any]]]:
    # forkserver: workers fork from a clean server that has imported lambdasim once
    # (fork from a process with threads is unsafe; spawn re-imports per worker).
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["lambdasim.sweeps.executors"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    todo, running = iter(batches), set()
    interrupted = False
    try:
        while True:
            while len(running) < 4 * workers and (b := next(todo, None)) is not None:
                with _workers_skip_main():  # workers start inside submit
                    running.add(pool.submit(run_batch, b))
            if not running:
                return
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                yield fut.result()
    except BaseException:  # Ctrl-C, an error, or the caller closing us early: do not wait for running batches
        interrupted = True
        raise
    finally:
        if interrupted:
            _stop_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _workers_skip_main():
    """Start pool workers without re-running the caller's ``__main__``.

    forkserver and spawn workers import the main script again (as
    ``__mp_main__``) before their first task; in a script without an
    ``if __name__ == "__main__":`` guard that import starts the sweep again
    inside the worker, which dies (BrokenProcessPool). Tasks hold only
    lambdasim objects and plain data, so the workers never need ``__main__``:
    while workers start, multiprocessing sees a main module with no file and
    no module name (as in Jupyter or ``python -c``) and imports nothing.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    missing = object()
    saved = {k: main.__dict__.get(k, missing) for k in ("__file__", "__spec__")}
    main.__dict__.pop("__file__", None)
    main.__spec__ = None
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is missing:
                main.__dict__.pop(k, None)
            else:
                main.__dict__[k] = v


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate the pool's worker processes now (their running batches are dropped, not written)."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):  # stdlib has no public handle (3.11)
        if proc.is_alive():
            proc.terminate()
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.join(timeout=5)


def _dask_address(tasks, address: str, batch_size) -> Iterator[list[dict[str, Any]]]:
    from distributed import Client

    try:
        client = Client(address, timeout="20s")
    except (OSError, ValueError, TimeoutError) as exc:  # unreachable, or not an address Dask knows
        raise SweepError(f"Could not reach the Dask scheduler at {address!r}: {exc}") from None
    with client:
        yield from _dask(tasks, client, batch_size)


def _dask(tasks, client, batch_size) -> Iterator[list[dict[str, Any]]]:
    """Yield batches as they finish; a batch Dask gives up on (its workers died more often than
    ``distributed.scheduler.allowed-failures``, or no worker was connected for ``no_worker_s``) becomes
    failed rows naming the reason, so the sweep always ends."""
    import dask
    from distributed import wait as dask_wait

    slots = sum(client.nthreads().values()) or 1
    sweep_id = uuid.uuid4().hex  # keys unique to this call: two sweeps never share a result
    batches = _batches(tasks, batch_size or batch_size_for(len(tasks), slots))
    pending = {}
    for i, b in enumerate(batches):
        fut = client.submit(run_batch, b, key=f"lambdasim-runs-{sweep_id}-{i}")
        pending[fut.key] = (fut, b)
    del batches
    patience = float(dask.config.get("lambdasim.no-worker-timeout", NO_WORKER_S))
    lonely_since = None
    try:
        while pending:
            try:
                finished = dask_wait([f for f, _ in pending.values()], timeout=1.0, return_when="FIRST_COMPLETED").done
            except TimeoutError:
                finished = set()
            for fut in finished:
                _, batch = pending.pop(fut.key)  # let the cluster forget each batch once its rows are here
                if fut.status == "finished":
                    yield fut.result()
                else:
                    yield failed_rows(batch, _dask_reason(fut))
            if finished or client.scheduler_info().get("workers"):
                lonely_since = None
            elif lonely_since is None:
                lonely_since = time.monotonic()
            elif time.monotonic() - lonely_since > patience:
                reason = (f"NoDaskWorkers: no worker connected to the scheduler for {patience:g} s; "
                          f"run not done (re-run with the same --out once workers are back)")
                left = [t for _, b in pending.values() for t in b]
                pending_futures = [f for f, _ in pending.values()]
                pending.clear()
                client.cancel(pending_futures)
                yield failed_rows(left, reason)
    finally:  # stopped early (Ctrl-C, an error): drop the rest from the cluster
        if pending:
            client.cancel([f for f, _ in pending.values()])


NO_WORKER_S = 60.0  # how long a sweep waits for a Dask worker before it fails the runs left


def _dask_reason(fut) -> str:
    """The one-line reason Dask gave up on a batch (KilledWorker after too many worker deaths, cancelled, ...)."""
    try:
        exc = fut.exception(timeout=5)
    except Exception as err:  # cancelled futures raise here
        exc = err
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}"
