"""Cold-start levers: keep-warm pings and provisioned concurrency against doing nothing."""
import pytest

import lambdasim
from lambdasim.comparison.levers import cold_start_levers, keep_warm, ping_times
from support.scenarios import one_function


def _sparse():
    # a call every 15 minutes; environments idle 10 minutes are reclaimed: every call is cold
    return one_function(horizon_s=86400, interval=900, idle_s=600, init_s=0.3,
                        duration={"dist": "constant", "value_s": 0.1})


def test_pings_every_5_minutes_drive_p_cold_to_about_zero_at_the_computed_ping_cost():
    df = cold_start_levers(_sparse(), "f", [{"lever": "keep_warm", "every_s": 300}])
    none, warm = df.iloc[0], df.iloc[1]
    assert none["p_cold"] == 1.0 and none["calls"] == 96
    assert warm["calls"] == 96 and warm["pings"] == 288  # 24 h / 5 min
    assert warm["p_cold"] <= 1 / 96  # only the first call of the day, before any ping
    # every invocation here bills the same (100 ms at 128 MB plus a request; INIT free for ZIP in 2024):
    per_call = none["cost_usd"] / none["calls"]
    cat = lambdasim.simulate(_sparse(), records="summary").catalogue
    assert per_call == pytest.approx(cat["lambda.request_per_million_usd"] / 1e6
                                     + 0.1 * 128 / 1024 * cat["lambda.duration_gb_s_usd"])
    assert warm["extra_cost_usd"] == pytest.approx(288 * per_call)
    assert warm["cost_per_avoided_cold_start_usd"] == pytest.approx(288 * per_call / 95)


def test_provisioned_concurrency_avoids_every_cold_start_at_its_charge():
    df = cold_start_levers(_sparse(), "f", [{"lever": "provisioned", "concurrency": 1}])
    pc = df.iloc[1]
    assert pc["cold_starts"] == 0 and pc["avoided_cold_starts"] == 96
    cat = lambdasim.simulate(_sparse(), records="summary").catalogue
    configured = 86400 * 128 / 1024 * cat["lambda.pc_gb_s_usd"]
    assert pc["extra_cost_usd"] > configured * 0.99  # PC configured all day dominates the extra cost


def test_pings_are_found_on_their_grid_and_doing_nothing_keeps_the_arrivals():
    sc = keep_warm(_sparse(), "f", 300, environments=2)
    r = lambdasim.simulate(sc)
    a = r.invocations["arrival_s"].to_numpy()
    assert ping_times(a, 300).sum() == 2 * 288 and (~ping_times(a, 300)).sum() == 96
    with pytest.raises(ValueError, match="function must name one of"):
        keep_warm(_sparse(), "g", 300)
    with pytest.raises(ValueError, match="lever must be"):
        cold_start_levers(_sparse(), "f", [{"lever": "freeze"}])


def test_snapstart_restores_instead_of_init_and_prices_python_restores():
    sc = one_function(horizon_s=7200, interval=900, idle_s=600, init_s=2.0, duration={"dist": "constant", "value_s": 0.1},
                      pricing="aws-latest")
    restore = {"dist": "constant", "value_s": 0.2}
    df = cold_start_levers(sc, "f", [{"lever": "snapstart", "restore": restore, "runtime": "java"},
                                     {"lever": "snapstart", "restore": restore, "runtime": "python"}])
    none, java, py = df.iloc[0], df.iloc[1], df.iloc[2]
    assert java["cold_starts"] == none["cold_starts"] == 8  # SnapStart shortens cold starts; it does not avoid them
    assert none["latency_mean_s"] == pytest.approx(2.1) and java["latency_mean_s"] == pytest.approx(0.3)
    cat = lambdasim.simulate(sc, records="summary").catalogue
    # INIT is billed (aws-latest): java saves 1.8 s of INIT per cold start at 128 MB; python adds its charges
    saved = 8 * 1.8 * 128 / 1024 * cat["lambda.duration_gb_s_usd"]
    assert none["cost_usd"] - java["cost_usd"] == pytest.approx(saved, rel=1e-6)
    charges = (max(7200, 10800) * 0.125 * cat["lambda.snapstart_cache_gb_s_usd"]
               + 8 * 0.125 * cat["lambda.snapstart_restore_gb_usd"])
    assert py["cost_usd"] - java["cost_usd"] == pytest.approx(charges, rel=1e-9)
    with pytest.raises(Exception, match="2024-11-18"):
        from lambdasim.billing.rules import snapstart_line_items
        snapstart_line_items(128, 3600, 1, "python", lambdasim.simulate(_sparse(), records="summary").catalogue)
