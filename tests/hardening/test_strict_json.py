"""Strict JSON everywhere (issue 16): every machine-readable output parses with a parser that rejects
NaN and Infinity, in runs built to hold missing numbers (no completed request, one replication)."""
import json
import math

import pytest

from lambdasim.cli import main
from lambdasim.files import dumps_strict
from lambdasim.sweeps.driver import sweep
from support.scenarios import one_function

SCENARIO = "data/scenarios/default.yaml"


def _reject(c):
    raise ValueError(f"not strict JSON: {c}")


def strict(text: str):
    return json.loads(text, parse_constant=_reject)


def _nulls(obj) -> int:
    if isinstance(obj, dict):
        return sum(_nulls(v) for v in obj.values())
    if isinstance(obj, list):
        return sum(_nulls(v) for v in obj)
    return obj is None


def test_dumps_strict_writes_null_for_nan_and_infinities():
    import numpy as np
    text = dumps_strict({"a": math.nan, "b": [math.inf, -math.inf, np.float64("nan"), np.int64(3)], "c": 1.5})
    assert strict(text) == {"a": None, "b": [None, None, None, 3], "c": 1.5}


@pytest.mark.parametrize("platform", ["lambda", "ec2", "fargate"])
def test_run_json_with_no_completed_request_is_strict(platform, capsys):
    # 0.5 s of a 2 s mean duration: nothing completes, so latency percentiles are missing numbers
    argv = ["run", SCENARIO, "--platform", platform, "--horizon-s", "0.5", "--json", "--no-progress"]
    assert main(argv) == 0
    out = strict(capsys.readouterr().out)
    assert out["latency_p99_s"] is None and _nulls(out) >= 1


def test_compare_json_with_one_replication_is_strict(capsys):
    # one replication: every confidence half-width is a missing number (NaN inside, null outside)
    argv = ["compare", SCENARIO, "--horizon-s", "120", "--replications", "1", "--strategies", "configured",
            "--slo", "latency_p99_s=100", "--json"]
    assert main(argv) == 0
    out = strict(capsys.readouterr().out)
    assert out["rows"] and _nulls(out["rows"]) >= 1


def test_tune_json_is_strict(capsys):
    argv = ["tune", SCENARIO, "--function", "api", "--memory", "128,1024", "--set", "horizon_s=60", "--json"]
    assert main(argv) == 0
    assert strict(capsys.readouterr().out)


def test_sweep_folder_json_is_strict(tmp_path):
    base = one_function(horizon_s=0.5, rate=10.0, duration={"dist": "exponential", "mean_s": 2.0})
    sweep(base, {"functions.0.duration": [{"dist": "exponential", "mean_s": 2.0}, {"dist": "constant", "value_s": 3}]},
          out=tmp_path, progress=False)
    manifest = strict((tmp_path / "sweep.json").read_text())
    assert len(manifest["definition"]["variants"]) == 2
    files = list((tmp_path / "scenarios").glob("*.json"))
    assert len(files) == 2 and all(strict(f.read_text())["functions"] for f in files)
