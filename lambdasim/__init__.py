"""lambdasim: simulate event-driven workloads on AWS Lambda and EC2.

>>> import lambdasim
>>> sc = lambdasim.Scenario.from_file("data/scenarios/default.yaml")
>>> r = lambdasim.simulate(sc)
>>> r.summary["cold_start_rate"]
"""
from .break_even import break_even
from .compare import compare
from .errors import CatalogueError, LambdasimError, ScenarioError, TraceError
from .pricing import load_catalogue
from .result import Result
from .scenario import Scenario
from .simulation import simulate
from .store import read_results
from .sweep import sweep
from .sweep_summary import summarize
from .sizing import size_ec2

__version__ = "0.1.0"
__all__ = ["Scenario", "simulate", "Result", "LambdasimError", "ScenarioError", "TraceError", "CatalogueError",
           "sweep", "summarize", "read_results", "compare", "break_even", "size_ec2", "load_catalogue"]
