"""Process sweeps as users start them: from a script without a ``__main__`` guard, and stopped with Ctrl-C."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd

import lambdasim

ROOT = Path(__file__).absolute().parents[2]
BASE = ROOT / "data" / "scenarios" / "default.yaml"


def test_an_unguarded_script_sweeps_on_processes(tmp_path):
    """forkserver workers would re-import the script (and start the sweep again inside each worker)."""
    script = tmp_path / "quick.py"
    script.write_text(textwrap.dedent(f"""\
        import lambdasim
        print("script body ran")
        df = lambdasim.sweep({str(BASE)!r}, {{"grid": {{"lambda.keep_alive.idle_s": [5, 60]}}}}, replications=2,
                             overrides={{"horizon_s": 60}}, executor="processes", workers=2, progress=False,
                             out={str(tmp_path / "res")!r})
        print("statuses", sorted(df["status"]))
    """))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("script body ran") == 1  # the workers never ran the script
    assert "statuses ['ok', 'ok', 'ok', 'ok']" in done.stdout
    serial = lambdasim.sweep(str(BASE), {"grid": {"lambda.keep_alive.idle_s": [5, 60]}}, replications=2,
                             overrides={"horizon_s": 60}, progress=False)
    pd.testing.assert_frame_equal(lambdasim.read_results(tmp_path / "res"), serial)


def _group(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group, from /proc."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


SWEEP = """\
name: interrupted
base: {base}
overrides: {{horizon_s: 3000}}
factors:
  grid:
    lambda.keep_alive.idle_s: [5, 60, 600]
    functions.0.memory_mb: [128, 512]
replications: 12
seed: 3
"""


def _own_group_with_ctrl_c() -> None:
    """In the child before exec: its own process group (we can see every descendant), and SIGINT at its
    default (a test run started in the background inherits SIGINT ignored; Python then never raises
    KeyboardInterrupt)."""
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_every_worker_and_keeps_the_rows_written(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text(SWEEP.format(base=BASE))
    out = tmp_path / "res"
    cmd = [sys.executable, "-m", "lambdasim", "sweep", str(path), "--out", str(out), "--workers", "2", "--no-progress"]
    runner = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              preexec_fn=_own_group_with_ctrl_c)
    try:
        parts = out / "parts"
        deadline = time.monotonic() + 120
        while not (parts.is_dir() and any(parts.glob("part-*.parquet"))):
            assert runner.poll() is None, runner.stderr.read()
            assert time.monotonic() < deadline, "the sweep wrote nothing in 120 s"
            time.sleep(0.02)
        assert len(_group(runner.pid)) >= 3, "the runner, its forkserver and workers should be alive"
        runner.send_signal(signal.SIGINT)  # what Ctrl-C sends the runner
        _, err = runner.communicate(timeout=60)
        assert runner.returncode == 130 and "interrupted" in err, err
        deadline = time.monotonic() + 20
        while _group(runner.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _group(runner.pid) == [], "orphan processes left behind"
    finally:
        if runner.poll() is None or _group(runner.pid):
            os.killpg(runner.pid, signal.SIGKILL)
    kept = lambdasim.read_results(out)
    assert 0 < len(kept) < 72, "interrupt the sweep part way"
    assert (kept["status"] == "ok").all() and not kept.duplicated(["variant", "replication"]).any()
