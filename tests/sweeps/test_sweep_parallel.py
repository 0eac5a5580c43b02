"""Same sweep, same table: serial, a process pool and a real Dask cluster on 127.0.0.1;
no result lost when the runner is SIGKILLed (then resumed) or a Dask worker dies mid-sweep."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import lambdasim
from lambdasim.cli import main
from lambdasim.sweeps.spec import SweepSpec

ROOT = Path(__file__).absolute().parents[2]
DASK = str(Path(sys.executable).with_name("dask"))

SWEEP_YAML = """\
name: resume
base: {base}
overrides: {{horizon_s: {horizon}}}
factors:
  grid:
    lambda.keep_alive.idle_s: [5, 60, 600]
    functions.0.memory_mb: [128, 512]
replications: {reps}
seed: 17
"""


def sweep_spec(tmp_path: Path, horizon: float, reps: int) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text(SWEEP_YAML.format(base=ROOT / "data" / "scenarios" / "default.yaml", horizon=horizon, reps=reps))
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A 6-variant × 2 sweep of tiny runs and its serial table (the reference)."""
    spec = SweepSpec.from_file(sweep_spec(tmp_path_factory.mktemp("tiny"), horizon=60, reps=2))
    return spec, lambdasim.sweep(spec, progress=False)


def test_process_pool_gives_the_serial_table(tiny, tmp_path):
    spec, serial = tiny
    stored = lambdasim.sweep(spec, executor="processes", workers=2, out=tmp_path / "res", progress=False, batch_size=3)
    pd.testing.assert_frame_equal(stored, serial)
    pd.testing.assert_frame_equal(lambdasim.read_results(tmp_path / "res"), serial)


# --- a real cluster: `dask scheduler` and two `dask worker` processes -------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_worker(address: str, name: str) -> subprocess.Popen:
    return subprocess.Popen([DASK, "worker", address, "--name", name, "--nthreads", "1", "--no-nanny",
                             "--no-dashboard", "--host", "127.0.0.1", "--preload", "lambdasim"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client

    address = f"tcp://127.0.0.1:{_free_port()}"
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                               "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)]
    try:
        procs += [_start_worker(address, f"w{i}") for i in range(2)]
        client = Client(address, timeout="30s")
        client.wait_for_workers(2, timeout=60)
        yield address, client, procs
        client.close()
    finally:
        for p in procs:
            p.kill()
            p.wait()


@pytest.mark.dask
def test_dask_cluster_gives_the_serial_table(tiny, cluster, tmp_path):
    spec, serial = tiny
    address, client, _ = cluster
    pd.testing.assert_frame_equal(lambdasim.sweep(spec, executor=client, progress=False), serial)
    by_address = lambdasim.sweep(spec, executor=address, out=tmp_path / "res", progress=False)
    pd.testing.assert_frame_equal(by_address, serial)
    pd.testing.assert_frame_equal(lambdasim.read_results(tmp_path / "res"), serial)


@pytest.mark.dask
def test_a_worker_killed_mid_sweep_loses_no_results(cluster, tmp_path):
    """Kills worker w1 of the module's cluster, so this is the last test to use it."""
    address, client, procs = cluster
    spec = SweepSpec.from_file(sweep_spec(tmp_path, horizon=2500, reps=3))  # 18 runs of ~0.05-0.1 s
    reference = lambdasim.sweep(spec, progress=False)
    victim = procs[2]
    vaddr = next(a for a, w in client.scheduler_info()["workers"].items() if w["name"] == "w1")
    killed = threading.Event()

    def kill_when_busy():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if client.processing().get(vaddr):  # the victim holds tasks right now
                victim.send_signal(signal.SIGKILL)
                killed.set()
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=kill_when_busy, daemon=True)
    watcher.start()
    got = lambdasim.sweep(spec, executor=client, out=tmp_path / "res", progress=False, batch_size=1)
    watcher.join(timeout=5)
    assert killed.is_set(), "the victim worker never received a task"
    assert victim.wait(timeout=10) == -signal.SIGKILL
    pd.testing.assert_frame_equal(got, reference)
    pd.testing.assert_frame_equal(lambdasim.read_results(tmp_path / "res"), reference)


# --- resume after SIGKILL of the runner -----------------------------------------------
def test_resume_after_sigkill_of_the_runner(tmp_path):
    path = sweep_spec(tmp_path, horizon=4000, reps=2)  # 12 serial runs of ~0.15 s
    out = tmp_path / "res"
    cmd = [sys.executable, "-m", "lambdasim", "sweep", str(path), "--out", str(out), "--no-progress"]
    runner = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    parts = out / "parts"
    deadline = time.monotonic() + 60
    while not (parts.is_dir() and any(parts.glob("part-*.parquet"))) and runner.poll() is None:
        assert time.monotonic() < deadline, "the runner wrote nothing in 60 s"
        time.sleep(0.01)
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    assert runner.returncode == -signal.SIGKILL, runner.stderr.read().decode()
    partial = lambdasim.read_results(out)
    assert 0 < len(partial) < 12, "kill the runner part way"
    assert main(cmd[3:]) == 0  # the same command again, in this process
    final = lambdasim.read_results(out)
    assert len(final) == 12 and not final.duplicated(["variant", "replication"]).any()
    kept = final.merge(partial[["variant", "replication"]], on=["variant", "replication"])
    pd.testing.assert_frame_equal(kept, partial)  # rows written before the kill are kept as they were
    uninterrupted = lambdasim.sweep(SweepSpec.from_file(path), progress=False)
    pd.testing.assert_frame_equal(final, uninterrupted)
