"""The scenario: one validated, frozen description of a simulation.

Load it with :meth:`Scenario.from_file` (YAML or TOML) or
:meth:`Scenario.from_dict`; change it with :meth:`Scenario.with_overrides`,
which returns a new validated scenario (scenarios are never mutated).
Every field is documented in ``docs/scenario.md``.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_serializer, field_validator, model_validator
from pydantic_core import PydanticCustomError

from lambdasim.distributions import Constant, Distribution
from lambdasim.ec2.spec import EC2Spec, EC2SpotSpec, spot_problem
from lambdasim.fargate.spec import FargateSpec
from lambdasim.lmi.spec import LMISpec, check_lmi
from lambdasim.hybrid.spec import HybridSpec
from lambdasim.application.spec import ApplicationSpec, check_application
from lambdasim.awslambda.coldstarts import InitDistribution
from lambdasim.work import CpuScaling, Work
from lambdasim.errors import CatalogueError, ScenarioError, format_validation_error
from lambdasim.awslambda.invocation import Invocation, Sync
from lambdasim.awslambda.keepalive import KeepAlive
from lambdasim.billing.rules import unpriced
from lambdasim.billing.frontdoor import FIRST_KEY, FrontDoorSpec, PayloadSpec
from lambdasim.billing.network import NetworkSpec
from lambdasim.billing.catalogue import load_catalogue
from lambdasim.billing.spec import PricingSpec
from lambdasim.billing.fargate import task_size
from lambdasim.errors import CatalogueError
from lambdasim.awslambda.provisioned import ProvisionedConcurrency, peak
from lambdasim.awslambda.scaling import ScalingSpec
from lambdasim.awslambda.snapstart import SnapStartSpec
from lambdasim.files import read_data
from lambdasim.spec import FloatIn, IntIn, Positive, Probability, Spec
from lambdasim.workload.traces import TraceSet, expand
from lambdasim.workload.kinds import Workload

__all__ = ["Scenario", "FunctionSpec", "LambdaSpec", "KeepAlive", "as_scenario"]


class LambdaSpec(Spec):
    """Account-level Lambda settings."""

    keep_alive: KeepAlive | None = None  # None: the preset of the pricing date (keepalive.py, eras.py)
    instance_selection: Literal["mru", "lru", "random"] | None = None  # None: the era's routing (mru)
    account_concurrency: IntIn(1, None) = 1000
    reserved_concurrency: IntIn(0, None) | None = None
    scaling: ScalingSpec = ScalingSpec()  # burst scaling; model None = by pricing date (scaling.py)


class FunctionSpec(Spec):
    """One function: its size, its work per invocation and its arrivals."""

    name: str = Field(min_length=1)
    memory_mb: IntIn(128, 10240) = 128
    duration: Distribution | None = None  # Lambda run time; or state `work` (work.py: how one maps to the other)
    work: Work | None = None  # CPU seconds at one vCPU, waiting seconds, working memory (work.py)
    init: InitDistribution = Constant(value_s=0.0)  # or {preset: python3.12}: measured INIT (coldstarts.py)
    workload: Workload
    reserved_concurrency: IntIn(0, None) | None = None
    # Lambda platform fidelity (issue 4; semantics in docs/model.md, "Lambda model"):
    provisioned_concurrency: ProvisionedConcurrency | None = None  # N, [[time_s, N], ...] or target tracking
    snapstart: SnapStartSpec | None = None  # cold starts restore a snapshot (awslambda/snapstart.py)
    timeout_s: FloatIn(0, 900, lo_open=True) = 900.0  # a longer run is cut here and fails
    error_probability: Probability = 0.0  # chance that an execution fails (and is billed)
    cpu_scaling: CpuScaling | None = None  # duration drawn at reference memory, rescaled (cpu.py)
    arch: Literal["x86_64", "arm64"] = "x86_64"
    speed_factor: Positive = 1.0  # relative speed of this code on `arch`; durations are divided by it
    invocation: Invocation = Sync()  # sync | async | stream | sqs (invocation.py)
    # Billing (issue 3; rules in docs/pricing.md): INIT is always billed for custom runtimes and
    # container images, for ZIP on managed runtimes from 2025-08-01; /tmp above 512 MB is billed.
    package_type: Literal["zip", "image"] = "zip"
    runtime: Literal["managed", "custom"] = "managed"
    ephemeral_storage_mb: IntIn(512, 10240) = 512
    # The bill around compute (issue 18; docs/pricing.md): what callers reach it through, and payload sizes
    front_door: FrontDoorSpec | None = None  # else the scenario's `front_door`
    payload: PayloadSpec | None = None  # request/response KB; none = bytes not modelled

    @model_validator(mode="before")
    @classmethod
    def _init_preset(cls, data: Any) -> Any:
        """``init: {preset: ...}`` takes the function's memory, arch and package type unless it names its own."""
        if isinstance(data, dict) and isinstance(data.get("init"), dict) and "preset" in data["init"]:
            own = {"memory_mb": data.get("memory_mb", 128), "arch": data.get("arch", "x86_64"),
                   "package_type": data.get("package_type", "zip")}
            data = {**data, "init": {"dist": "preset", **own, **data["init"]}}
        return data


    @property
    def cold_start(self) -> Distribution:
        """What a cold start takes: a SnapStart ``restore`` draw if the function has SnapStart, else ``init``."""
        return self.snapstart.restore if self.snapstart is not None else self.init

    @model_validator(mode="after")
    def _work_or_duration(self) -> "FunctionSpec":
        if (self.duration is None) == (self.work is None):
            raise PydanticCustomError("work", "must state exactly one of duration or work; got {g}",
                                      {"g": "both" if self.work is not None else "neither"})
        if self.work is not None and self.cpu_scaling is not None:
            raise PydanticCustomError("work", "must not give cpu_scaling with work (work states its CPU "
                                      "seconds at one vCPU; cpu_scaling rescales a duration)", {})
        if self.snapstart is not None and self.provisioned_concurrency:
            raise PydanticCustomError("snapstart", "must not combine snapstart with provisioned_concurrency "
                                      "(AWS does not support both on one function version)", {})
        if self.work is not None and self.workload.carries_durations:
            raise PydanticCustomError("work", "must not state work for a workload that carries its own "
                                      "durations (a trace with durations): give duration instead", {})
        return self


