"""`lambdasim bill`: the calculator reproduces AWS's published examples; bad input exits 2 with one line."""
import json

import pytest

from lambdasim.cli import main


def bill(capsys, *argv):
    code = main(["bill", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def bill_json(capsys, *argv):
    code, out, err = bill(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_2015_example_512mb_3m_1s(capsys):
    # AWS Lambda pricing page of the 100 ms era, Example 1: $18.74 a month with the free tier
    j = bill_json(capsys, "lambda", "--memory-mb", "512", "--requests", "3000000", "--duration-ms", "1000",
                  "--as-of", "2015-06-01")
    assert (round(j["requests_usd"], 2), round(j["compute_usd"], 2), round(j["total_usd"], 2)) == (0.40, 18.34, 18.74)
    assert j["provisioned_usd"] == 0 and j["as_of"] == "2015-06-01" and j["period"] == "month"
    assert {i["item"] for i in j["line_items"]} >= {"requests", "requests free tier", "duration x86_64"}


def test_pc_example_1024mb_pc1000_2h(capsys):
    # Provisioned Concurrency example of the pricing page (2019-2020): $30.00 + $11.67 + $0.24 = $41.91
    j = bill_json(capsys, "lambda", "--memory-mb", "1024", "--provisioned-concurrency", "1000",
                  "--provisioned-hours", "2", "--requests", "1200000", "--duration-ms", "1000")
    assert (round(j["provisioned_usd"], 2), round(j["compute_usd"], 2), round(j["requests_usd"], 2)) == (30.00, 11.67, 0.24)
    assert round(j["total_usd"], 2) == 41.91


def test_current_examples_and_free_tier_switch(capsys):
    # current pricing page: mobile backend $2.73 (free tier); streaming telemetry $249.49 (no free tier)
    j = bill_json(capsys, "lambda", "--memory-mb", "1536", "--requests", "3000000", "--duration-ms", "120")
    assert round(j["total_usd"], 2) == 2.73
    j = bill_json(capsys, "lambda", "--memory-mb", "1024", "--requests", "7440000", "--duration-ms", "2000",
                  "--no-free-tier")
    assert round(j["total_usd"], 2) == 249.49 and j["free_tier"] is False


def test_arm_and_preset(capsys):
    x86 = bill_json(capsys, "lambda", "--memory-mb", "1024", "--requests", "1e7", "--duration-ms", "100",
                    "--no-free-tier", "--preset", "aws-2024")
    arm = bill_json(capsys, "lambda", "--memory-mb", "1024", "--requests", "1e7", "--duration-ms", "100",
                    "--no-free-tier", "--preset", "aws-2024", "--arch", "arm64")
    assert arm["compute_usd"] == pytest.approx(0.8 * x86["compute_usd"], rel=1e-4)
    assert arm["requests_usd"] == x86["requests_usd"]


def test_ec2_m5_large_two_for_a_month(capsys):
    j = bill_json(capsys, "ec2", "--instance-type", "m5.large", "--instances", "2", "--hours", "720")
    assert j["compute_usd"] == 0 and j["instances_usd"] == pytest.approx(2 * 720 * 0.096)
    assert j["total_usd"] == pytest.approx(138.24) and j["requests_usd"] == j["provisioned_usd"] == 0
    j = bill_json(capsys, "ec2", "--instance-type", "m3.medium", "--hours", "1.01", "--as-of", "2016-06-01")
    assert j["total_usd"] == pytest.approx(2 * 0.067)  # hourly billing: 61 min bills 2 h
    j = bill_json(capsys, "ec2", "--instance-type", "m5.large", "--hours", "10", "--purchase", "reserved",
                  "--discount", "0.4", "--alb-lcu", "1")
    assert j["total_usd"] == pytest.approx(10 * 0.096 * 0.6 + 10 * (0.0225 + 0.008))


def test_text_output_says_month_and_rules(capsys):
    code, out, _ = bill(capsys, "lambda", "--memory-mb", "128", "--requests", "30000000", "--duration-ms", "200",
                        "--preset", "aws-2015")
    assert code == 0 and "one month" in out and "2015-06-01" in out and "11.63 USD" in out


@pytest.mark.parametrize("argv, message", [
    (["ec2", "--instance-type", "z9.mega"], "Unknown EC2 instance type 'z9.mega'"),
    (["ec2", "--instance-type", "m5.large", "--as-of", "2015-06-01"], "no on-demand price on 2015-06-01"),
    (["lambda", "--memory-mb", "512", "--requests", "1", "--duration-ms", "1", "--as-of", "2014-01-01"],
     "before AWS Lambda existed"),
    (["lambda", "--memory-mb", "512", "--requests", "1", "--duration-ms", "1", "--as-of", "2015-06-01",
      "--arch", "arm64"], "arm64.*2021-09-29"),
    (["lambda", "--memory-mb", "64", "--requests", "1", "--duration-ms", "1"], "--memory-mb must be in"),
    (["lambda", "--memory-mb", "512", "--requests", "1", "--duration-ms", "1", "--as-of", "2015-06"], "YYYY-MM-DD"),
    (["ec2", "--instance-type", "m5.large", "--purchase", "spot"], r"--discount must be in \(0, 0.9\].*got 0.0"),
    (["ec2", "--instance-type", "m5.large", "--discount", "0.2"], "--discount applies to spot or reserved"),
    (["lambda", "--memory-mb", "512", "--requests", "1", "--duration-ms", "1", "--savings-plan", "0.5"],
     r"--savings-plan must be in \[0, 0.17\].*got 0.5"),
    (["lambda", "--memory-mb", "512", "--requests", "1", "--duration-ms", "1", "--savings-plan", "1.5"],
     r"--savings-plan must be in \[0, 1\].*Got 1.5"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, message):
    import re

    code, out, err = bill(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("lambdasim bill: error:") and len(err.strip().splitlines()) == 1
    assert re.search(message, err), err
