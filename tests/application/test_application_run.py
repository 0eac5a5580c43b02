"""Running application graphs: exact chains, fan-out / fan-in, sync calls, conservation (issue 8)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import lambdasim
from lambdasim.application.lineage import PARTS
from lambdasim.awslambda.outcomes import OUTCOMES
from lambdasim.billing.catalogue import load_catalogue

from support.applications import app_scenario, at, fn


def photo(probability: float = 1.0, pricing: str = "aws-latest", **kw) -> lambdasim.Scenario:
    fns = [fn("extract", "async", workload=at(1.0), dur=0.25, init=0.45, memory_mb=1024),
           fn("trending", {"type": "stream", "batch_size": 100, "batching_window_s": 1.0}, dur=0.004, init=0.2,
              memory_mb=256),
           fn("notify", "async", dur=0.08, init=0.15, memory_mb=128)]
    edges = [{"from": "extract", "to": "trending", "trigger": "stream", "delay_s": 0.5,
              "services": {"dynamodb.write": 2}},
             {"from": "trending", "to": "notify", "trigger": "async", "probability": probability,
              "services": {"sns.publish": 1}}]
    return app_scenario(fns, edges, horizon_s=100.0, pricing=pricing,
                        ingress=[{"to": "extract", "services": {"s3.put": 1, "s3.get": 1}}], **kw)


def test_one_upload_through_the_photo_pipeline_exactly():
    r = lambdasim.simulate(photo())
    inv = r.invocations.sort_values("start_s")
    assert list(inv["function"]) == ["extract", "trending", "notify"]
    # extract: cold at 1.0, ends 1.0 + 0.45 + 0.25; the table's stream delivers 0.5 s later; the lane
    # waits out its 1 s batching window; notify follows at once.
    assert inv["arrival_s"].tolist() == pytest.approx([1.0, 3.2, 3.404])
    assert inv["start_s"].tolist() == pytest.approx([1.0, 3.2, 3.404])
    assert inv["end_s"].tolist() == pytest.approx([1.7, 3.404, 3.634])
    assert inv["cold"].tolist() == [True, True, True]
    ev = r.application.events
    assert ev["arrival_s"].tolist() == pytest.approx([1.0, 2.2, 3.404])  # when each event reached its function
    assert ev["parent"].tolist() == [-1, 0, 1]
    e2e = r.end_to_end.iloc[0]
    assert e2e["complete"] and e2e["critical_path"] == "extract > trending > notify"
    assert e2e["latency_s"] == pytest.approx(2.634)
    assert [e2e[p] for p in PARTS] == pytest.approx([0.5, 0.0, 1.0, 0.0, 0.8, 0.334])
    # the bill: INIT is billed in 2026 (ZIP, managed runtime); 1 ms granularity
    cat = load_catalogue("aws-latest")
    gb_s = 0.7 * 1.0 + 0.204 * 0.25 + 0.23 * 0.125
    lam = 3 * cat["lambda.request_per_million_usd"] / 1e6 + gb_s * cat["lambda.duration_gb_s_usd"]
    svc = (cat["s3.put_per_thousand_usd"] + cat["s3.get_per_thousand_usd"]) / 1e3 \
        + 2 * cat["dynamodb.write_per_million_usd"] / 1e6 + cat["sns.publish_per_million_usd"] / 1e6
    assert r.summary["billed_gb_s"] == pytest.approx(gb_s)
    assert r.summary["cost_usd"] == pytest.approx(lam + svc)
    assert e2e["lambda_usd"] == pytest.approx(lam) and e2e["services_usd"] == pytest.approx(svc)
    assert set(r.cost.loc[r.cost["platform"] == "services", "item"]) == {"s3.put", "s3.get", "dynamodb.write",
                                                                          "sns.publish"}


def test_conditional_emission_skips_the_branch():
    r = lambdasim.simulate(photo(probability=0.0))
    assert list(r.invocations["function"]) == ["extract", "trending"]
    assert r.end_to_end.iloc[0]["critical_path"] == "extract > trending"
    assert r.application.edges["emitted"].tolist() == [1, 0]


def film(n: int, *, trigger: str = "async", encode_extra: dict | None = None, account: int = 1000,
         emit=None) -> lambdasim.Scenario:
    inv = {"type": trigger, **({"batch_size": 1} if trigger == "sqs" else {})}
    fns = [fn("split", "async", workload=at(0.0), dur=10.0),
           fn("encode", inv, dur={"dist": "uniform", "low_s": 50.0, "high_s": 150.0}, **(encode_extra or {})),
           fn("package", "async", dur=30.0)]
    edges = [{"from": "split", "to": "encode", "trigger": trigger, "emit": emit if emit is not None else n},
             {"from": "encode", "to": "package", "trigger": "async", "fan_in": "split"}]
    return app_scenario(fns, edges, horizon_s=5000.0, account=account)


def test_fan_in_completes_at_the_last_chunk_plus_repackaging():
    r = lambdasim.simulate(film(6))
    inv = r.invocations
    enc = inv[inv["function"] == "encode"]
    assert len(enc) == 6 and (enc["start_s"] == 10.0).all()  # every chunk starts when split ends
    assert enc["duration_s"].nunique() == 6
    pkg = inv[inv["function"] == "package"]
    assert len(pkg) == 1
    assert pkg["start_s"].iloc[0] == pytest.approx(enc["end_s"].max())
    e2e = r.end_to_end.iloc[0]
    assert e2e["end_s"] == pytest.approx(enc["end_s"].max() + 30.0)
    assert e2e["critical_path"] == "split > encode > package"
    assert e2e["run_s"] == pytest.approx(10.0 + enc["duration_s"].max() + 30.0)


def test_fan_out_capped_async_chunks_throttle_and_retry():
    r = lambdasim.simulate(film(6, encode_extra={"reserved_concurrency": 2}))
    enc = r.invocations[r.invocations["function"] == "encode"]
    assert (enc["status"] == "completed").sum() == 6
    assert (enc["start_s"] > 10.0).sum() >= 4  # only two run at once; the rest retry with backoff
    assert r.summary["internal_throttles"] > 0
    e2e = r.end_to_end.iloc[0]
    assert e2e["complete"] and e2e["retry_s"] > 0
    assert e2e["latency_s"] == pytest.approx(sum(e2e[p] for p in PARTS))


def test_fan_out_capped_sqs_chunks_wait_their_turn():
    # one message per batch and at most two pollers: chunks run two at a time, in order
    sc = film(5, trigger="sqs", encode_extra={"duration": {"dist": "constant", "value_s": 100.0},
                                               "invocation": {"type": "sqs", "batch_size": 1,
                                                              "maximum_concurrency": 2,
                                                              "visibility_timeout_s": 600}})
    r = lambdasim.simulate(sc)
    enc = r.invocations[r.invocations["function"] == "encode"]
    assert sorted(enc["start_s"]) == pytest.approx([10, 10, 110, 110, 210])
    assert r.summary["internal_throttles"] == 0
    e2e = r.end_to_end.iloc[0]
    assert e2e["end_s"] == pytest.approx(310.0 + 30.0)
    assert e2e["queue_s"] == pytest.approx(200.0) and e2e["batching_s"] == 0  # the last chunk waited two turns


def test_an_empty_fan_out_joins_at_once():
    r = lambdasim.simulate(film(0))
    assert list(r.invocations["function"]) == ["split", "package"]
    assert r.end_to_end.iloc[0]["latency_s"] == pytest.approx(40.0)


def test_sync_call_bills_the_caller_while_it_waits():
    fns = [fn("api", "sync", workload=at(1.0, 51.0), dur=1.0, init=0.5),
           fn("db", "sync", dur=2.0, init=0.25)]
    sc = app_scenario(fns, [{"from": "api", "to": "db", "trigger": "sync", "delay_s": 0.1}], horizon_s=100.0)
    r = lambdasim.simulate(sc)
    # api runs 1 s, then waits for db (0.1 s call latency + its run, cold the first time)
    assert r.end_to_end["latency_s"].tolist() == pytest.approx([0.5 + 1 + 0.1 + 0.25 + 2, 1 + 0.1 + 2])
    waits = (0.1 + 0.25 + 2) + (0.1 + 2)
    assert r.summary["billed_gb_s"] == pytest.approx(2 * 1.0 + 2 * 2.0 + waits)  # 1 GB each; INIT free in 2024


def test_a_throttled_sync_call_fails_the_tree():
    fns = [fn("api", "sync", workload=at(1.0), dur=1.0), fn("db", "sync", dur=2.0, reserved_concurrency=0)]
    r = lambdasim.simulate(app_scenario(fns, [{"from": "api", "to": "db", "trigger": "sync"}], horizon_s=100.0))
    assert r.summary["events_throttled"] == 1
    assert not r.end_to_end.iloc[0]["complete"] and np.isnan(r.end_to_end.iloc[0]["latency_s"])


def mixed(seed: int, horizon_s: float = 400.0) -> lambdasim.Scenario:
    """Every trigger, fan-out, a join, conditional edges, errors and throttles, cut by the horizon."""
    fns = [fn("entry", "async", workload={"kind": "poisson", "rate_per_s": 1.0},
              dur={"dist": "exponential", "mean_s": 0.5}, init=0.3),
           fn("fan", "sqs", dur={"dist": "exponential", "mean_s": 2.0}, error_probability=0.1,
              reserved_concurrency=3),
           fn("join", "async", dur=1.0, error_probability=0.2,
              invocation={"type": "async", "maximum_retry_attempts": 0}),
           fn("table", {"type": "stream", "batch_size": 5, "batching_window_s": 2.0}, dur=0.01),
           fn("call", "sync", dur=0.2, reserved_concurrency=1),
           fn("api", "sync", workload={"kind": "poisson", "rate_per_s": 0.5}, dur=0.3)]
    edges = [{"from": "entry", "to": "fan", "trigger": "sqs", "emit": {"dist": "poisson", "mean": 3}},
             {"from": "fan", "to": "join", "trigger": "async", "fan_in": "entry"},
             {"from": "fan", "to": "table", "trigger": "stream", "probability": 0.5, "delay_s": 0.3},
             {"from": "join", "to": "call", "trigger": "sync"},
             {"from": "api", "to": "call", "trigger": "sync"}]
    return app_scenario(fns, edges, horizon_s=horizon_s, seed=seed)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_emitted_event_is_accounted_for_at_its_destination(seed):
    r = lambdasim.simulate(mixed(seed))
    out = r._tally.outcomes
    names = r.names
    ev = r.application.events
    edges = r.application.edges
    ext = ev[ev["parent"] < 0].groupby("function", observed=False).size()
    into = edges.groupby("to")["emitted"].sum()
    for i, name in enumerate(names):
        arrived = int(ext.get(name, 0)) + int(into.get(name, 0))
        assert out.events[i] == arrived, name                        # every emission reached its node's tally
        assert out.events[i] == out.counts[i].sum(), (name, dict(zip(OUTCOMES, out.counts[i])))
        assert (ev["function"] == name).sum() == arrived              # and the lineage holds each once
    # roots: complete trees have nothing pending; the others lost or still hold an event
    e2e = r.end_to_end
    assert e2e["complete"].sum() > 0 and (~e2e["complete"]).sum() > 0
    done = e2e[e2e["complete"]]
    assert np.allclose(done["latency_s"], done[PARTS].sum(axis=1))


def test_same_seed_same_trees():
    a, b = lambdasim.simulate(mixed(5, 200.0)), lambdasim.simulate(mixed(5, 200.0))
    pd.testing.assert_frame_equal(a.end_to_end, b.end_to_end)
    assert a.summary == b.summary or all(
        (a.summary[k] == b.summary[k]) or (np.isnan(a.summary[k]) and np.isnan(b.summary[k]))
        for k in a.summary)


def test_summary_and_plots():
    r = lambdasim.simulate(mixed(1, 200.0))
    s = r.summary
    for k in ("roots", "roots_complete", "e2e_latency_p50_s", "e2e_latency_p99_s", "services_usd",
              "cost_per_root_usd"):
        assert k in s
    assert s["e2e_latency_p50_s"] <= s["e2e_latency_p99_s"]
    bf = r.application.by_function
    assert list(bf.index) == ["entry", "fan", "join", "table", "call", "api"]
    from lambdasim.viz.application import plot_e2e_latency, plot_graph, plot_time_parts

    assert plot_graph(r) is not None and plot_time_parts({"a": r}) is not None
    assert plot_e2e_latency({"a": r}) is not None



@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trigger=st.sampled_from(["async", "sqs", "stream"]), emit=st.integers(0, 4),
       p=st.sampled_from([0.0, 0.5, 1.0]), cap=st.integers(1, 4), err=st.sampled_from([0.0, 0.3]),
       seed=st.integers(0, 10_000))
def test_conservation_holds_for_random_graphs(trigger, emit, p, cap, err, seed):
    inv = {"type": trigger, **({"batch_size": 3} if trigger != "async" else {})}
    fns = [fn("a", "async", workload={"kind": "poisson", "rate_per_s": 2.0}, dur={"dist": "exponential", "mean_s": 0.5}),
           fn("b", inv, dur={"dist": "exponential", "mean_s": 1.0}, reserved_concurrency=cap, error_probability=err),
           fn("c", "async", dur=0.2)]
    edges = [{"from": "a", "to": "b", "trigger": trigger, "emit": emit},
             {"from": "b", "to": "c", "trigger": "async", "probability": p,
              **({"fan_in": "a"} if emit != 1 else {})}]
    r = lambdasim.simulate(app_scenario(fns, edges, horizon_s=60.0, seed=seed))
    out, ev = r._tally.outcomes, r.application.events
    assert (out.events == out.counts.sum(axis=1)).all()
    emitted = r.application.edges.groupby("to")["emitted"].sum()
    for i, name in enumerate(r.names):
        ext = int(((ev["function"] == name) & (ev["parent"] < 0)).sum())
        assert out.events[i] == ext + int(emitted.get(name, 0))
    e2e = r.end_to_end
    done = e2e[e2e["complete"]]
    assert np.allclose(done["latency_s"], done[PARTS].sum(axis=1))
    assert (done[PARTS] >= -1e-9).all().all()


def test_a_throttled_sync_call_retries_with_the_callee_policy_and_the_caller_pays_the_wait():
    retry = {"attempts": 4, "backoff_s": 0.5, "multiplier": 2.0}
    fns = [fn("api", "sync", workload=at(1.0, 1.1), dur=1.0),
           fn("db", {"type": "sync", "retry": retry}, dur=2.0, reserved_concurrency=1)]
    r = lambdasim.simulate(app_scenario(fns, [{"from": "api", "to": "db", "trigger": "sync"}], horizon_s=100.0))
    db = r.invocations[r.invocations["function"] == "db"].sort_values("arrival_s")
    # root 2 calls db at 2.1 while root 1's call holds it until 4.0: throttled at 2.1, 2.6, 3.6; runs at 5.6
    assert db["arrival_s"].tolist() == pytest.approx([2.0, 2.1, 2.6, 3.6, 5.6])
    assert db["status"].tolist() == ["completed", "throttled", "throttled", "throttled", "completed"]
    e2e = r.end_to_end
    assert e2e["latency_s"].tolist() == pytest.approx([3.0, 6.5])
    assert e2e.loc[1, "retry_s"] == pytest.approx(3.5)
    assert r.summary["billed_gb_s"] == pytest.approx(2 * 1.0 + 2 * 2.0 + 2.0 + 5.5)  # runs, then both waits


@pytest.mark.parametrize("inv, fails_at", [
    ({"type": "async", "maximum_retry_attempts": 0}, 3.0),            # one run, 1 -> 3, to the destination
    ({"type": "sqs", "batch_size": 1, "visibility_timeout_s": 10.0, "max_receive_count": 2}, 21.0),  # DLQ
    ({"type": "stream", "maximum_retry_attempts": 1}, 5.0),  # 1 -> 3 fails, retried at once 3 -> 5, given up
])
def test_an_on_failure_edge_carries_the_tree_to_the_alarm(inv, fails_at):
    fns = [fn("copy", inv, workload=at(1.0), dur=2.0, error_probability=1.0), fn("alarm", "async", dur=0.1)]
    edges = [{"from": "copy", "to": "alarm", "trigger": "async", "when": "failure", "delay_s": 0.5,
              "services": {"sns.publish": 1}}]
    r = lambdasim.simulate(app_scenario(fns, edges, horizon_s=100.0))
    inv_ = r.invocations
    alarm = inv_[inv_["function"] == "alarm"]
    assert alarm["start_s"].tolist() == pytest.approx([fails_at + 0.5])
    e2e = r.end_to_end.iloc[0]
    assert e2e["complete"] and e2e["failures"] == 1 and e2e["critical_path"] == "copy > alarm"
    assert e2e["latency_s"] == pytest.approx(fails_at + 0.6 - 1.0)
    assert e2e["retry_s"] == pytest.approx(fails_at - 1.0) and e2e["delay_s"] == pytest.approx(0.5)
    assert r.summary["to_destination"] + r.summary["dlq"] == 1


def test_without_an_on_failure_edge_a_failure_leaves_the_tree_incomplete():
    fns = [fn("copy", {"type": "async", "maximum_retry_attempts": 0}, workload=at(1.0), dur=2.0,
              error_probability=1.0), fn("verify", "async", dur=0.1)]
    r = lambdasim.simulate(app_scenario(fns, [{"from": "copy", "to": "verify", "trigger": "async"}], horizon_s=100.0))
    e2e = r.end_to_end.iloc[0]
    assert not e2e["complete"] and e2e["failures"] == 1


def test_fan_in_waits_for_the_maximum_of_the_chunks_order_statistics():
    # chunks ~ U(50, 150): a film of n chunks waits for the largest, E[max] = 50 + 100 n / (n + 1)
    n, films_per_s = 4, 0.1
    fns = [fn("split", "async", workload={"kind": "poisson", "rate_per_s": films_per_s}, dur=10.0),
           fn("encode", "async", dur={"dist": "uniform", "low_s": 50.0, "high_s": 150.0}),
           fn("package", "async", dur=30.0)]
    edges = [{"from": "split", "to": "encode", "trigger": "async", "emit": n},
             {"from": "encode", "to": "package", "trigger": "async", "fan_in": "split"}]
    r = lambdasim.simulate(app_scenario(fns, edges, horizon_s=4000.0, seed=3))
    e2e = r.end_to_end[r.end_to_end["complete"]]
    wait_max = e2e["latency_s"].to_numpy() - 10.0 - 30.0
    sd = 100.0 * math.sqrt(n / ((n + 1) ** 2 * (n + 2)))  # the max of n U(0, 1) is Beta(n, 1)
    assert len(wait_max) > 300
    assert abs(wait_max.mean() - (50 + 100 * n / (n + 1))) < 4 * sd / math.sqrt(len(wait_max))
    assert (e2e["queue_s"] == 0).all() and (e2e["retry_s"] == 0).all()