class Scenario(Spec):
    """A whole simulation: functions, platform settings, prices, horizon and seed."""

    name: str = "scenario"
    horizon_s: FloatIn(0.0, 1e9, lo_open=True)  # at most ~31.7 years
    seed: IntIn(0, None) = 0
    # warm-up: the run starts empty at 0; metrics and costs count from here (docs/scenario.md, "Steady state")
    measure_from_s: FloatIn(0.0, 1e9) = 0.0
    workload: TraceSet | None = None  # a trace whose functions are added to `functions`; see traces.py
    functions: tuple[FunctionSpec, ...] = Field((), validate_default=True)
    lambda_: LambdaSpec = Field(LambdaSpec(), alias="lambda")
    pricing: PricingSpec = PricingSpec(preset="aws-2024")
    ec2: EC2Spec = EC2Spec()  # the EC2 fleet to compare against; see ec2_spec.py
    fargate: FargateSpec = FargateSpec()  # the ECS service on Fargate to compare against; see fargate/spec.py
    lmi: LMISpec = LMISpec()  # Lambda Managed Instances to compare against; see lmi/spec.py
    hybrid: HybridSpec = HybridSpec()  # a server base fleet + Lambda for the overflow; see hybrid/spec.py
    # the platforms `compare` runs; none: Lambda and EC2, plus Fargate, LMI and hybrid when their section differs
    # from the default (enabled_platforms)
    platforms: tuple[Literal["lambda", "ec2", "fargate", "lmi", "hybrid"], ...] | None = None
    application: ApplicationSpec | None = None  # edges between functions (event-driven graph); application.py
    front_door: FrontDoorSpec | None = None  # the front door of every function without its own (billing/frontdoor.py)
    network: NetworkSpec | None = None  # logs, data transfer, NAT, public IPv4 (billing/network.py)

    @field_validator("functions", mode="before")
    @classmethod
    def _expand_trace(cls, v: Any, info: ValidationInfo) -> Any:
        ts = info.data.get("workload")
        return [*v, *expand(ts)] if ts is not None and isinstance(v, (list, tuple)) else v

    @field_serializer("functions", mode="wrap")
    def _explicit_functions(self, v: Any, handler: Any) -> Any:
        out = handler(v)  # the trace's functions are re-expanded from `workload` on loading
        return out if self.workload is None else out[: len(out) - self.workload.n_functions]

    @field_validator("pricing", mode="before")
    @classmethod
    def _preset_name(cls, v: Any) -> Any:
        return {"preset": v} if isinstance(v, str) else v

    @field_validator("functions")
    @classmethod
    def _at_least_one(cls, v: tuple[FunctionSpec, ...], info: ValidationInfo) -> tuple[FunctionSpec, ...]:
        if not v and "workload" in info.data:  # a workload that failed has its own error: one error, not two
            raise PydanticCustomError("empty", "must list at least one function", {})
        return v

    @property
    def measured_s(self) -> float:
        """The measured span: ``horizon_s`` less the warm-up ``measure_from_s``."""
        return self.horizon_s - self.measure_from_s

    @model_validator(mode="after")
    def _consistent(self) -> "Scenario":
        if not self.measure_from_s < self.horizon_s:
            raise PydanticCustomError("warmup", "must have measure_from_s below horizon_s ({h}); got {w}",
                                      {"h": f"{self.horizon_s:g}", "w": f"{self.measure_from_s:g}"})
        if self.measure_from_s > 0 and self.application is not None:
            raise PydanticCustomError("warmup", "must not combine measure_from_s with an application section (an "
                                      "application's end-to-end metrics and services count the whole run); got "
                                      "measure_from_s={w}", {"w": f"{self.measure_from_s:g}"})
        dup = sorted(n for n, k in Counter(f.name for f in self.functions).items() if k > 1)  # linear in functions
        if dup:
            raise PydanticCustomError("dup", "must have unique function names; repeated: {d}", {"d": ", ".join(dup)})
        for i, f in enumerate(self.functions):
            r, pc = self.reserved(i), peak(f.provisioned_concurrency)
            if pc > (r if r is not None else self.lambda_.account_concurrency):
                raise PydanticCustomError(
                    "pc", "must provision no more than the concurrency of function {f} ({r}); got {p}",
                    {"f": f.name, "r": r if r is not None else self.lambda_.account_concurrency, "p": pc})
        cat = load_catalogue(self.pricing)
        problem = unpriced(self.functions, cat)  # e.g. arm64 before 2021-09-29
        for i, f in enumerate(self.functions):
            door = self.door(i)
            if problem is None and door is not None and FIRST_KEY[door.type] not in cat:
                try:
                    cat[FIRST_KEY[door.type]]
                except CatalogueError as exc:
                    problem = f"function {f.name!r} has front door {door.type!r}, which cannot be billed: {str(exc).rstrip('.')}"
        if problem is None and self.application is not None:
            problem = check_application(self.application, self.functions)
            problem = problem and f"has an invalid application: {problem}"
        elif problem is None and any(f.workload.kind == "triggered" for f in self.functions):
            problem = "must have an application section: a function with workload 'triggered' runs only by its edges"
        if problem is None and self.ec2.spot != EC2SpotSpec():
            problem = spot_problem(self.ec2.spot, self.pricing.ec2_purchase, cat)
        if problem is None and self.fargate != FargateSpec():  # a default section is checked when run
            problem = _fargate_problem(self.fargate, load_catalogue(self.pricing))
        if problem is None and self.lmi != LMISpec():  # a default section is checked when run
            try:
                check_lmi(self.lmi, load_catalogue(self.pricing))
            except CatalogueError as exc:
                problem = f"has an lmi section the price catalogue cannot run: {str(exc).rstrip('.')}"
        if problem:
            raise PydanticCustomError("pricing", "{p}", {"p": problem})
        reserved = sum(self.reserved(i) or 0 for i in range(len(self.functions)))
        if reserved > self.lambda_.account_concurrency:
            raise PydanticCustomError(
                "reserved",
                "must reserve no more concurrency than lambda.account_concurrency ({a}); functions reserve {r}",
                {"a": self.lambda_.account_concurrency, "r": reserved},
            )
        return self

    def enabled_platforms(self) -> tuple[str, ...]:
        """The platforms this scenario compares: ``platforms``, else Lambda, EC2 and every further platform
        whose section is given (differs from the default)."""
        if self.platforms is not None:
            return tuple(dict.fromkeys(self.platforms))
        extra = [p for p, spec in (("fargate", self.fargate != FargateSpec()), ("lmi", self.lmi != LMISpec()),
                                   ("hybrid", self.hybrid != HybridSpec())) if spec]
        return ("lambda", "ec2", *extra)

    def door(self, i: int) -> FrontDoorSpec | None:
        """The front door of function ``i`` (its own, else the scenario's)."""
        own = self.functions[i].front_door
        return own if own is not None else self.front_door

    def reserved(self, i: int) -> int | None:
        """Reserved concurrency of function ``i`` (its own, else the account default)."""
        own = self.functions[i].reserved_concurrency
        return own if own is not None else self.lambda_.reserved_concurrency

    # --- construction -------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str | None = None, base_dir: str | Path | None = None) -> "Scenario":
        """Validate a plain dict (as read from YAML/TOML/JSON)."""
        if not isinstance(data, dict):
            raise ScenarioError(f"{source or 'scenario'}: must be a mapping of fields; got {type(data).__name__}")
        try:
            return cls.model_validate(data, context={"base_dir": str(base_dir) if base_dir else None})
        except ValidationError as exc:
            raise ScenarioError(format_validation_error(exc, "Scenario", source)) from None

    @classmethod
    def from_file(cls, path: str | Path) -> "Scenario":
        """Read a ``.yaml``/``.yml``, ``.toml`` or ``.json`` scenario file."""
        path = Path(path)
        data = read_data(path, "Scenario", ScenarioError)
        return cls.from_dict(data, source=str(path), base_dir=path.parent)

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain data (round-trips through :meth:`from_dict`)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def with_overrides(self, overrides: dict[str, Any], source: str | None = None) -> "Scenario":
        """A new scenario with dotted-path fields replaced (``functions.0.memory_mb``)."""
        data = self.to_dict()
        for path, value in overrides.items():
            set_path(data, path, value)
        return Scenario.from_dict(data, source=source or f"scenario {self.name!r} with overrides")


