"""A Dask sweep always ends: runs whose workers keep dying, or that find no worker at all, become failed rows
that say why; a resumed sweep computes those rows again."""
from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import lambdasim

ROOT = Path(__file__).absolute().parents[2]
BASE = str(ROOT / "data" / "scenarios" / "default.yaml")
FACTORS = {"grid": {"lambda.keep_alive.idle_s": [5, 60, 600]}}

pytestmark = pytest.mark.dask


def test_worker_loss_beyond_the_retry_budget_gives_failed_rows(tmp_path):
    import dask
    from distributed import Client, LocalCluster

    # allowed-failures 0: the first worker death while a batch runs is beyond the retry budget. If the nanny's
    # restarted worker is slow to come back (a loaded machine), the runs left end as NoDaskWorkers after 10 s.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0, "lambdasim.no-worker-timeout": 10}), \
            LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        killed = threading.Event()

        def kill_when_busy():  # SIGKILL the worker process while it runs a batch (its nanny restarts it)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not killed.is_set():
                busy = [a for a, tasks in client.processing().items() if tasks]
                if busy:
                    pids = client.run(os.getpid, workers=busy)
                    for pid in pids.values():
                        os.kill(pid, signal.SIGKILL)
                    killed.set()
                time.sleep(0.05)

        watcher = threading.Thread(target=kill_when_busy, daemon=True)
        watcher.start()
        started = time.monotonic()
        got = lambdasim.sweep(BASE, FACTORS, replications=2, overrides={"horizon_s": 5000}, executor=client,
                              out=tmp_path / "res", progress=False, batch_size=1)
        took = time.monotonic() - started
        watcher.join(timeout=5)
    assert killed.is_set(), "the worker never received a task"
    assert len(got) == 6 and took < 180
    lost = got[got["status"] == "failed"]
    assert len(lost) >= 1 and got.attrs["failed"] == len(lost)
    assert lost["error"].str.startswith(("KilledWorker:", "NoDaskWorkers:")).all(), lost["error"].tolist()
    assert lost["error"].str.contains("KilledWorker: Attempted to run task").any(), lost["error"].tolist()
    # the rows Dask gave up on are not "done": resuming (serially here) computes exactly them
    resumed = lambdasim.sweep(BASE, FACTORS, replications=2, overrides={"horizon_s": 5000}, out=tmp_path / "res",
                              progress=False)
    assert (resumed["status"] == "ok").all() and len(resumed) == 6
    ok_before = got[got["status"] == "ok"].reset_index(drop=True)
    if len(ok_before):  # rows done before stay as they were
        kept = resumed.merge(ok_before[["variant", "replication"]]).reset_index(drop=True)
        pd.testing.assert_frame_equal(kept[ok_before.columns], ok_before, check_dtype=False)


def test_no_worker_at_all_ends_the_sweep_with_failed_rows(tmp_path):
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"lambdasim.no-worker-timeout": 2}), \
            LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster, Client(cluster) as client:
        started = time.monotonic()
        got = lambdasim.sweep(BASE, FACTORS, replications=1, overrides={"horizon_s": 60}, executor=client,
                              progress=False)
        took = time.monotonic() - started
    assert took < 30 and len(got) == 3 and (got["status"] == "failed").all()
    assert got["error"].str.startswith("NoDaskWorkers: no worker connected to the scheduler for 2 s").all()
