"""lambdasim: simulate event-driven workloads on AWS Lambda and EC2.

>>> import lambdasim
>>> sc = lambdasim.Scenario.from_file("data/scenarios/default.yaml")
>>> r = lambdasim.simulate(sc)
>>> r.summary["cold_start_rate"]
"""
from lambdasim.comparison.break_even import break_even
from lambdasim.comparison.compare import compare
from lambdasim.comparison.optimize import optimize
from lambdasim.errors import CatalogueError, LambdasimError, ScenarioError, TraceError
from lambdasim.billing.catalogue import load_catalogue
from lambdasim.awslambda.result import Result
from lambdasim.scenario import Scenario
from lambdasim.simulation import simulate
from lambdasim.sweeps.store import read_results
from lambdasim.sweeps.driver import sweep
from lambdasim.sweeps.summary import summarize
from lambdasim.comparison.sizing import size_ec2
from lambdasim.version import __version__

__all__ = ["Scenario", "simulate", "Result", "LambdasimError", "ScenarioError", "TraceError", "CatalogueError",
           "sweep", "summarize", "read_results", "compare", "break_even", "size_ec2", "load_catalogue",
           "optimize"]
