"""compare(..., platforms=...) adds Fargate and LMI rows on the same replications."""
import numpy as np
import pytest

import lambdasim


def test_compare_lists_the_further_platforms():
    fn = {"name": "f", "duration": {"dist": "exponential", "mean_s": 0.5}, "workload": {"kind": "poisson", "rate_per_s": 5}}
    sc = lambdasim.Scenario.from_dict({"name": "t", "horizon_s": 1800.0, "functions": [fn], "pricing": "aws-latest",
                                       "lmi": {"min_instances": 1, "max_instances": 1}})
    df = lambdasim.compare(sc, replications=2, strategies=("configured",), platforms=("fargate", "lmi"))
    assert list(df["platform"]) == ["lambda", "ec2", "fargate", "lmi"]
    costs = [lambdasim.simulate(sc, "lmi", seed=sc.seed + r).summary["cost_usd"] for r in range(2)]
    assert df.loc[df["platform"] == "lmi", "cost_usd"].iloc[0] == pytest.approx(np.mean(costs), rel=1e-12)
