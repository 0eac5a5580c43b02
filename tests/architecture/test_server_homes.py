"""One home for each rule among the server platforms (EC2, Fargate, LMI), checked by walking the source with ``ast``.

The shared homes, in ``lambdasim/servers/``: ``result.py`` (lives, billed lives, hourly usage, the summary keys
common to every server platform, the request tally), ``driver.py`` (the run: arrivals through a fleet into the
tally), ``spot.py`` (Spot servers and their interruption process) and ``scaling.py`` (sizing a fleet at time 0).
A platform package adds its fleet, its bill and its own summary keys, and re-implements none of these.
"""
from __future__ import annotations

import ast
from pathlib import Path

import lambdasim
from lambdasim.ec2.result import EC2Result
from lambdasim.fargate.result import FargateResult
from lambdasim.lmi.result import LMIResult
from lambdasim.servers.driver import ServerModel
from lambdasim.servers.result import ServerResult

PKG = Path(lambdasim.__file__).parent
SERVER_PLATFORMS = ("ec2/", "fargate/", "lmi/")  # hybrid/ composes their results (and Lambda's)

#: What servers/result.py is the one home of: no platform module defines a function of these names ...
RESULT_RULES = {"_lives", "_billed", "_billed_lives", "_billed_spot", "hourly_compute_usd", "summary", "traffic",
                "cost", "timeseries", "invocations", "instances", "spot_summary", "quantiles", "columns"}
#: ... nor calls these (the servers' lives in a window, the spread of a bill over the hours, the tally).
RESULT_CALLS = {"window_lives", "spread_hourly_usd", "ServerTally", "LogHistogram", "mean_rate_per_s"}
#: What servers/scaling.py is the one home of: sizing a fleet at time 0.
SCALING_RULES = {"sized_to_load", "initial_count"}
#: What servers/driver.py is the one home of: the run, the walk over the arrivals, folding into the tally.
DRIVER_RULES = {"run", "_drive", "_flush"}
DRIVER_CALLS = {"ArrivalSource", "Environment", "Batch"}
#: What servers/spot.py is the one home of: the Spot flags, the notice, the stop and its requests.
SPOT_RULES = {"is_spot", "interrupt", "stop", "_stop_requests", "_life", "launched", "restarts"}


def _sources() -> dict[str, ast.AST]:
    return {p.relative_to(PKG).as_posix(): ast.parse(p.read_text(encoding="utf-8")) for p in PKG.rglob("*.py")}


def violations(sources: dict[str, ast.AST]) -> list[str]:
    """Functions defined, names assigned or calls made in a server platform package that belong to a shared home."""
    bad = []
    for path, tree in sources.items():
        if not path.startswith(SERVER_PLATFORMS):
            continue
        for n in ast.walk(tree):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name in RESULT_RULES | DRIVER_RULES | SPOT_RULES | SCALING_RULES:
                bad.append(f"{path}: defines {n.name}")
            elif isinstance(n, ast.Call):
                f = n.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
                if name in RESULT_CALLS | DRIVER_CALLS:
                    bad.append(f"{path}: calls {name}")
            elif isinstance(n, ast.Assign):
                for t in n.targets:
                    if isinstance(t, ast.Name) and t.id in ("INTERRUPTED", "SERVER_STATUS", "COLUMNS", "DEFAULT_UTILIZATION"):
                        bad.append(f"{path}: assigns {t.id}")
    return bad


def test_no_server_platform_reimplements_a_shared_rule():
    assert violations(_sources()) == []


def test_the_rule_check_is_live():
    """The check catches what the EC2 result and driver did before they moved onto the shared homes."""
    old = ast.parse(
        "class EC2Result:\n"
        "    def _lives(self, window=True):\n"
        "        return window_lives(f.launched, f.ready, f.retired, 0.0, h)\n"
        "class EC2Model:\n"
        "    def __init__(self):\n"
        "        self.env = simpy.Environment()\n"
        "        self.tally = EC2Tally(1, 10.0, keep=True)\n"
        "    def _drive(self):\n"
        "        b = Batch(3)\n")
    assert sorted(violations({"ec2/result.py": old})) == [
        "ec2/result.py: calls Batch", "ec2/result.py: calls Environment", "ec2/result.py: calls window_lives",
        "ec2/result.py: defines _drive", "ec2/result.py: defines _lives"]
    assert violations({"servers/result.py": old}) == []  # the shared home may


def test_every_server_platform_is_built_on_the_shared_homes():
    from lambdasim.ec2.model import EC2Model
    from lambdasim.fargate.model import FargateModel
    from lambdasim.lmi.model import LMIModel

    assert all(issubclass(r, ServerResult) for r in (EC2Result, FargateResult, LMIResult))
    assert all(issubclass(m, ServerModel) for m in (EC2Model, FargateModel, LMIModel))


def test_the_common_summary_keys_are_the_same_on_every_server_platform():
    """Every server platform's summary starts from the same keys (the shared home's), in the same order."""
    from support.scenarios import one_function

    sc = one_function(horizon_s=120.0, rate=2.0, pricing="aws-latest")  # LMI is priced from 2025-11-30
    keys = {p: list(lambdasim.simulate(sc, platform=p, records="summary").summary)
            for p in ("ec2", "fargate", "lmi")}
    common = [k for k in keys["ec2"] if all(k in v for v in keys.values())]
    for p, ks in keys.items():
        assert [k for k in ks if k in common] == common, p
    assert {"invocations", "completed", "dropped", "in_flight", "interrupted", "mean_instances", "cost_usd",
            "monthly_cost_usd"} <= set(common)
