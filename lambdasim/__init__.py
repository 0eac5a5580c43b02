"""lambdasim: simulate event-driven workloads on AWS Lambda and EC2.

>>> import lambdasim
>>> sc = lambdasim.Scenario.from_file("data/scenarios/default.yaml")
>>> r = lambdasim.simulate(sc)
>>> r.summary["cold_start_rate"]
"""
from .errors import CatalogueError, LambdasimError, ScenarioError, TraceError
from .result import Result
from .scenario import Scenario
from .simulation import simulate

__version__ = "0.1.0"
__all__ = ["Scenario", "simulate", "Result", "LambdasimError", "ScenarioError", "TraceError", "CatalogueError"]
