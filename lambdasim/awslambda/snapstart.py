"""SnapStart: new execution environments restored from a snapshot instead of initialised.

``functions[].snapstart: {runtime: java | python | dotnet, restore: <distribution>}``.
With it, every cold start of the function takes a draw of ``restore``
instead of ``init`` (Lambda initialises the function once, when a version
is published, and resumes new environments from the cached snapshot: AWS
Lambda docs, "Improving startup performance with Lambda SnapStart"). The
restore time takes INIT's place in latency and, where INIT is billed
(``billing.rules.init_billed``), in the billed duration. For ``python``
and ``dotnet`` (from 2024-11-18) AWS adds a cache charge (memory x time the
version is active, at least 3 hours) and a restore charge per GB restored
(``billing.rules.snapstart_line_items``, dated catalogue entries); for
``java`` (from 2022-11-28) neither. SnapStart does not combine with
provisioned concurrency (AWS docs: not supported on the same version).
``FunctionSpec.cold_start`` is the distribution a cold start draws from.
"""
from __future__ import annotations

from typing import Literal

from lambdasim.distributions import Distribution
from lambdasim.spec import Spec

__all__ = ["SnapStartSpec"]


class SnapStartSpec(Spec):
    """``functions[].snapstart``: the runtime (which decides the charges) and the restore time."""

    runtime: Literal["java", "python", "dotnet"]
    restore: Distribution

