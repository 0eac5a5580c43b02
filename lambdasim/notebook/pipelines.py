"""The event-driven pipelines story (notebook 07): scenarios, runs and the EC2 comparison.

- :func:`photo` and :func:`encoding` derive the shipped scenarios
  (``data/scenarios/photo_pipeline.yaml``, ``media_encoding.yaml``) with the
  notebook's knobs: upload rate and stream batch size; films per hour and
  chunks per film (a film of fixed length cut into more, shorter chunks).
- :func:`cost_per_root` puts the cost of one root event (an upload, a film)
  on Lambda next to an EC2 design of the same work: the fleet of the
  scenario's ``ec2:`` section running every function's events at their
  expected rates (:func:`lambdasim.application.on_ec2.ec2_equivalent`), plus
  the same managed services (S3, DynamoDB, ... are used either way; the
  EC2 result's bill carries them at their expected counts).
- :func:`film_time_ec2_s`: a film's time on an idle EC2 fleet of ``W``
  workers: split, then ``ceil(n / W)`` rounds of chunk encoding, then
  re-packaging (mean durations, each times the fleet's ``speed_factor``): a
  lower bound, as a busy fleet adds queueing.
"""
from __future__ import annotations

import math

import pandas as pd

from lambdasim.application.on_ec2 import ec2_equivalent
from lambdasim.ec2.model import initial_instances
from lambdasim.application.lineage import PARTS
from lambdasim.paths import data_dir
from lambdasim.scenario import Scenario
from lambdasim.simulation import simulate

__all__ = ["photo", "encoding", "cost_per_root", "film_time_ec2_s", "where_time_goes"]


def photo(upload_rate_per_s: float = 2.0, batch_size: int = 100, horizon_s: float = 3600.0,
          seed: int = 8) -> Scenario:
    sc = Scenario.from_file(data_dir() / "scenarios" / "photo_pipeline.yaml")
    return sc.with_overrides({"functions.0.workload.rate_per_s": upload_rate_per_s,
                              "functions.1.invocation.batch_size": batch_size,
                              "horizon_s": horizon_s, "seed": seed})


def encoding(chunks: int = 24, films_per_hour: float = 9.0, horizon_s: float = 21600.0, seed: int = 8,
             ec2_instances: int | None = None, film_encode_s: float = 3600.0) -> Scenario:
    """Films of one length (``film_encode_s`` seconds of encoding work in all, at Lambda's 6 vCPU: a
    two-hour film, 24 five-minute chunks of 150 s each) cut into ``chunks`` equal chunks."""
    sc = Scenario.from_file(data_dir() / "scenarios" / "media_encoding.yaml")
    over = {"functions.0.workload.rate_per_s": films_per_hour / 3600.0, "application.edges.0.emit": chunks,
            "functions.1.duration.mean_s": film_encode_s / chunks, "horizon_s": horizon_s, "seed": seed}
    if ec2_instances is not None:
        over["ec2.scaling.instances"] = ec2_instances
    return sc.with_overrides(over)


def cost_per_root(sc: Scenario, lam=None, ec2=None) -> pd.DataFrame:
    """USD per root event on Lambda (functions + services) and on the EC2 design (fleet + the same services).

    ``lam`` / ``ec2``: results already run for ``sc`` (else they are run here).
    """
    lam = lam if lam is not None else simulate(sc)
    ec2 = ec2 if ec2 is not None else simulate(sc, "ec2")
    roots = max(1, lam.summary["roots"])
    rows = [("Lambda", "functions", float(lam.cost.loc[lam.cost["platform"] == "lambda", "amount_usd"].sum()) / roots),
            ("Lambda", "services", lam.summary["services_usd"] / roots)]
    items = ec2.cost
    svc = float(items.loc[items["platform"] == "services", "amount_usd"].sum())
    rows += [("EC2", "fleet", (ec2.summary["cost_usd"] - svc) / roots), ("EC2", "services", svc / roots)]
    df = pd.DataFrame(rows, columns=["platform", "part", "usd_per_root"])
    df.attrs.update(roots=roots, ec2_fleet=f"{initial_instances(ec2_equivalent(sc))} x {sc.ec2.instance_type}",
                    ec2_utilization=ec2.summary.get("utilization", math.nan))
    return df


def film_time_ec2_s(sc: Scenario, chunks: int) -> float:
    """A film's time on an idle EC2 fleet (a lower bound; see the module doc)."""
    by = {f.name: f.duration.mean * sc.ec2.speed_factor for f in sc.functions}
    workers = initial_instances(ec2_equivalent(sc)) * sc.ec2.workers_per_instance
    return by["split"] + math.ceil(chunks / workers) * by["encode_chunk"] + by["package"] + by["publish"]


def where_time_goes(result) -> pd.Series:
    """Mean seconds per complete root event on its critical path, by part."""
    e2e = result.end_to_end
    done = e2e[e2e["complete"]]
    return pd.Series({p[:-2]: float(done[p].mean()) for p in PARTS}, name=result.scenario.name)
