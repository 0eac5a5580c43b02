"""Commitments: the published discount on a flat load, waste above usage, and the optimum against brute force."""
import numpy as np
import pytest

from lambdasim.billing.catalogue import load_catalogue
from lambdasim.billing.commitments import best_commitment, commitment_cost, max_discount

LATEST = load_catalogue("aws-latest")


def test_flat_load_with_commitment_equal_to_usage_gets_the_published_discount():
    d = max_discount("lambda", LATEST)  # Compute Savings Plans: up to 17 % off Lambda duration and PC
    assert d == 0.17
    u = np.full(720, 2.0)  # $2 an hour on demand, all month
    c = commitment_cost(u, 2.0 * (1 - d), d)
    assert c.total_usd == pytest.approx(720 * 2.0 * (1 - d)) and c.wasted_usd == pytest.approx(0)
    assert c.saving_fraction == pytest.approx(d)
    assert best_commitment(u, d).hourly_usd == pytest.approx(2.0 * (1 - d))
    ec2 = max_discount("ec2", LATEST)
    assert best_commitment(u, ec2).saving_fraction == pytest.approx(ec2)


def test_commitment_above_usage_wastes_exactly_the_excess():
    d, u = 0.3, np.full(100, 1.0)
    fit = 1.0 * (1 - d)
    for extra in (0.1, 0.5, 2.0):
        c = commitment_cost(u, fit + extra, d)
        assert c.wasted_usd == pytest.approx(extra * 100)
        assert c.total_usd - commitment_cost(u, fit, d).total_usd == pytest.approx(extra * 100)


def test_best_commitment_matches_brute_force_and_the_quantile_rule():
    rng = np.random.default_rng(3)
    u = rng.gamma(2.0, 5.0, 500)
    for d in (0.17, 0.4, 0.72):
        best = best_commitment(u, d)
        grid = np.linspace(0, u.max() * (1 - d), 4001)
        brute = min(commitment_cost(u, c, d).total_usd for c in grid)
        assert best.total_usd <= brute + 1e-9
        # covered level at the d-quantile of the hourly usage
        covered = best.hourly_usd / (1 - d)
        assert np.mean(u < covered) <= d + 1 / len(u) and np.mean(u > covered) <= 1 - d + 1 / len(u)


def test_spiky_load_commits_to_the_base_only():
    u = np.array([1.0] * 90 + [10.0] * 10)
    best = best_commitment(u, 0.17)
    assert best.hourly_usd == pytest.approx(0.83) and best.saving_usd > 0


def test_bad_inputs():
    with pytest.raises(ValueError, match="discount must be in"):
        best_commitment([1.0], 1.0)
    with pytest.raises(ValueError, match="hourly_usd"):
        best_commitment([], 0.1)
    with pytest.raises(ValueError, match="platform/plan"):
        max_discount("fargate", LATEST, "instance")


def test_commitment_table_by_plan_term_and_payment():
    from lambdasim.billing.commitments import PAYMENTS, PLANS, TERMS, commitment_discount
    # the t2.nano example's effective hourly rates against its $0.0058 on-demand (data/pricing/commitments.yaml)
    assert commitment_discount(LATEST, "ri_standard", "3y", "all_upfront") == pytest.approx(1 - 0.002169 / 0.0058, abs=1e-6)
    assert commitment_discount(LATEST, "compute_sp", "1y") == pytest.approx(1 - 0.122 / 0.192, abs=1e-6)
    for plan in PLANS:
        for term in TERMS:  # more upfront, more off; within the published maximum of the plan
            row = [commitment_discount(LATEST, plan, term, p) for p in PAYMENTS]
            top = max_discount("ec2", LATEST, "compute" if plan == "compute_sp" else "instance")
            assert row == sorted(row) and row[-1] <= top, (plan, term)
        assert commitment_discount(LATEST, plan, "3y") > commitment_discount(LATEST, plan, "1y")
    for term in TERMS:  # the flexible plan never beats the family-bound one at the same term and payment
        for pay in PAYMENTS:
            assert commitment_discount(LATEST, "compute_sp", term, pay) < commitment_discount(LATEST, "ec2_instance_sp", term, pay)
    # every cell on a flat m5.large fleet: the best commitment is the whole usage and saves exactly that discount
    for plan in PLANS:
        for term in TERMS:
            for pay in PAYMENTS:
                d = commitment_discount(LATEST, plan, term, pay)
                best = best_commitment(np.full(720, 0.096), d)
                assert best.hourly_usd == pytest.approx(0.096 * (1 - d)) and best.wasted_usd == pytest.approx(0)
                assert best.saving_fraction == pytest.approx(d), (plan, term, pay)


# AWS price-list rows (2024-07-01) for c5.xlarge Windows in ap-northeast-1, USD/h, no / partial / all upfront, and the
# Windows licence the Savings Plans leave undiscounted (the Dedicated Host row): the source of the derived cells.
PRICE_LIST = {("ec2_instance_sp", "1y"): (0.319, 0.312, 0.310), ("ec2_instance_sp", "3y"): (0.276, 0.270, 0.264),
              ("compute_sp", "1y"): (0.361, 0.352, 0.349), ("compute_sp", "3y"): (0.310, 0.301, 0.299)}
LICENCE = 0.184
# xplorr.io (early 2026), m5.xlarge us-east-1: $0.192 on demand; no-upfront rates of the four plan/term pairs
NO_UPFRONT = {("ec2_instance_sp", "1y"): 0.12, ("ec2_instance_sp", "3y"): 0.081,
              ("compute_sp", "1y"): 0.122, ("compute_sp", "3y"): 0.084}


