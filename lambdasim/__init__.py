"""lambdasim: simulate event-driven workloads on AWS Lambda and EC2.

>>> import lambdasim
>>> sc = lambdasim.Scenario.from_file("data/scenarios/default.yaml")
>>> r = lambdasim.simulate(sc)
>>> r.summary["cold_start_rate"]

The face loads each name's module on first use (PEP 562), so that
``import lambdasim`` and the command line start without loading the engine,
pandas, the sweep machinery or the package metadata (``__version__``); every
name is the same object as in its module.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from lambdasim.errors import CatalogueError, LambdasimError, ScenarioError, TraceError

if TYPE_CHECKING:
    from lambdasim.version import __version__
    from lambdasim.awslambda.result import Result
    from lambdasim.billing.catalogue import load_catalogue
    from lambdasim.comparison.break_even import break_even
    from lambdasim.comparison.compare import compare
    from lambdasim.comparison.optimize import optimize
    from lambdasim.comparison.sizing import size_ec2, size_fleet
    from lambdasim.scenario import Scenario
    from lambdasim.simulation import simulate
    from lambdasim.sweeps.driver import sweep
    from lambdasim.sweeps.store import read_results
    from lambdasim.sweeps.summary import summarize

__all__ = ["Scenario", "simulate", "Result", "LambdasimError", "ScenarioError", "TraceError", "CatalogueError",
           "sweep", "summarize", "read_results", "compare", "break_even", "size_ec2", "load_catalogue",
           "optimize", "size_fleet"]

#: Where each lazily loaded public name lives (``__version__`` too: reading package metadata costs start-up time).
_HOMES = {
    "__version__": "lambdasim.version",
    "Scenario": "lambdasim.scenario",
    "simulate": "lambdasim.simulation",
    "Result": "lambdasim.awslambda.result",
    "sweep": "lambdasim.sweeps.driver",
    "summarize": "lambdasim.sweeps.summary",
    "read_results": "lambdasim.sweeps.store",
    "compare": "lambdasim.comparison.compare",
    "break_even": "lambdasim.comparison.break_even",
    "size_ec2": "lambdasim.comparison.sizing",
    "size_fleet": "lambdasim.comparison.sizing",
    "optimize": "lambdasim.comparison.optimize",
    "load_catalogue": "lambdasim.billing.catalogue",
}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'lambdasim' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_HOMES))
