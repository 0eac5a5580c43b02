"""lambdasim tune: memory x architecture for one function, simulated with its arrivals and cold starts."""
import json

import numpy as np
import pytest
import lambdasim

from lambdasim.work import CpuScaling
from lambdasim.cli import main
from lambdasim.comparison.tune import fit_cpu_split, pick, tune
from support.scenarios import one_function

MEMS = (128, 256, 512, 1024, 1769, 3008, 10240)


def _sc():
    return one_function(horizon_s=300, rate=2.0, duration={"dist": "constant", "value_s": 1.0})


def test_cpu_bound_cost_is_flat_below_one_vcpu_and_rises_beyond():
    df = tune(_sc(), "f", MEMS, cpu_scaling=CpuScaling(cpu_bound_fraction=1.0))
    cost = dict(zip(df["memory_mb"], df["cost_per_million_usd"]))
    below = [cost[m] for m in MEMS if m <= 1769]
    assert max(below) / min(below) - 1 < 0.002  # flat (1 ms rounding and the request price aside)
    assert cost[1769] < cost[3008] < cost[10240]
    assert cost[10240] / cost[1769] == pytest.approx(10240 / 1769, rel=0.01)  # no speed-up above 1 vCPU (p = 0)
    run = dict(zip(df["memory_mb"], df["duration_mean_ms"]))
    assert run[128] == pytest.approx(1000 * 1769 / 128, rel=1e-6) and run[3008] == run[1769] == 1000
    assert pick(df, "speed")["memory_mb"] == 1769  # ties go to the smaller memory


def test_io_bound_cheapest_is_the_smallest_memory():
    df = tune(_sc(), "f", MEMS, cpu_scaling=CpuScaling(cpu_bound_fraction=0.0))
    assert pick(df, "cost")["memory_mb"] == 128
    assert np.all(np.diff(df.sort_values("memory_mb")["cost_per_million_usd"]) > 0)


def test_arm_is_cheaper_at_the_same_speed_and_balanced_weights():
    df = tune(_sc(), "f", (512, 1769, 3008), ("x86_64", "arm64"), cpu_scaling=CpuScaling(cpu_bound_fraction=0.8))
    assert pick(df, "cost")["arch"] == "arm64"
    assert pick(df, "balanced", 1.0)["cost_per_million_usd"] == pick(df, "cost")["cost_per_million_usd"]
    assert pick(df, "balanced", 0.0)["duration_mean_ms"] == pick(df, "speed")["duration_mean_ms"]
    with pytest.raises(ValueError, match="strategy must be"):
        pick(df, "cheapest")


def test_fit_cpu_split_recovers_the_split_from_measurements():
    truth = CpuScaling(cpu_bound_fraction=0.6, parallel_fraction=0.0)
    from lambdasim.work import duration_factor
    mem = [128, 256, 512, 1024, 2048]
    d = [200.0 * duration_factor(m, truth) for m in mem]
    assert fit_cpu_split(mem, d).cpu_bound_fraction == pytest.approx(0.6, abs=1e-9)
    with pytest.raises(ValueError, match="at least two"):
        fit_cpu_split([128], [10.0])


