"""Exactness fingerprints: one SHA-256 per (case, part) of a simulation's outputs.

Speed work must be exact (same seed, same numbers in every column). This
module runs ~60 short cases covering the engine's paths (selection
policies, keep-alive, limits, retries, errors, timeouts, lifetime, the
hybrid histogram, provisioned concurrency, burst budgets, several
functions, async/stream/SQS, the five application scenarios, an Azure
trace day, EC2), each in full and summary records, and hashes every part a
user can see: the summary, every invocation and instance column, the time
series, the by-function table and the cost lines. Floats are hashed by
their exact bytes (``ndarray.tobytes`` / ``float.hex``), so a change in
the last bit of any number changes the hash.

``tests/test_fingerprint.py`` compares against ``tests/fingerprint_baseline.json``.
Regenerate the baseline ONLY when a change is MEANT to change numbers (a
model fix, a new RNG stream), and say why in the commit message::

    .venv/bin/python tests/support/fingerprint.py --update

Without ``--update`` it prints the cases whose hashes differ.
"""
from __future__ import annotations

import hashlib
import json
import math
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "tests" / "fingerprint_baseline.json"


# --- hashing --------------------------------------------------------------------------------------------
def hash_value(h, v: Any) -> None:
    if isinstance(v, float):
        h.update(b"f" + (v.hex() if not math.isnan(v) else "nan").encode())
    elif isinstance(v, (bool, np.bool_)):
        h.update(b"b1" if v else b"b0")
    elif isinstance(v, (int, np.integer)):
        h.update(b"i" + str(int(v)).encode())
    elif isinstance(v, np.floating):
        hash_value(h, float(v))
    elif isinstance(v, dict):
        h.update(b"{")
        for k in sorted(v, key=str):
            hash_value(h, str(k))
            hash_value(h, v[k])
        h.update(b"}")
    elif isinstance(v, (list, tuple)):
        h.update(b"[")
        for x in v:
            hash_value(h, x)
        h.update(b"]")
    elif isinstance(v, np.ndarray):
        hash_array(h, v)
    elif v is None:
        h.update(b"N")
    else:
        h.update(b"s" + str(v).encode())


def hash_array(h, a: np.ndarray) -> None:
    if a.dtype == object:
        hash_value(h, a.tolist())
        return
    h.update(str(a.dtype).encode() + str(a.shape).encode())
    h.update(np.ascontiguousarray(a).tobytes())


def hash_frame(h, df) -> None:
    """Every column of a DataFrame by name, dtype and exact bytes (categoricals by codes and categories)."""
    import pandas as pd

    h.update(str(list(df.columns)).encode())
    h.update(str(len(df)).encode())
    if not isinstance(df.index, pd.RangeIndex):
        hash_value(h, [str(x) for x in df.index])
    for c in df.columns:
        col = df[c]
        h.update(str(c).encode())
        if isinstance(col.dtype, pd.CategoricalDtype):
            hash_value(h, list(col.cat.categories))
            hash_array(h, np.asarray(col.cat.codes))
        else:
            hash_array(h, col.to_numpy())


def digest(part: Callable[[Any], None], *args) -> str:
    h = hashlib.sha256()
    part(h, *args)
    return h.hexdigest()[:20]


def fingerprint(result: Any, full: bool, step_s: float) -> dict[str, str]:
    """Hashes of every visible part of a Lambda, EC2, Fargate or LMI result."""
    out = {"summary": digest(hash_value, result.summary), "cost": digest(hash_frame, result.cost),
           "timeseries": digest(hash_frame, result.timeseries(step_s)) if full else None}
    if hasattr(result, "monthly_cost"):
        out["monthly_cost"] = digest(hash_frame, result.monthly_cost)
    if hasattr(result, "by_function"):
        out["by_function"] = digest(hash_frame, result.by_function)
    if hasattr(result, "scaling"):
        out["scaling"] = digest(hash_frame, result.scaling)
    if full:
        out["invocations"] = digest(hash_frame, result.invocations)
        out["instances"] = digest(hash_frame, result.instances)
    app = getattr(result, "application", None)
    if app is not None:
        out["app_summary"] = digest(hash_value, app.summary())
        for name in ("end_to_end", "events", "by_function", "edges"):
            out["app_" + name] = digest(hash_frame, getattr(app, name))
    return {k: v for k, v in out.items() if v is not None}


