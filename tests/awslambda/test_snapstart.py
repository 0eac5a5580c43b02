"""SnapStart as a function field: restore instead of INIT, and its dated charges (Python and .NET only)."""
import pytest

import lambdasim
from support.platforms import scenario

RESTORE = {"dist": "constant", "value_s": 0.2}


def _sc(runtime="python", pricing="aws-latest", **fn):
    # a call every 15 minutes, environments kept 10 minutes: every call is a cold start (8 in 2 h)
    return scenario({"kind": "deterministic", "interval_s": 900}, 7200, duration_s=0.1, init_s=2.0, pricing=pricing,
                    lam={"keep_alive": {"policy": "fixed", "idle_s": 600}},
                    snapstart={"runtime": runtime, "restore": RESTORE}, **fn)


def test_cold_starts_take_the_restore_instead_of_init():
    r = lambdasim.simulate(_sc(), records="full")
    inv = r.invocations
    assert inv["cold"].all() and len(inv) == 8
    assert (inv["end_s"] - inv["arrival_s"]).to_numpy() == pytest.approx([0.3] * 8)
    assert r.instances["ready_s"].sub(r.instances["created_s"]).to_numpy() == pytest.approx([0.2] * 8)


def test_python_pays_cache_and_restores_java_pays_neither():
    py, java = lambdasim.simulate(_sc("python")), lambdasim.simulate(_sc("java"))
    cat, gb = py.catalogue, 128 / 1024
    items = py.cost.set_index("item")
    # the version is cached all run, at least 3 hours (10,800 s); one restore per cold start
    assert items.loc["SnapStart cache", "quantity"] == pytest.approx(10800 * gb)
    assert items.loc["SnapStart cache", "amount_usd"] == pytest.approx(10800 * gb * cat["lambda.snapstart_cache_gb_s_usd"])
    assert items.loc["SnapStart restores", "amount_usd"] == pytest.approx(8 * gb * cat["lambda.snapstart_restore_gb_usd"])
    assert not java.cost["item"].str.startswith("SnapStart").any()
    assert py.summary["cost_usd"] - java.summary["cost_usd"] == pytest.approx(
        items.loc[["SnapStart cache", "SnapStart restores"], "amount_usd"].sum())
    # a month of the same usage: cached 30 days, restores scaled with the calls
    month = py.monthly_cost.set_index("item")
    assert month.loc["SnapStart cache", "quantity"] == pytest.approx(30 * 86400 * gb)
    assert month.loc["SnapStart restores", "quantity"] == pytest.approx(8 * 360 * gb)


def test_snapstart_is_dated_by_runtime_and_excludes_provisioned_concurrency():
    with pytest.raises(lambdasim.ScenarioError, match=r"snapstart for python.*2024-11-18"):
        _sc("python", pricing="aws-2024")  # 2024-06-01: Java only
    assert lambdasim.simulate(_sc("java", pricing="aws-2024")).summary["cold_starts"] == 8
    with pytest.raises(lambdasim.ScenarioError, match=r"snapstart for java.*2022-11-28"):
        _sc("java", pricing={"as_of": "2022-06-01"})
    with pytest.raises(lambdasim.ScenarioError, match="must not combine snapstart with provisioned_concurrency"):
        _sc(provisioned_concurrency=1)
    with pytest.raises(lambdasim.ScenarioError, match=r"snapstart.runtime"):
        _sc("ruby")
