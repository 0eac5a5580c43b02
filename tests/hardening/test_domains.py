"""Domains, not just types (issue 16): prices, flags and trace values are checked against their meaning,
and no NaN, negative or infinite number reaches a bill."""
import json
import math

import numpy as np
import pytest

from lambdasim.errors import LambdasimError

from lambdasim import simulate
from lambdasim.billing.catalogue import _raw, load_catalogue
from lambdasim.cli import main
from lambdasim.errors import ScenarioError
from lambdasim.scenario import as_scenario
from support.scenarios import one_function


def _with_overrides(overrides, **kw):
    sc = one_function(horizon_s=60, rate=2.0, **kw).to_dict()
    sc["pricing"] = {"preset": "aws-2024", "overrides": overrides}
    return sc


@pytest.mark.parametrize("key,value", [
    ("alb.hour_usd", -1), ("alb.hour_usd", float("nan")), ("alb.hour_usd", float("inf")),
    ("lambda.request_per_million_usd", -0.2), ("lambda.billing_granularity_ms", 0),
    ("lambda.pc_rounding_s", 0), ("ec2.billing_granularity_s", 0), ("ec2.spot_max_discount", 1.5),
    ("ec2.m5.large.vcpu", 0),
])
def test_price_override_outside_its_domain_is_refused(key, value):
    with pytest.raises(ScenarioError) as err:
        as_scenario(_with_overrides({key: value}))
    msg = str(err.value)
    assert f"pricing.overrides.{key}" in msg and "must be" in msg and "Got" in msg


def _bill_sum(result) -> float:
    total = 0.0
    for x in result.cost["amount_usd"].tolist():  # plain + propagates NaN and inf
        total = total + x
    return total


def test_no_override_at_its_domain_edge_gives_a_bill_that_is_not_finite_and_non_negative():
    keys = sorted(k for k in _raw()["prices"] if not k.startswith("ec2.") or k.startswith("ec2.m5.large")
                  or "." not in k[4:])
    for key in keys:
        unit = _raw()["prices"][key]["unit"]
        edge = 1.0 if unit.startswith("flag") else (1e-3 if key.endswith(("_ms", "_s", ".vcpu", ".memory_gib")) else 0.0)
        sc = as_scenario(_with_overrides({key: edge}))
        for platform in ("lambda", "ec2"):
            try:
                result = simulate(sc, platform=platform)
            except LambdasimError as exc:  # a clean refusal is allowed (e.g. an instance too small for one request)
                assert key.endswith(".memory_gib") and "cannot hold one request" in str(exc), (key, platform, exc)
                continue
            total = _bill_sum(result)
            assert math.isfinite(total) and total >= 0, (key, platform, total)


@pytest.mark.parametrize("argv", [
    ["lambda", "--memory-mb", "512", "--requests", "inf", "--duration-ms", "100"],
    ["lambda", "--memory-mb", "512", "--requests", "nan", "--duration-ms", "100"],
    ["lambda", "--memory-mb", "512", "--requests", "1", "--duration-ms", "-1"],
    ["ec2", "--instance-type", "m5.large", "--alb-lcu", "-100"],
    ["ec2", "--instance-type", "m5.large", "--alb-lcu", "nan"],
    ["ec2", "--instance-type", "m5.large", "--hours", "inf"],
    ["ec2", "--instance-type", "m5.large", "--instances", "100000000000"],
])
def test_bill_flags_outside_their_domain_exit_2(argv, capsys):
    assert main(["bill", *argv]) == 2
    err = capsys.readouterr().err
    assert "a finite number" in err and "must be in" in err and "Got" in err and "Traceback" not in err


def _reject(c):
    raise ValueError(f"not strict JSON: {c}")


def test_bill_json_is_strict(capsys):
    assert main(["bill", "ec2", "--instance-type", "m5.large", "--alb-lcu", "0", "--json"]) == 0
    out = json.loads(capsys.readouterr().out, parse_constant=_reject)
    assert out["total_usd"] >= 0 and all(math.isfinite(r["amount_usd"]) for r in out["line_items"])


def test_gamma_with_a_tiny_cv_runs_as_its_mean():
    sc = one_function(horizon_s=50, rate=1.0, duration={"dist": "gamma", "mean_s": 0.25, "cv": 1e-200})
    r = simulate(sc)
    s = r.summary
    assert s["invocations"] == s["completed"] + s["in_flight"] and s["completed"] > 30 and s["failed"] == 0
    from lambdasim.distributions import Gamma

    g = Gamma(mean_s=0.25, cv=1e-200)
    assert np.all(g.sample(np.random.default_rng(0), 5) == 0.25)
    assert Gamma(mean_s=0.25, cv=0.5).sample(np.random.default_rng(0), 3).std() > 0