# --- cases ------------------------------------------------------------------------------------------------
EXP = {"dist": "exponential", "mean_s": 1.0}
POISSON = {"kind": "poisson", "rate_per_s": 20}
BURSTY = {"kind": "bursty", "base_rate_per_s": 2, "burst_rate_per_s": 80, "mean_burst_s": 20, "mean_gap_s": 60}


def _fn(name: str = "f", **kw: Any) -> dict:
    f = {"name": name, "memory_mb": 512, "duration": EXP, "init": {"dist": "constant", "value_s": 0.4},
         "workload": POISSON}
    f.update(kw)
    return f


def _sc(functions: list[dict] | None = None, *, horizon_s: float = 600.0, seed: int = 5, lam: dict | None = None,
        **top: Any) -> dict:
    lam_ = {"keep_alive": {"policy": "fixed", "idle_s": 600}, "instance_selection": "mru",
            "account_concurrency": 1000}
    lam_.update(lam or {})
    lam_ = {k: v for k, v in lam_.items() if v is not None}  # None: leave it to the date
    return {"name": "fp", "horizon_s": horizon_s, "seed": seed, "functions": functions or [_fn()],
            "lambda": lam_, "pricing": top.pop("pricing", "aws-2024"), **top}


def _ka(**kw: Any) -> dict:
    return {"keep_alive": {"policy": "fixed", "idle_s": 600, **kw}}


