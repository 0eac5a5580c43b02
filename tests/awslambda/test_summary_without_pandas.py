"""A Lambda run's summary (its bill's total and monthly total included) needs no pandas; the frames still agree."""
import subprocess
import sys

import numpy as np

CODE = """
import sys
from lambdasim.scenario import Scenario
from lambdasim.simulation import simulate
s = simulate(Scenario.from_file("data/scenarios/default.yaml").with_overrides({"horizon_s": 600})).summary
print(s["cost_usd"] > 0, s["monthly_cost_usd"] > 0, "pandas" in sys.modules)
"""


def test_summary_loads_no_pandas():
    out = subprocess.run([sys.executable, "-c", CODE], check=True, capture_output=True, text=True).stdout.split()
    assert out == ["True", "True", "False"]


def test_summary_totals_are_the_frames_sums():
    from lambdasim.scenario import Scenario
    from lambdasim.simulation import simulate

    base = Scenario.from_file("data/scenarios/default.yaml").with_overrides({"horizon_s": 900})
    for change in ({}, {"functions.0.provisioned_concurrency": 3}, {"functions.0.arch": "arm64"},
                   {"functions.0.ephemeral_storage_mb": 4096}):
        r = simulate(base.with_overrides(change))
        s = r.summary  # summed from the bill's rows
        assert len(r.cost) >= 2
        assert np.float64(s["cost_usd"]).tobytes() == np.float64(r.cost["amount_usd"].sum()).tobytes(), change
        assert s["monthly_cost_usd"] == float(r.monthly_cost["amount_usd"].sum()), change
