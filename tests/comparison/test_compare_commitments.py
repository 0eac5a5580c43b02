"""Hourly compute usage of a run and the best commitment per platform (compare's commitments option)."""
import numpy as np
import pytest

import lambdasim
from lambdasim.billing.commitments import best_commitment
from lambdasim.comparison.commitments import best_commitments
from lambdasim.comparison.compare import compare
from support.scenarios import one_function


def _sc():
    return one_function(horizon_s=7200, rate=3.0, duration={"dist": "exponential", "mean_s": 0.3}, memory_mb=512)


def test_hourly_compute_usage_adds_up_to_the_bill_lines_it_covers():
    sc = _sc().with_overrides({"functions.0.provisioned_concurrency": [[0, 2], [3600, 1]]})
    r = lambdasim.simulate(sc)
    h = r.hourly_compute_usd()
    assert len(h) == 2 and (h > 0).all()
    covered = r.cost[r.cost["charge"].isin(["compute", "provisioned"])]["amount_usd"].sum()
    assert h.sum() == pytest.approx(covered, rel=1e-12)  # PC periods are whole 5-minute multiples here
    e = lambdasim.simulate(sc, platform="ec2")
    assert e.hourly_compute_usd().sum() == pytest.approx(e.cost[e.cost["charge"] == "instances"]["amount_usd"].sum())


def test_a_flat_fleet_commits_all_of_it_and_saves_the_full_discount():
    e = lambdasim.simulate(_sc(), platform="ec2")
    best = best_commitment(e.hourly_compute_usd(), 0.4)
    assert best.hourly_usd == pytest.approx(0.096 * 0.6) and best.saving_fraction == pytest.approx(0.4)


def test_compare_applies_the_best_commitment_to_each_platform():
    df = compare(_sc(), replications=1, strategies=("configured",), commitments=True)
    table = best_commitments(_sc(), 1)
    lam, ec2 = df.iloc[0], df.iloc[1]
    assert lam["commitment_discount"] == 0.17 and ec2["commitment_discount"] == 0.72
    # Lambda's requests are not covered: the saving is below the discount; a fixed fleet saves all of it
    assert 0 < lam["commitment_saving_fraction"] < 0.17 and ec2["commitment_saving_fraction"] == pytest.approx(0.72)
    assert lam["cost_with_commitment_usd"] == pytest.approx(table.iloc[0]["cost_with_commitment_usd"])
    assert np.isclose(lam["cost_per_million_committed_usd"],
                      lam["cost_per_million_usd"] * (1 - lam["commitment_saving_fraction"]))
    assert "commitments" in df.attrs and "commitment_usd_per_h" not in compare(_sc(), 1, strategies=("configured",))


def test_cli_compare_commitments_prints_the_committed_rows(tmp_path, capsys):
    import yaml
    from lambdasim.cli import main
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(_sc().to_dict()))
    assert main(["compare", str(f), "--replications", "1", "--strategies", "configured", "--commitments"]) == 0
    out = capsys.readouterr().out
    assert "commitment ($/h)" in out and "cost per million requests, committed ($)" in out


def test_fargate_commitments_and_plans():
    from lambdasim.billing.commitments import max_discount
    cat = lambdasim.simulate(_sc(), records="summary").catalogue
    assert (max_discount("fargate", cat), max_discount("ec2", cat, "compute"), max_discount("ec2", cat)) == \
        (0.50, 0.66, 0.72)
    with pytest.raises(ValueError, match="platform/plan"):
        max_discount("lambda", cat, "instance")
    f = lambdasim.simulate(_sc(), platform="fargate")
    h = f.hourly_compute_usd()
    bill = f.cost[f.cost["charge"].isin(["compute", "instances"])]["amount_usd"].sum()
    assert h.sum() == pytest.approx(bill)
    table = best_commitments(_sc(), 1, platforms=("fargate",))
    assert table.iloc[0]["commitment_discount"] == 0.50 and table.iloc[0]["commitment_saving_fraction"] > 0


def test_the_ec2_fleet_takes_a_plan_term_and_payment_from_the_commitment_table():
    from lambdasim.billing.commitments import commitment_discount
    table = best_commitments(_sc(), 1, platforms=("ec2",), ec2_plan=("ri_standard", "1y", "partial_upfront"))
    d = commitment_discount(lambdasim.simulate(_sc(), platform="ec2").catalogue, "ri_standard", "1y", "partial_upfront")
    row = table.iloc[0]
    assert row["commitment_discount"] == d and row["commitment_saving_fraction"] == pytest.approx(d)  # a flat fleet