def test_cli_tune_writes_csv_and_chart_and_fits_measurements(tmp_path, capsys):
    from pathlib import Path
    sc = tmp_path / "s.yaml"
    import yaml
    sc.write_text(yaml.safe_dump(_sc().to_dict()))
    measured = tmp_path / "m.csv"
    measured.write_text("memory_mb,duration_ms\n128,5000\n512,1500\n1024,900\n")
    out, png = tmp_path / "t.csv", tmp_path / "t.png"
    assert main(["tune", str(sc), "--function", "f", "--memory", "128,512,1769,3008", "--strategy", "cost",
                 "--measured", str(measured), "--csv", str(out), "--plot", str(png), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert 0 < doc["fitted_cpu_scaling"]["cpu_bound_fraction"] < 1 and len(doc["rows"]) == 4
    assert out.read_text().startswith("arch,memory_mb") and png.stat().st_size > 10_000
    assert main(["tune", str(sc), "--function", "nope"]) != 0
    assert "function must name one of" in capsys.readouterr().err


# --- the work model: CPU seconds at one vCPU and waiting seconds (lambdasim/work.py) ---------------------------
def _work_sc(cpu_s, wait_s):
    sc = _sc().to_dict()
    f = sc["functions"][0]
    del f["duration"]
    f["work"] = {"cpu": {"dist": "constant", "value_s": cpu_s}, "wait": {"dist": "constant", "value_s": wait_s}}
    return lambdasim.Scenario.from_dict(sc)


def test_work_cpu_bound_cost_is_flat_below_one_vcpu_and_rises_beyond():
    df = tune(_work_sc(1.0, 0.0), "f", MEMS)
    cost = dict(zip(df["memory_mb"], df["cost_per_million_usd"]))
    run = dict(zip(df["memory_mb"], df["duration_mean_ms"]))
    below = [cost[m] for m in MEMS if m <= 1769]
    assert max(below) / min(below) - 1 < 0.002  # run time x memory is constant below one vCPU
    assert run[128] == pytest.approx(1000 * 1769 / 128) and run[1769] == pytest.approx(1000)
    assert cost[1769] < cost[3008] < cost[10240]  # beyond one vCPU single-threaded work is no faster
    assert cost[10240] / cost[1769] == pytest.approx(10240 / 1769, rel=0.01)


def test_work_io_bound_cheapest_memory_is_the_smallest():
    df = tune(_work_sc(0.0, 1.0), "f", MEMS)
    assert pick(df, "cost")["memory_mb"] == 128
    assert np.all(np.diff(df.sort_values("memory_mb")["cost_per_million_usd"]) > 0)
    assert df["duration_mean_ms"].to_numpy() == pytest.approx(1000)  # waiting does not speed up with memory


def test_fit_work_recovers_cpu_and_waiting_from_measured_durations():
    from lambdasim.comparison.tune import fit_work, fitted_overrides
    from lambdasim.work import cpu_speed
    mem = [128, 256, 512, 1024, 1769, 3008]
    d = [300 / cpu_speed(m, 0.0) + 80 for m in mem]  # 300 ms CPU at one vCPU, 80 ms waiting
    w = fit_work(mem, d)
    assert (w.cpu.mean, w.wait.mean) == (pytest.approx(0.3), pytest.approx(0.08))
    overrides, fitted = fitted_overrides(_work_sc(1.0, 0.0), "f", mem, d)
    assert fitted.cpu.mean == pytest.approx(0.3) and "functions.0.work" in overrides
    run = tune(_work_sc(1.0, 0.0), "f", (512, 1769), overrides=overrides).set_index("memory_mb")["duration_mean_ms"]
    assert run[512] == pytest.approx(300 * 1769 / 512 + 80) and run[1769] == pytest.approx(380)
    # a duration function gets cpu_scaling instead
    assert "functions.0.cpu_scaling" in fitted_overrides(_sc(), "f", mem, d)[0]


def test_cli_tune_fits_a_work_function_from_a_measured_csv(tmp_path, capsys):
    import yaml
    sc = tmp_path / "w.yaml"
    sc.write_text(yaml.safe_dump(_work_sc(1.0, 0.0).to_dict()))
    measured = tmp_path / "m.csv"
    measured.write_text("memory_mb,duration_ms\n128,4226.5\n512,1116.6\n1769,380\n")  # 300 ms CPU + 80 ms waiting
    assert main(["tune", str(sc), "--function", "f", "--memory", "128,1769", "--measured", str(measured), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["fitted_work"]["cpu"]["value_s"] == pytest.approx(0.3, rel=1e-3)
    assert doc["fitted_work"]["wait"]["value_s"] == pytest.approx(0.08, rel=1e-2)
    assert main(["tune", str(sc), "--function", "f", "--measured", str(tmp_path / "none.csv")]) != 0
    assert "cannot read the measurements CSV" in capsys.readouterr().err