def test_savings_plan_upfront_cells_follow_the_price_list_payment_ratios():
    from lambdasim.billing.commitments import commitment_discount
    for (plan, term), rates in PRICE_LIST.items():
        linux = [r - LICENCE for r in rates]
        for pay, rate in zip(("partial_upfront", "all_upfront"), linux[1:]):
            expected = 1 - NO_UPFRONT[(plan, term)] / 0.192 * rate / linux[0]
            assert commitment_discount(LATEST, plan, term, pay) == pytest.approx(expected, abs=1e-6), (plan, term, pay)
            assert LATEST.entries[f"commitment.{plan}.{term}.{pay}"]["confidence"] == "low"
    # the rule's premise: payment ratios barely depend on the instance. The price list's EC2 Instance SP ratios
    # against the Standard RI ratios of the t2.nano record (effective rates 0.0036 / 0.003412 / 0.003311 for 1 yr,
    # 0.0025 / 0.002342 / 0.002169 for 3 yr)
    ri = {"1y": (0.0036, 0.003412, 0.003311), "3y": (0.0025, 0.002342, 0.002169)}
    for term, rates in ri.items():
        linux = [r - LICENCE for r in PRICE_LIST[("ec2_instance_sp", term)]]
        for k in (1, 2):
            assert linux[k] / linux[0] == pytest.approx(rates[k] / rates[0], abs=0.015), (term, k)


def test_commitment_cells_before_their_date_and_bad_axes_are_refused():
    from lambdasim.billing.commitments import commitment_discount
    from lambdasim.errors import CatalogueError
    with pytest.raises(CatalogueError, match=r"commitment.compute_sp.1y.no_upfront.*on 2015-.*from 2019-11-06"):
        commitment_discount(load_catalogue("aws-2015"), "compute_sp", "1y")
    with pytest.raises(ValueError, match="term must be one of 1y, 3y. Got '2y'"):
        commitment_discount(LATEST, "ri_standard", "2y")
    with pytest.raises(ValueError, match="payment must be one of no_upfront, partial_upfront, all_upfront"):
        commitment_discount(LATEST, "ri_standard", "1y", "half_upfront")


# AWS Savings Plans pricing page, us-east-1, as tabulated on 2020-06-28 by https://bahr.dev/2020/06/30/savings-plans/:
# Compute Savings Plans off Lambda and Fargate on-demand, no / partial / all upfront.
BAHR = {("lambda", "1y"): (0.12, 0.15, 0.17), ("lambda", "3y"): (0.12, 0.15, 0.17),
        ("fargate", "1y"): (0.20, 0.25, 0.27), ("fargate", "3y"): (0.45, 0.50, 0.52)}


def test_lambda_and_fargate_compute_savings_plan_rows_by_term_and_payment():
    from lambdasim.billing.commitments import PAYMENTS, commitment_discount
    for (platform, term), published in BAHR.items():
        row = tuple(commitment_discount(LATEST, "compute_sp", term, p, platform=platform) for p in PAYMENTS)
        assert row == published, (platform, term)
        # a flat load committed in full saves exactly the row's discount; twice that commitment wastes the excess
        for d in row:
            u = np.full(720, 1.5)
            best = best_commitment(u, d)
            assert best.saving_fraction == pytest.approx(d) and best.wasted_usd == pytest.approx(0)
            assert commitment_cost(u, 2 * best.hourly_usd, d).wasted_usd == pytest.approx(720 * best.hourly_usd)
    # the largest published discount of each platform is its best row (Lambda "up to 17 %", Fargate "up to 52 %")
    for platform in ("lambda", "fargate"):
        assert max_discount(platform, LATEST) == max(max(v) for (p, _), v in BAHR.items() if p == platform)
    # Lambda and Fargate are covered by Compute Savings Plans only; before they joined them, no row
    with pytest.raises(ValueError, match="plan must be one of compute_sp on lambda. Got 'ri_standard'"):
        commitment_discount(LATEST, "ri_standard", "1y", platform="lambda")
    with pytest.raises(ValueError, match="platform must be one of ec2, lambda, fargate. Got 'lmi'"):
        commitment_discount(LATEST, "compute_sp", "1y", platform="lmi")
    from lambdasim.errors import CatalogueError
    import datetime as dt
    with pytest.raises(CatalogueError, match=r"commitment.lambda.compute_sp.1y.no_upfront.*from 2020-02-01"):
        commitment_discount(load_catalogue(dt.date(2019, 12, 1)), "compute_sp", "1y", platform="lambda")


def test_fargate_payment_ratios_cross_check_the_ec2_savings_plan_rule():
    # The EC2 Savings Plans' partial- and all-upfront cells are derived (confidence low) from the payment ratios
    # (1 - d_option) / (1 - d_no_upfront) of one price-list instance; the only per-option Compute Savings Plan figures
    # published for us-east-1 that were found, Fargate's (bahr.dev, 2020), give ratios within 0.04 of those.
    for term in ("1y", "3y"):
        no, part, full = BAHR[("fargate", term)]
        linux = [r - LICENCE for r in PRICE_LIST[("compute_sp", term)]]
        assert (1 - part) / (1 - no) == pytest.approx(linux[1] / linux[0], abs=0.04), term
        assert (1 - full) / (1 - no) == pytest.approx(linux[2] / linux[0], abs=0.04), term
