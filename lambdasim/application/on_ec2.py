"""The same application's work on EC2: expected event rates per node, and a flat scenario.

An EC2 design runs every function's work on one fleet (workers pulling
from a load-balanced queue), so it needs each function's event rate, not
the graph. :func:`expected_rates` propagates the external arrival rates
through the edges (rate x probability x mean emitted count; a fan-in
fires once per group; ``when: failure`` edges are left out), and :func:`ec2_equivalent` turns the scenario into
one without an application, each triggered function getting Poisson
arrivals at its expected rate: the same work per second on average
(burstiness of fan-outs and the order along the chain are not kept).
:func:`lambdasim.simulate` uses it for ``platform="ec2"``, so ``lambdasim
compare`` runs an application scenario on both platforms; the EC2 bill gets
the same managed services (:func:`ec2_services`, at their expected counts).
"""
from __future__ import annotations

from lambdasim.application.spec import kinesis_shard_hours, layers
from lambdasim.scenario import Scenario
from lambdasim.workload.kinds import mean_rate_per_s
from lambdasim.billing.services import service_line_items

__all__ = ["expected_rates", "expected_services", "ec2_equivalent", "ec2_services"]


def _mean_emit(e) -> float:
    return float(e.emit) if isinstance(e.emit, int) else float(e.emit.mean)


def _edge_rate(e, edges, rate: dict[str, float]) -> float:
    """Mean events per second sent along edge ``e``, given the mean rates reaching each function."""
    if e.fan_in is not None:  # one join per group the fan-out sends (an empty group joins at once)
        fan = next(o for o in edges if o.from_ == e.fan_in and o.to == e.from_ and o.fans_out)
        return rate[fan.from_] * fan.probability * e.probability
    return rate[e.from_] * e.probability * _mean_emit(e)


def expected_rates(sc: Scenario) -> dict[str, float]:
    """Mean events per second reaching each function (external arrivals plus edges), failures ignored."""
    rate = {f.name: mean_rate_per_s(f.workload, sc.horizon_s) for f in sc.functions}
    app = sc.application
    if app is None:
        return rate
    depth = layers(list(rate), [(e.from_, e.to) for e in app.edges])
    for e in sorted(app.edges, key=lambda e: depth[e.from_]):  # sources before their targets
        if e.when == "failure":
            continue  # failures are rare by design; their rate is not known before a run
        rate[e.to] += _edge_rate(e, app.edges, rate)
    return rate


def expected_services(sc: Scenario) -> dict[str, float]:
    """Mean managed-service requests per second (edges' and ingress services at the expected rates)."""
    app, out = sc.application, {}
    if app is None:
        return out
    rate = expected_rates(sc)
    ext = {f.name: mean_rate_per_s(f.workload, sc.horizon_s) for f in sc.functions}
    for e in app.edges:
        if e.when == "failure":
            continue
        per_s = _edge_rate(e, app.edges, rate)
        for s, n in e.services.items():
            out[s] = out.get(s, 0.0) + per_s * n
    for g in app.ingress:
        for s, n in g.services.items():
            out[s] = out.get(s, 0.0) + ext[g.to] * n
    return out


def ec2_equivalent(sc: Scenario) -> Scenario:
    """The scenario without its application: triggered functions get Poisson arrivals at their expected rates."""
    if sc.application is None:
        return sc
    rate = expected_rates(sc)
    data = sc.to_dict()
    data.pop("application")
    keep = []
    for f in data["functions"]:
        if f["workload"]["kind"] == "triggered":
            if rate[f["name"]] <= 0:
                continue  # never reached (probability 0): no work for EC2
            f["workload"] = {"kind": "poisson", "rate_per_s": rate[f["name"]]}
        f["invocation"] = {"type": "sync"}  # EC2 serves every event from its own queue
        keep.append(f)
    data["functions"] = keep
    return Scenario.from_dict(data, source=f"EC2 equivalent of {sc.name!r}")


def ec2_services(sc: Scenario, catalogue, period: str = "horizon"):
    """Line items of the managed services an EC2 design of ``sc`` still uses (S3, DynamoDB, Kinesis, ...),
    at their expected counts over the horizon (a Kinesis stream's shard-hours as configured)."""
    h = sc.horizon_s
    return service_line_items({k: v * h for k, v in expected_services(sc).items()}, catalogue,
                              shard_hours=kinesis_shard_hours(sc), period=period)
