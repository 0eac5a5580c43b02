"""The entry point: ``simulate(scenario, platform=..., seed=..., records=...)``."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

from lambdasim.application.runtime import attach
from lambdasim.awslambda.model import LambdaModel
from lambdasim.billing.catalogue import load_catalogue
from lambdasim.awslambda.result import Result
from lambdasim.errors import ScenarioError
from lambdasim.results import PlatformResult
from lambdasim.scenario import Scenario, as_scenario
from lambdasim.workload.budget import BYTES_PER_RECORD, MAX_ARRIVALS, expected_arrivals

__all__ = ["simulate", "check_work", "available_memory_bytes"]

PLATFORMS = ("lambda", "ec2", "fargate", "lmi")


def simulate(scenario: Scenario | str | Path | dict, platform: str = "lambda", seed: int | None = None,
             records: Literal["full", "summary"] = "full", max_arrivals: float | None = None) -> PlatformResult:
    """Run one scenario on one platform.

    ``seed`` replaces the scenario's seed; ``records="summary"`` keeps only
    streaming statistics (bounded memory, percentiles within 0.03 %)
    instead of one row per invocation. A run whose expected arrivals exceed ``max_arrivals``
    (default :data:`~lambdasim.workload.budget.MAX_ARRIVALS`), or whose full records would not fit in
    the memory available, is refused before it starts (:func:`check_work`).
    """
    sc = as_scenario(scenario)
    if seed is not None:
        sc = sc.with_overrides({"seed": seed})
    if platform not in PLATFORMS:
        raise ValueError(f"platform must be one of {', '.join(PLATFORMS)}. Got {platform!r} instead.")
    if records not in ("full", "summary"):
        raise ValueError(f"records must be 'full' or 'summary'. Got {records!r} instead.")
    check_work(sc, records, max_arrivals)
    catalogue = load_catalogue(sc.pricing)
    if platform in ("ec2", "fargate", "lmi"):
        from lambdasim.application.on_ec2 import ec2_equivalent, ec2_services

        flat = ec2_equivalent(sc)  # an application's work as flat per-function arrivals (application/on_ec2.py)
        # an application's managed services, at their expected counts
        services = ec2_services(sc, catalogue) if sc.application is not None else None
        return _server_run(flat, platform, catalogue, records == "full", services)
    model = LambdaModel(sc, catalogue, keep_records=records == "full")
    app = attach(model) if sc.application is not None else None  # event-driven graph (application/runtime.py)
    model.run()
    return Result(sc, platform, catalogue, model.tally, model.instances, sc.seed,
                  application=app.finish() if app is not None else None, pc_steps=model.pc_steps())


def _server_run(sc: Scenario, platform: str, catalogue, keep: bool, extra_items) -> PlatformResult:
    """Run a server platform (EC2, Fargate or Lambda Managed Instances) on flat per-function arrivals."""
    if platform == "ec2":
        from lambdasim.ec2.model import EC2Model
        from lambdasim.ec2.result import EC2Result

        model = EC2Model(sc, keep_records=keep)
        model.run()
        return EC2Result(sc, catalogue, model, extra_items=extra_items)
    if platform == "fargate":
        from lambdasim.fargate.model import FargateModel
        from lambdasim.fargate.result import FargateResult

        model = FargateModel(sc, catalogue, keep_records=keep)
        model.run()
        return FargateResult(sc, catalogue, model, extra_items=extra_items)
    from lambdasim.lmi.model import LMIModel
    from lambdasim.lmi.result import LMIResult

    model = LMIModel(sc, catalogue, keep_records=keep)
    model.run()
    return LMIResult(sc, catalogue, model, extra_items=extra_items)


def available_memory_bytes() -> float:
    """Memory the system can give this run now (``MemAvailable``), or infinity where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    return math.inf


def check_work(sc: Scenario, records: str = "full", max_arrivals: float | None = None) -> float:
    """The run's expected arrivals; a :class:`ScenarioError` before the run if they exceed
    ``max_arrivals`` (default :data:`MAX_ARRIVALS`) or, with full records, the memory available."""
    limit = MAX_ARRIVALS if max_arrivals is None else max_arrivals
    per_fn = [expected_arrivals(f.workload, sc.horizon_s) for f in sc.functions]
    total = math.fsum(per_fn)
    if not total <= limit:
        worst = max(range(len(per_fn)), key=per_fn.__getitem__)
        raise ScenarioError(
            f"Scenario {sc.name!r} would simulate about {total:.3g} arrivals (function "
            f"{sc.functions[worst].name!r}: {per_fn[worst]:.3g} over horizon_s={sc.horizon_s:g}); the limit is "
            f"{limit:,.0f}. Check the rates, intervals, trace scale and horizon, or raise the limit "
            f"(simulate(..., max_arrivals=N), --max-arrivals N).")
    need = total * BYTES_PER_RECORD
    if records == "full" and max_arrivals is None and need > available_memory_bytes():
        raise ScenarioError(
            f"Scenario {sc.name!r} would keep about {total:.3g} invocation records ({need / 2**30:,.1f} GiB), more "
            f"than the {available_memory_bytes() / 2**30:,.1f} GiB of memory available. Run with "
            f"records='summary' (bounded memory), a shorter horizon_s, or set max_arrivals to insist.")
    return total