def lambda_cases() -> dict[str, Any]:
    """Name -> scenario (a dict, or a file path with overrides) for the Lambda engine."""
    scenarios = ROOT / "data" / "scenarios"
    c: dict[str, Any] = {
        "default_file": (scenarios / "default.yaml", {"horizon_s": 2000}),
        "mru": _sc(),
        "lru": _sc(lam={"instance_selection": "lru"}),
        "random": _sc(lam={"instance_selection": "random"}),
        "keepalive_0": _sc(lam=_ka(idle_s=0)),
        "keepalive_30": _sc(lam={**_ka(idle_s=30), "instance_selection": "lru"}),
        "keepalive_30_bursty": _sc([_fn(workload=BURSTY)], lam=_ka(idle_s=30)),
        "reserved": _sc([_fn(reserved_concurrency=12)]),
        "account_limit": _sc([_fn(), _fn("g", workload={"kind": "poisson", "rate_per_s": 5})],
                             lam={"account_concurrency": 15}),
        "account_reserved_default": _sc([_fn(), _fn("g")], lam={"account_concurrency": 40, "reserved_concurrency": 14}),
        "retries": _sc([_fn(reserved_concurrency=10, invocation={"type": "sync", "retry": {"attempts": 4}})]),
        "errors": _sc([_fn(error_probability=0.2)]),
        "timeouts": _sc([_fn(timeout_s=1.5, duration={"dist": "uniform", "low_s": 0.5, "high_s": 3.0})]),
        "lifetime": _sc(lam=_ka(max_lifetime_s=120)),
        "hybrid_histogram": _sc([_fn(workload={"kind": "deterministic", "interval_s": 90, "start_s": 3}),
                                 _fn("g", workload={"kind": "poisson", "rate_per_s": 0.05})], horizon_s=7200,
                                lam={"keep_alive": {"policy": "hybrid_histogram", "min_samples": 3}}),
        "pc_constant": _sc([_fn(provisioned_concurrency=15)]),
        "pc_scheduled": _sc([_fn(provisioned_concurrency=[[0, 0], [100, 25], [400, 5]])]),
        "burst_per_function": _sc([_fn(workload=BURSTY, duration={"dist": "constant", "value_s": 4.0})],
                                  lam={"scaling": {"model": "per_function_2023", "per_function_limit": 20,
                                                   "per_function_window_s": 10}}),
        "burst_legacy": _sc([_fn(workload=BURSTY, duration={"dist": "constant", "value_s": 4.0}),
                             _fn("g", workload=BURSTY)],
                            lam={"scaling": {"model": "legacy_burst", "region_burst": 500, "legacy_step": 1,
                                             "legacy_step_s": 5}}),
        "several_functions": _sc([_fn("a"), _fn("b", memory_mb=1024, arch="arm64",
                                                duration={"dist": "lognormal", "median_s": 0.2, "sigma": 0.5}),
                                  _fn("c", workload={"kind": "spike", "base_rate_per_s": 2, "spike_rate_per_s": 60,
                                                     "at_s": 200, "duration_s": 100},
                                      package_type="image", ephemeral_storage_mb=2048)]),
        "aws_2015_pricing": {**_sc(), "pricing": "aws-2015"},
        "async": _sc([_fn(invocation={"type": "async"}, reserved_concurrency=8, error_probability=0.1)],
                 horizon_s=300),
        "async_age": _sc([_fn(invocation={"type": "async", "maximum_event_age_s": 60, "maximum_retry_attempts": 1},
                              reserved_concurrency=5)], horizon_s=300),
        "stream": _sc([_fn(invocation={"type": "stream", "shards": 3, "batch_size": 10, "batching_window_s": 1.0},
                           duration={"dist": "constant", "value_s": 0.2}, error_probability=0.05)]),
        "sqs": _sc([_fn(invocation={"type": "sqs", "batch_size": 5, "max_receive_count": 3, "maximum_concurrency": 4},
                        error_probability=0.1)]),
        "mixed_types": _sc([_fn("s"), _fn("a", invocation={"type": "async"}),
                            _fn("q", invocation={"type": "sqs"}, workload=BURSTY)], horizon_s=300,
                           lam={"account_concurrency": 30}),
    }
    # keep-alive timers (TimerPool): the date default, named presets, ranges, caps, several functions
    slow = {"kind": "poisson", "rate_per_s": 0.02}
    gusts = {"kind": "bursty", "base_rate_per_s": 0.1, "burst_rate_per_s": 15, "mean_burst_s": 30, "mean_gap_s": 700}
    spiky = {"kind": "spike", "base_rate_per_s": 0.5, "spike_rate_per_s": 40, "at_s": 300, "duration_s": 120}
    timers = {"horizon_s": 8000, "lam": {"keep_alive": None}}
    c.update({
        "timers_date_2024": _sc([_fn(workload=gusts)], **timers),
        "timers_2020_functions": {**_sc([_fn("a", workload=gusts), _fn("b", workload=slow), _fn("c", workload=spiky)],
                                         **timers), "pricing": {"as_of": "2020-06-01"}},
        "timers_2018_lru": _sc([_fn(workload=gusts), _fn("b", workload=slow)], horizon_s=8000,
                               lam={"keep_alive": {"preset": "aws-2018"}, "instance_selection": "lru"}),
        "timers_2020_random_reserved": _sc([_fn(workload=gusts, reserved_concurrency=8), _fn("b", workload=spiky)],
                                           horizon_s=8000, lam={"keep_alive": {"preset": "aws-2020"},
                                                                "instance_selection": "random", "account_concurrency": 30}),
        "timers_2021_burst": _sc([_fn(workload=spiky, duration={"dist": "constant", "value_s": 4.0})], horizon_s=8000,
                                 lam={"keep_alive": {"preset": "aws-2021"},
                                      "scaling": {"model": "per_function_2023", "per_function_limit": 20,
                                                  "per_function_window_s": 10}}),
    })
    for name, h in (("dr_backup", 200), ("log_processing", 120), ("media_encoding", 900), ("photo_pipeline", 600),
                    ("thumbnails", 300)):
        c["app_" + name] = (scenarios / f"{name}.yaml", {"horizon_s": h})
    c["azure2019_window"] = (scenarios / "azure2019_day.yaml", {"horizon_s": 3600, "workload.functions.top": 200})
    return c


def ec2_cases() -> dict[str, Any]:
    scenarios = ROOT / "data" / "scenarios"
    spot = {"share": 0.5, "interruptions_per_instance_hour": 3.0}
    long = [_fn(duration={"dist": "exponential", "mean_s": 90.0}, workload={"kind": "poisson", "rate_per_s": 1})]
    return {
        "ec2_spot": _sc(long, horizon_s=3600, ec2={"workers_per_instance": 8, "spot": spot,
                                                   "scaling": {"policy": "fixed", "instances": 20}}),
        "ec2_spot_lose": _sc(long, horizon_s=3600, ec2={"spot": {**spot, "on_interruption": "lose", "discount": 0.6},
                                                        "scaling": {"policy": "target_tracking", "target": 0.5,
                                                                    "min": 2, "max": 30}}),
        "ec2_default": (scenarios / "default.yaml", {"horizon_s": 2000}),
        "ec2_fixed": _sc([_fn(), _fn("g", workload=BURSTY)], ec2={"scaling": {"policy": "fixed", "instances": 4}}),
        "ec2_target": _sc([_fn(workload=BURSTY)], horizon_s=1800,
                          ec2={"scaling": {"policy": "target_tracking", "target": 0.5, "min": 1, "max": 20}}),
        "ec2_app": (scenarios / "thumbnails.yaml", {"horizon_s": 900}),
    }


