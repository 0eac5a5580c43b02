"""An event-driven application: functions wired by events into a graph.

A scenario's ``application:`` section lists *edges* between its functions.
When an invocation of ``from`` completes, each edge emits events to ``to``
(at the end of the run plus ``delay_s``, the service's delivery latency)
and the ``trigger`` says how ``to`` is invoked:

- ``async``: an S3 / SNS-style notification (``to`` has ``invocation: {type: async}``);
- ``stream``: a write to a DynamoDB table or Kinesis stream, read in batches
  per shard (``to`` has ``invocation: {type: stream}``);
- ``sqs``: a message on a queue (``to`` has ``invocation: {type: sqs}``);
- ``sync``: a direct call; the caller waits and is billed while it waits
  (``to`` has ``invocation: {type: sync}``).

An edge with ``when: failure`` fires instead when an event of ``from`` fails
for good (retries used up: an on-failure destination, a DLQ, too old), as
an on-failure destination wired to an alarm does. ``emit`` is how many
events one completion sends (1 by default; a fixed
count or ``{dist: uniform, low, high}`` / ``{dist: poisson, mean}``: a
*fan-out*, one group of events); ``probability`` makes emission
conditional. An edge with ``fan_in: X`` waits for every event of the
group that ``X``'s fan-out sent to ``from`` and then emits once (a join).
``services`` are managed-service requests charged per emitted event
(``{s3.put: 1, dynamodb.write: 2}``; prices in ``data/pricing/services.yaml``);
``ingress`` charges them per external arrival, and ``kinesis`` lists the
stream-invoked functions fed by a Kinesis data stream (charged per
shard-hour). Functions run only by edges have ``workload: {kind: triggered}``.
How to describe one's own application: ``docs/applications.md``.
"""
from __future__ import annotations

import difflib
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import Discriminator, Field, Tag, model_validator
from pydantic_core import PydanticCustomError

from lambdasim.errors import register_tags
from lambdasim.billing.services import SERVICES
from lambdasim.spec import IntIn, NonNegative, Probability, Spec

__all__ = ["SERVICES", "Edge", "Ingress", "ApplicationSpec", "check_application", "EmitUniform", "EmitPoisson"]

ServiceName = Literal["s3.put", "s3.get", "dynamodb.write", "dynamodb.read", "kinesis.put_payload",
                      "sqs.request", "sns.publish"]


class EmitUniform(Spec):
    """A whole number of events drawn uniformly from ``low`` to ``high`` (both included)."""

    dist: Literal["uniform"] = "uniform"
    low: IntIn(0, 100000)
    high: IntIn(0, 100000)

    @model_validator(mode="after")
    def _ordered(self) -> "EmitUniform":
        if self.high < self.low:
            raise PydanticCustomError("order", "must have high >= low; got low={lo}, high={hi}",
                                      {"lo": self.low, "hi": self.high})
        return self

    def draw(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.low, self.high + 1))

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2


class EmitPoisson(Spec):
    """A Poisson number of events with mean ``mean``."""

    dist: Literal["poisson"] = "poisson"
    mean: NonNegative

    def draw(self, rng: np.random.Generator) -> int:
        return int(rng.poisson(self.mean))


def _emit_form(v):
    if isinstance(v, (EmitUniform, EmitPoisson)):
        return v.dist
    if isinstance(v, dict):
        return v.get("dist")
    return "count" if isinstance(v, int) and not isinstance(v, bool) else None


Emit = Annotated[
    Union[Annotated[IntIn(0, 100000), Tag("count")], Annotated[EmitUniform, Tag("uniform")],
          Annotated[EmitPoisson, Tag("poisson")]],
    Discriminator(_emit_form, custom_error_type="form",
                  custom_error_message="must be a count (an int >= 0), {dist: uniform, low, high} or {dist: poisson, mean}"),
]
register_tags("count", "uniform", "poisson")


class Edge(Spec):
    """What a completed invocation of ``from`` sends to ``to``."""

    from_: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)
    trigger: Literal["async", "stream", "sqs", "sync"]
    when: Literal["success", "failure"] = "success"  # failure: the event failed for good (destination, DLQ, age)
    emit: Emit = 1
    probability: Probability = 1.0
    fan_in: str | None = None
    delay_s: NonNegative = 0.0
    services: dict[ServiceName, NonNegative] = {}

    @property
    def fans_out(self) -> bool:
        """Whether one completion sends a group of events (anything but exactly one)."""
        return not (isinstance(self.emit, int) and self.emit == 1)

    def count(self, rng: np.random.Generator) -> int:
        return self.emit if isinstance(self.emit, int) else self.emit.draw(rng)

    @property
    def label(self) -> str:
        return f"{self.from_} -> {self.to}"