def _fargate_problem(fg: FargateSpec, catalogue) -> str | None:
    """Why the catalogue cannot run this Fargate service (no size holds it, storage out of range), else None."""
    try:
        task_size(fg.vcpu, fg.memory_gb, catalogue, fg.arch)
        free, top = catalogue["fargate.ephemeral_free_gb"], catalogue["fargate.ephemeral_max_gb"]
    except CatalogueError as exc:
        return f"has a fargate section the price catalogue cannot run: {str(exc).rstrip('.')}"
    if not free <= fg.ephemeral_storage_gb <= top:
        return f"must have fargate.ephemeral_storage_gb in [{free:g}, {top:g}] GB; got {fg.ephemeral_storage_gb:g}"
    return None


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``data[a][b][0]...`` from ``"a.b.0..."``; a clear error if the path does not exist."""
    keys = path.split(".")
    node: Any = data
    for depth, key in enumerate(keys[:-1]):
        node = _child(node, key, ".".join(keys[: depth + 1]), path, create=True)
    last = keys[-1]
    if isinstance(node, list):
        _child(node, last, path, path, create=False)
        node[int(last)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ScenarioError(f"Cannot set {path!r}: {'.'.join(keys[:-1])!r} is a {type(node).__name__}, not a mapping.")


def _child(node: Any, key: str, where: str, path: str, create: bool) -> Any:
    if isinstance(node, list):
        if not key.isdigit() or int(key) >= len(node):
            parent = where.rpartition(".")[0] or where
            raise ScenarioError(f"Cannot set {path!r}: the index into {parent!r} must be in [0, {len(node) - 1}]; "
                                f"got {key!r}.")
        return node[int(key)]
    if isinstance(node, dict):
        if key not in node and create:
            node[key] = {}
        return node[key]
    raise ScenarioError(f"Cannot set {path!r}: {where!r} is not a mapping or list.")


def as_scenario(s) -> Scenario:
    """A :class:`Scenario` from a Scenario, a dict or a scenario file path."""
    if isinstance(s, Scenario):
        return s
    if isinstance(s, dict):
        return Scenario.from_dict(s)
    return Scenario.from_file(s)
