"""The shipped application scenarios, the EC2 design of an application's work, notebook 07's logic (issue 8)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import lambdasim
from lambdasim.notebook import pipelines as pipelines
from lambdasim.application.on_ec2 import ec2_equivalent, expected_rates, expected_services
from lambdasim.paths import data_dir

APPS = {"photo_pipeline": 300.0, "thumbnails": 300.0, "media_encoding": 3600.0, "dr_backup": 300.0,
        "log_processing": 120.0}


def shipped(name: str, horizon_s: float | None = None) -> lambdasim.Scenario:
    sc = lambdasim.Scenario.from_file(data_dir() / "scenarios" / f"{name}.yaml")
    return sc.with_overrides({"horizon_s": horizon_s or APPS[name]})


@pytest.mark.parametrize("name", list(APPS))
def test_each_shipped_application_runs_and_conserves_events(name):
    r = lambdasim.simulate(shipped(name))
    out = r._tally.outcomes
    assert (out.events == out.counts.sum(axis=1)).all()
    s = r.summary
    assert s["roots"] > 0 and s["roots_complete"] > 0.5 * s["roots"]
    assert s["services_usd"] > 0 and s["cost_usd"] > s["services_usd"]
    assert 0 < s["e2e_latency_p50_s"] <= s["e2e_latency_p99_s"]


def test_expected_rates_propagate_through_the_media_graph():
    sc = shipped("media_encoding")
    films = 0.0025
    rates = expected_rates(sc)
    assert rates == pytest.approx({"split": films, "encode_chunk": 24 * films, "package": films, "publish": films})
    svc = expected_services(sc)  # per second: ingress per film, per chunk on the fan-out, per film after it
    assert svc == pytest.approx({"s3.put": films * (1 + 24 + 1), "s3.get": films * (1 + 24), "sns.publish": films})


def test_the_ec2_design_runs_the_same_work_per_second():
    sc = shipped("photo_pipeline")
    flat = ec2_equivalent(sc)
    assert flat.application is None
    w = {f.name: f.workload for f in flat.functions}
    assert w["update_trending"].rate_per_s == pytest.approx(2.0)
    assert w["notify_owner"].rate_per_s == pytest.approx(2.0 * 0.02)
    r = lambdasim.simulate(sc, "ec2")
    assert r.summary["completed"] > 0


def test_emission_probability_and_fan_out_counts_match_their_specs():
    r = lambdasim.simulate(shipped("photo_pipeline", 1800.0))
    edges = r.application.edges
    n = int(edges.loc[0, "emitted"])  # one stream record per completed extraction
    k = int(edges.loc[1, "emitted"])  # notify with probability 0.02 per completed record
    assert abs(k - 0.02 * n) < 4 * math.sqrt(n * 0.02 * 0.98)
    r = lambdasim.simulate(shipped("media_encoding", 43200.0))
    films = r.application.events
    per_film = films[films["function"] == "encode_chunk"].groupby("root").size()
    sd = math.sqrt((13**2 - 1) / 12)  # discrete uniform on 18..30
    assert abs(per_film.mean() - 24) < 4 * sd / math.sqrt(len(per_film))
    assert per_film.min() >= 18 and per_film.max() <= 30


def test_cost_per_root_and_the_idle_fleet_bound():
    sc = pipelines.encoding(12, horizon_s=7200.0)
    cost = pipelines.cost_per_root(sc)
    assert list(cost["platform"]) == ["Lambda", "Lambda", "EC2", "EC2"] and (cost["usd_per_root"] > 0).all()
    by = {f.name: f.duration.mean for f in sc.functions}
    assert by["encode_chunk"] == pytest.approx(3600.0 / 12)
    k = sc.ec2.speed_factor
    workers = sc.ec2.scaling.instances * sc.ec2.workers_per_instance
    want = k * (by["split"] + math.ceil(12 / workers) * by["encode_chunk"] + by["package"] + by["publish"])
    assert pipelines.film_time_ec2_s(sc, 12) == pytest.approx(want)


def test_more_shorter_chunks_finish_a_film_sooner_for_the_same_money():
    few = lambdasim.simulate(pipelines.encoding(8, horizon_s=7200.0))  # 450 s chunks: within the 900 s timeout
    many = lambdasim.simulate(pipelines.encoding(32, horizon_s=7200.0))
    assert many.summary["e2e_latency_p50_s"] < 0.5 * few.summary["e2e_latency_p50_s"]
    a, b = (r.application.cost_per_root.query("item == 'encode_chunk'")["usd_per_root"].item() for r in (few, many))
    assert b / a == pytest.approx(1.0, rel=0.15)


def test_chunks_longer_than_the_timeout_fail_the_film():
    r = lambdasim.simulate(pipelines.encoding(2, horizon_s=7200.0))  # 1,800 s chunks, 900 s timeout
    assert r.summary["roots"] > 0 and r.summary["roots_complete"] == 0
    assert r.summary["to_destination"] > 0  # async retries used up


def test_the_pipeline_panel_reruns_without_a_kernel():
    from lambdasim.notebook.pipelines_panel import PipelinePanel

    p = PipelinePanel(photo_horizon_s=120.0, film_horizon_s=3600.0)
    assert set(p.rows) == {"photo upload", "film"} and p.image.value[:4] == b"\x89PNG"
    before = p.rows["film"]["e2e p50 (s)"]
    p.chunks.value = 48
    assert p.rows["film"]["e2e p50 (s)"] < before
    calls = p.rows["photo upload"]["roots"]
    p.rate.value = 10.0
    assert p.rows["photo upload"]["roots"] > 2 * calls
    assert np.isfinite(p.rows["photo upload"]["Lambda USD/root"])


def test_the_ec2_design_pays_for_the_same_services_at_their_expected_counts():
    sc = shipped("media_encoding")  # 3,600 s: 9 films expected
    items = lambdasim.simulate(sc, "ec2").cost
    svc = items[items["platform"] == "services"].set_index("item")["quantity"]
    films = 0.0025 * 3600
    assert svc.to_dict() == pytest.approx({"s3.put": films * 26, "s3.get": films * 25, "sns.publish": films})
    log = shipped("log_processing")
    items = lambdasim.simulate(log, "ec2").cost
    assert items.set_index("item").loc["kinesis.shard_hour", "quantity"] == pytest.approx(2 * 120 / 3600)
