"""lambdasim tune: memory x architecture for one function, simulated with its arrivals and cold starts."""
import json

import numpy as np
import pytest

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
