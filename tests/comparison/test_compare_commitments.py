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
        (0.52, 0.66, 0.72)
    with pytest.raises(ValueError, match="platform/plan"):
        max_discount("lambda", cat, "instance")
    f = lambdasim.simulate(_sc(), platform="fargate")
    h = f.hourly_compute_usd()
    bill = f.cost[f.cost["charge"].isin(["compute", "instances"])]["amount_usd"].sum()
    assert h.sum() == pytest.approx(bill)
    table = best_commitments(_sc(), 1, platforms=("fargate",))
    assert table.iloc[0]["commitment_discount"] == 0.52 and table.iloc[0]["commitment_saving_fraction"] > 0


def test_the_ec2_fleet_takes_a_plan_term_and_payment_from_the_commitment_table():
    from lambdasim.billing.commitments import commitment_discount
    table = best_commitments(_sc(), 1, platforms=("ec2",), ec2_plan=("ri_standard", "1y", "partial_upfront"))
    d = commitment_discount(lambdasim.simulate(_sc(), platform="ec2").catalogue, "ri_standard", "1y", "partial_upfront")
    row = table.iloc[0]
    assert row["commitment_discount"] == d and row["commitment_saving_fraction"] == pytest.approx(d)  # a flat fleet


def test_compare_takes_each_platforms_row_of_the_chosen_term_and_payment():
    # a Compute Savings Plan, 3 years, partial upfront: Lambda 15 %, Fargate 50 % (bahr.dev's table of AWS's page,
    # 2020), EC2 the table's derived cell; a fixed EC2 fleet and a fixed Fargate service commit all of their usage
    from lambdasim.billing.commitments import commitment_discount
    cat = lambdasim.simulate(_sc(), records="summary").catalogue
    want = {p: commitment_discount(cat, "compute_sp", "3y", "partial_upfront", platform=p)
            for p in ("lambda", "ec2", "fargate")}
    assert (want["lambda"], want["fargate"]) == (0.15, 0.50)
    df = compare(_sc(), replications=1, strategies=("configured",), platforms=("lambda", "ec2", "fargate"),
                 commitments=("3y", "partial_upfront"))
    got = df.set_index("platform")
    assert {p: got.loc[p, "commitment_discount"] for p in want} == want
    assert 0 < got.loc["lambda", "commitment_saving_fraction"] < 0.15  # requests are not covered
    for p in ("ec2", "fargate"):
        assert got.loc[p, "commitment_saving_fraction"] == pytest.approx(want[p]), p


def test_cli_compare_commitment_term_and_payment(tmp_path, capsys):
    import json
    import yaml
    from lambdasim.cli import main
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(_sc().to_dict()))
    assert main(["compare", str(f), "--replications", "1", "--strategies", "configured", "--json",
                 "--commitment-term", "1y", "--commitment-payment", "all_upfront"]) == 0
    rows = {r["platform"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert rows["lambda"]["commitment_discount"] == 0.17  # Lambda 1-yr all upfront
    from lambdasim.billing.commitments import commitment_discount
    cat = lambdasim.simulate(_sc(), platform="ec2", records="summary").catalogue
    assert rows["ec2"]["commitment_discount"] == commitment_discount(cat, "compute_sp", "1y", "all_upfront")