class Ingress(Spec):
    """Managed-service requests charged per external arrival of function ``to`` (an upload: ``s3.put``)."""

    to: str = Field(min_length=1)
    services: dict[ServiceName, NonNegative] = {}


class ApplicationSpec(Spec):
    """The graph: edges between the scenario's functions, and the services around it."""

    edges: tuple[Edge, ...] = Field(min_length=1)
    ingress: tuple[Ingress, ...] = ()
    kinesis: tuple[str, ...] = ()  # stream-invoked functions fed by a Kinesis data stream (shard-hours)


def kinesis_shard_hours(sc) -> float:
    """Shard-hours over the horizon of the Kinesis streams feeding ``sc.application.kinesis``."""
    shards = {f.name: getattr(f.invocation, "shards", 0) for f in sc.functions}
    return sum(shards[k] for k in sc.application.kinesis) * sc.horizon_s / 3600.0


def _unknown(name: str, names: list[str], where: str) -> str:
    near = difflib.get_close_matches(name, names, n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    return f"{where} names unknown function {name!r}{hint}; functions: {', '.join(names)}"


def check_application(app: ApplicationSpec, functions) -> str | None:
    """The first problem of ``app`` against the scenario's ``functions``, as a message, else None.

    Checked: edges, ingress and ``kinesis`` name known functions; a target's
    invocation type matches its edge's trigger; ``fan_in`` names the source
    of a fan-out edge into ``from``; the graph has no cycle; a function with a
    ``triggered`` workload has an incoming edge.
    """
    names = [f.name for f in functions]
    kind = {f.name: f.invocation.type for f in functions}
    for i, e in enumerate(app.edges):
        w = f"application.edges.{i}"
        for end, name in (("from", e.from_), ("to", e.to)):
            if name not in kind:
                return _unknown(name, names, f"{w}.{end}")
        if kind[e.to] != e.trigger:
            return (f"{w} ({e.label}) has trigger {e.trigger!r}, so function {e.to!r} must have "
                    f"invocation type {e.trigger!r}; it has {kind[e.to]!r}")
        if e.trigger == "sync" and e.fans_out:
            return f"{w} ({e.label}) is a sync call: the caller makes one call and waits, so emit must be 1"
        if e.when == "failure" and e.fan_in is not None:
            return f"{w} ({e.label}) fires on failure, so it cannot be a fan-in (only completed events join)"
        if e.fan_in is not None:
            if e.fan_in not in kind:
                return _unknown(e.fan_in, names, f"{w}.fan_in")
            if not any(o.from_ == e.fan_in and o.to == e.from_ and o.fans_out for o in app.edges):
                return (f"{w} ({e.label}) has fan_in {e.fan_in!r} but no fan-out edge {e.fan_in} -> {e.from_} "
                        f"(an edge with emit other than 1) sends the group it would wait for")
            if e.fans_out:
                return f"{w} ({e.label}) is a fan-in: it emits one event per group, so emit must be 1"
    for i, g in enumerate(app.ingress):
        if g.to not in kind:
            return _unknown(g.to, names, f"application.ingress.{i}.to")
    for i, k in enumerate(app.kinesis):
        if k not in kind:
            return _unknown(k, names, f"application.kinesis.{i}")
        if kind[k] != "stream":
            return f"application.kinesis.{i} names {k!r}, which must have invocation type 'stream'; it has {kind[k]!r}"
    cycle = find_cycle(names, [(e.from_, e.to) for e in app.edges])
    if cycle:
        return f"application.edges must form no cycle; found {' -> '.join(cycle)}"
    fed = {e.to for e in app.edges}
    for f in functions:
        if f.workload.kind == "triggered" and f.name not in fed:
            return f"function {f.name!r} has workload 'triggered' but no application edge leads to it"
    return None


def find_cycle(nodes: list[str], edges: list[tuple[str, str]]) -> list[str] | None:
    """A cycle as a closed path of node names (first == last), or None for a DAG."""
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        succ[a].append(b)
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        path.append(n)
        for m in succ[n]:
            if state.get(m) == 1:
                return path[path.index(m):] + [m]
            if m not in state:
                found = visit(m)
                if found:
                    return found
        state[n] = 2
        path.pop()
        return None

    for n in nodes:
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


def layers(nodes: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Each node's depth in the DAG (longest path from a source), for drawing."""
    depth = {n: 0 for n in nodes}
    for _ in nodes:  # relax |V| times: enough for a DAG's longest paths
        changed = False
        for a, b in edges:
            if depth[b] < depth[a] + 1:
                depth[b], changed = depth[a] + 1, True
        if not changed:
            break
    return depth