def fargate_cases() -> dict[str, Any]:
    """Fargate services: the default scenario, target tracking on bursts, Spot with requeue and with loss."""
    scenarios = ROOT / "data" / "scenarios"
    spot = {"share": 0.5, "interruptions_per_task_hour": 3.0}
    long = [_fn(duration={"dist": "exponential", "mean_s": 90.0}, workload={"kind": "poisson", "rate_per_s": 1})]
    return {
        "fargate_default": (scenarios / "default.yaml", {"horizon_s": 2000}),
        "fargate_target": _sc([_fn(workload=BURSTY)], horizon_s=1800, fargate={
            "scaling": {"policy": "target_tracking", "target": 0.5, "min": 1, "max": 20}}),
        "fargate_spot": _sc(long, horizon_s=3600, fargate={"vcpu": 0.5, "memory_gb": 1, "spot": spot}),
        "fargate_spot_lose": _sc(long, horizon_s=3600, fargate={"spot": {**spot, "on_interruption": "lose"}}),
    }


def lmi_cases() -> dict[str, Any]:
    """Lambda Managed Instances: the default scenario, throttling at a fixed fleet, paced scale-out, a queue."""
    scenarios = ROOT / "data" / "scenarios"
    small = {"instance_type": "m5.large", "memory_gb": 2.0, "max_concurrency": 2}
    return {
        "lmi_default": (scenarios / "default.yaml", {"horizon_s": 2000, "pricing": "aws-latest"}),
        "lmi_throttle": _sc(lmi={**small, "min_instances": 2, "max_instances": 2}, pricing="aws-latest"),
        "lmi_paced": _sc([_fn(workload=BURSTY)], horizon_s=1800, pricing="aws-latest",
                         lmi={**small, "min_instances": 1, "max_instances": 40}),
        "lmi_queue": _sc(lmi={**small, "min_instances": 2, "max_instances": 2, "on_overload": "queue"},
                         pricing="aws-latest"),
    }


def all_cases() -> dict[str, tuple[str, Any]]:
    """Name -> (platform, scenario) of every case."""
    return {name: (platform, spec) for platform, cases in (
        ("lambda", lambda_cases()), ("ec2", ec2_cases()), ("fargate", fargate_cases()), ("lmi", lmi_cases()))
        for name, spec in cases.items()}


def _scenario(spec: Any):
    import lambdasim

    if isinstance(spec, tuple):
        path, overrides = spec
        return lambdasim.Scenario.from_file(path).with_overrides(overrides)
    return lambdasim.Scenario.from_dict(spec)


def compute(names: list[str] | None = None) -> dict[str, dict[str, str]]:
    """Fingerprints of every case (or the named ones), full and summary records."""
    import lambdasim

    out: dict[str, dict[str, str]] = {}
    for name, (platform, spec) in all_cases().items():
        if names is not None and name not in names:
            continue
        sc = _scenario(spec)
        step = sc.horizon_s / 50
        for records in ("full", "summary"):
            r = lambdasim.simulate(sc, platform=platform, records=records)
            out[f"{name}/{records}"] = fingerprint(r, records == "full", step)
    return out


def main(argv: list[str]) -> int:
    got = compute()
    if "--update" in argv:
        BASELINE.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
        print(f"wrote {len(got)} fingerprints to {BASELINE}")
        return 0
    want = json.loads(BASELINE.read_text())
    bad = [f"{k}: {p}" for k in sorted(set(want) | set(got)) for p in sorted(set(want.get(k, {})) | set(got.get(k, {})))
           if want.get(k, {}).get(p) != got.get(k, {}).get(p)]
    print("\n".join(bad) if bad else f"all {len(got)} fingerprints match")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
