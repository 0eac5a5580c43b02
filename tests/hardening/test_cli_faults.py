"""Faults at the CLI and in results folders end in one line and exit status 2 (issue 16)."""
import json
from pathlib import Path

import pytest

from lambdasim.cli import main
from lambdasim.errors import SweepError
from lambdasim.sweeps.driver import sweep
from lambdasim.sweeps.store import read_results
from support.scenarios import one_function

SWEEP = "name: s\nbase: {base}\nfactors:\n  functions.0.memory_mb: [128, 256]\n"


def _err(capsys):
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    return err


def test_sweep_with_a_bogus_scheduler_exits_2(tmp_path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text(SWEEP.format(base=Path("data/scenarios/default.yaml").resolve()))
    assert main(["sweep", str(f), "--out", str(tmp_path / "o"), "--scheduler", "bogus://x", "--no-progress"]) == 2
    assert "Dask scheduler at 'bogus://x'" in _err(capsys)


def test_run_plots_onto_a_file_exits_2(tmp_path, capsys):
    f = tmp_path / "plots.png"
    f.write_text("x")
    assert main(["run", "data/scenarios/default.yaml", "--set", "horizon_s=10", "--plots", str(f), "--no-progress"]) == 2
    assert "--plots must name a folder" in _err(capsys)


@pytest.fixture()
def results(tmp_path):
    out = tmp_path / "r"
    sweep(one_function(horizon_s=20, rate=1.0), {"functions.0.memory_mb": [128, 256]}, out=out, progress=False)
    return out


def test_results_folder_whose_manifest_is_a_list(results):
    (results / "sweep.json").write_text("[1, 2]")
    with pytest.raises(SweepError, match=r"sweep.json: not a sweep manifest .*got list"):
        read_results(results)
    with pytest.raises(SweepError, match="not a sweep manifest"):
        sweep(one_function(horizon_s=20, rate=1.0), {"functions.0.memory_mb": [128, 256]}, out=results, progress=False)


def test_results_folder_with_a_truncated_part(results):
    part = sorted((results / "parts").glob("part-*.parquet"))[0]
    part.write_bytes(part.read_bytes()[:40])
    with pytest.raises(SweepError, match=r"a damaged results part .*Delete this file"):
        read_results(results)


def _reject(c):
    raise ValueError(f"not strict JSON: {c}")


def test_run_json_and_manifest_are_strict_json(results, capsys):
    assert main(["run", "data/scenarios/default.yaml", "--set", "horizon_s=5", "--json", "--no-progress"]) == 0
    s = json.loads(capsys.readouterr().out, parse_constant=_reject)
    assert s["invocations"] >= 0
    json.loads((results / "sweep.json").read_text(), parse_constant=_reject)
