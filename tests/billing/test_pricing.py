"""Price catalogues: dated entries with sources, presets, overrides and clear errors."""
import csv
import datetime as dt
from pathlib import Path

import pytest

import lambdasim
from lambdasim.errors import CatalogueError, ScenarioError
from lambdasim.billing.catalogue import instance_spec, instance_types, load_catalogue, parse_catalogue, presets
from lambdasim.billing.spec import PricingSpec

DATA = Path(__file__).resolve().parents[2] / "data" / "pricing"


def test_presets_pick_the_eras():
    old, y24, latest = (load_catalogue(p) for p in ("aws-2015", "aws-2024", "aws-latest"))
    assert presets()["aws-2015"] == dt.date(2015, 6, 1)
    assert old["lambda.billing_granularity_ms"] == 100 and y24["lambda.billing_granularity_ms"] == 1
    assert "lambda.duration_arm_gb_s_usd" not in old and "lambda.pc_gb_s_usd" not in old
    assert "lambda.tier1_gb_s" in y24 and "lambda.duration_arm_gb_s_usd" in y24
    assert (old["lambda.init_billed_zip_managed"], y24["lambda.init_billed_zip_managed"],
            latest["lambda.init_billed_zip_managed"]) == (0, 0, 1)
    assert old["ec2.billing_granularity_s"] == 3600 and latest["ec2.billing_granularity_s"] == 1
    assert instance_types(old) == ["m3.large", "m3.medium"]


@pytest.mark.parametrize("day, key, value", [
    ((2015, 12, 31), "ec2.m3.medium.hour_usd", 0.070), ((2016, 1, 1), "ec2.m3.medium.hour_usd", 0.067),
    ((2017, 10, 1), "ec2.minimum_billed_s", 3600), ((2017, 10, 2), "ec2.minimum_billed_s", 60),
    ((2021, 9, 29), "lambda.duration_arm_gb_s_usd", 0.0000133334), ((2022, 3, 24), "lambda.ephemeral_gb_s_usd", 3.09e-8),
    ((2025, 7, 31), "lambda.init_billed_zip_managed", 0), ((2025, 8, 1), "lambda.init_billed_zip_managed", 1),
    ((2020, 11, 30), "lambda.duration_gb_s_usd", 0.00001667), ((2020, 12, 1), "lambda.duration_gb_s_usd", 0.0000166667)])
def test_entries_switch_on_their_dates(day, key, value):
    assert load_catalogue(dt.date(*day))[key] == value


def test_the_day_before_a_feature_lacks_it():
    assert "lambda.duration_arm_gb_s_usd" not in load_catalogue(dt.date(2021, 9, 28))
    assert "lambda.ephemeral_gb_s_usd" not in load_catalogue(dt.date(2022, 3, 23))
    assert "lambda.pc_gb_s_usd" not in load_catalogue(dt.date(2019, 12, 2))


def test_every_entry_has_unit_source_and_dates():
    raw = lambdasim.billing.catalogue._raw()["prices"]
    assert len(raw) > 40
    for key, item in raw.items():
        assert item["unit"], key
        for h in item["history"]:
            assert h["source"].strip() and h["from"] >= dt.date(2014, 1, 1), key
            assert h["confidence"] in ("high", "medium", "low"), key


# The catalogue must agree with the compiled facts shipped beside it (a copy of ../shared's CSV).
CSV_KEYS = {
    "lambda_request_price": "lambda.request_per_million_usd", "lambda_duration_price_x86": "lambda.duration_gb_s_usd",
    "lambda_billing_granularity": "lambda.billing_granularity_ms", "lambda_free_tier_requests": "lambda.free_tier_requests",
    "lambda_free_tier_compute": "lambda.free_tier_gb_s", "lambda_duration_price_arm64": "lambda.duration_arm_gb_s_usd",
    "lambda_tier_x86_6B_to_15B": "lambda.duration_tier2_gb_s_usd", "lambda_tier_x86_over_15B": "lambda.duration_tier3_gb_s_usd",
    "lambda_tier_arm_7.5B_to_18.75B": "lambda.duration_arm_tier2_gb_s_usd",
    "lambda_tier_arm_over_18.75B": "lambda.duration_arm_tier3_gb_s_usd", "lambda_pc_provisioned_x86": "lambda.pc_gb_s_usd",
    "lambda_pc_duration_x86": "lambda.pc_duration_gb_s_usd", "lambda_ephemeral_storage": "lambda.ephemeral_gb_s_usd",
    "lambda_init_phase_billed_zip_managed": "lambda.init_billed_zip_managed",
    "lambda_compute_savings_plan_max_discount": "lambda.savings_plan_max_discount",
    "ec2_spot_max_discount": "ec2.spot_max_discount", "ec2_savings_plan_ri_max_discount": "ec2.reserved_max_discount",
    "alb_hour": "alb.hour_usd", "alb_lcu_hour": "alb.lcu_hour_usd",
}


def _facts():
    with open(DATA / "pricing_facts.csv") as fh:
        yield from csv.DictReader(line for line in fh if not line.startswith("#"))


def _day(text, fallback):
    """A date inside the fact's period ("2018-08" means some day of that month: take the 28th)."""
    if len(text) == 7:
        text += "-28"
    try:
        return max(dt.date.fromisoformat(text), dt.date(2014, 11, 13))
    except ValueError:
        return fallback


def test_catalogue_agrees_with_the_compiled_facts():
    checked = 0
    for row in _facts():
        item = row["item"]
        key = CSV_KEYS.get(item) or (f"ec2.{item[7:]}.hour_usd" if item.startswith("ec2_od_") else None)
        if key is None:
            continue
        if row["effective_to"] and row["effective_to"] < "2014-11-13":
            continue  # before Lambda: kept as history, never resolved
        day = _day(row["effective_from"], dt.date(2026, 1, 1))
        if row["effective_from"].startswith("c.2016"):
            day = dt.date(2016, 6, 1)
        if key == "lambda.duration_gb_s_usd":
            day = dt.date(2024, 1, 1)  # before 2020-12 the catalogue keeps the page's published 0.00001667
        assert load_catalogue(day)[key] == pytest.approx(float(row["value"]), rel=1e-12), (item, day)
        checked += 1
    assert checked >= 30


def test_instance_specs_are_catalogue_data():
    s = instance_spec("m5.large", load_catalogue("aws-latest"))
    assert (s.vcpu, s.memory_gib, s.hour_usd) == (2, 8, 0.096)
    with pytest.raises(CatalogueError, match="Unknown EC2 instance type 'm9.huge'.*m5.large"):
        instance_spec("m9.huge", load_catalogue("aws-latest"))
    with pytest.raises(CatalogueError, match="'c7g.large' has no on-demand price on 2015-06-01.*2022-05-23"):
        instance_spec("c7g.large", load_catalogue("aws-2015"))


def test_missing_price_names_key_and_dates():
    with pytest.raises(CatalogueError, match=r"no 'lambda.pc_gb_s_usd' .* on 2015-06-01; it is in force from 2019-12-03"):
        load_catalogue("aws-2015")["lambda.pc_gb_s_usd"]


def test_overrides_are_used_and_recorded():
    cat = load_catalogue(PricingSpec(as_of=dt.date(2026, 1, 1), overrides={"lambda.request_per_million_usd": 0.25}))
    assert cat["lambda.request_per_million_usd"] == 0.25
    row = cat.table().set_index("key").loc["lambda.request_per_million_usd"]
    assert bool(row["overridden"]) and row["source"] == "scenario override"
    with pytest.raises(Exception, match="not a catalogue key"):
        PricingSpec(preset="aws-latest", overrides={"lambda.no_such_price": 1.0})


def _sc(pricing, **fn):
    return {"horizon_s": 100, "pricing": pricing,
            "functions": [{"name": "api", "duration": {"dist": "constant", "value_s": 0.1},
                           "workload": {"kind": "poisson", "rate_per_s": 1}, **fn}]}


def test_scenario_pricing_forms_and_the_catalogue_in_the_result():
    sc = lambdasim.Scenario.from_dict(_sc({"as_of": "2015-06-01", "overrides": {"lambda.duration_gb_s_usd": 0.00002}}))
    r = lambdasim.simulate(sc)
    table = r.catalogue.table()
    assert table.attrs["as_of"] == "2015-06-01"
    assert table.set_index("key").loc["lambda.duration_gb_s_usd", "value"] == 0.00002
    rate = r.cost.set_index("item").loc["duration x86_64", "rate_usd"]
    assert rate == 0.00002
    assert lambdasim.Scenario.from_dict(_sc("aws-2015")).pricing.date == dt.date(2015, 6, 1)


@pytest.mark.parametrize("pricing, fn, message", [
    ({"as_of": "2014-06-01"}, {}, "before AWS Lambda existed"),
    ("aws-1999", {}, "must name a preset among aws-2015"),
    ({"preset": "aws-latest", "savings_plan": 0.5}, {}, "at most 0.17"),
    ({"preset": "aws-2015", "savings_plan": 0.1}, {}, "lambda.savings_plan_max_discount"),
    ({"preset": "aws-latest", "ec2_purchase": "spot"}, {}, r"ec2_discount must be in \(0, 0.9\]"),
    ({"preset": "aws-latest", "ec2_discount": 0.3}, {}, "on_demand"),
    ("aws-2015", {"arch": "arm64"}, "function 'api' uses arm64.*2021-09-29"),
    ("aws-2015", {"ephemeral_storage_mb": 2048}, "ephemeral_storage_mb above 512.*2022-03-24"),
    ("aws-latest", {"ephemeral_storage_mb": 100}, r"ephemeral_storage_mb' field of Scenario must be an int in the range \[512"),
    ("aws-latest", {"runtime": "java"}, "runtime"),
])
def test_bad_pricing_gets_one_clear_error(pricing, fn, message):
    with pytest.raises(ScenarioError, match=message):
        lambdasim.Scenario.from_dict(_sc(pricing, **fn))


@pytest.mark.parametrize("doc, message", [
    ({"prices": {"k": {"unit": "u", "history": [{"from": "2015-01-01", "value": "6e9", "source": "s"}]}}},
     "prices.k.history.0.value must be a number"),
    ({"prices": {"k": {"unit": "u", "history": [{"from": "2015-01-01", "value": 1}]}}}, "must have from, value and source"),
    ({"prices": {"k": {"unit": "u", "history": [{"from": "2015-01-01", "to": "2016-01-01", "value": 1, "source": "s"},
                                                {"from": "2015-06-01", "value": 2, "source": "s"}]}}}, "without overlap"),
    ({"prices": {"k": {"unit": "u", "history": [{"from": "2015-13-01", "value": 1, "source": "s"}]}}},
     "from must be a date"),
    ({"price": {}}, "unknown section"),
    ({"instances": {"x.large": {"vcpu": 2}}}, "instances.x.large is missing"),
    ({"prices": {"k": {"unit": "u", "history": [{"from": "2015-01-01", "value": True, "source": "s"}]}}}, "number"),
    # every value within its key's domain, every source named, every confidence one of three words
    ({"prices": {"k": {"unit": "USD", "history": [{"from": "2015-01-01", "value": -0.2, "source": "s"}]}}},
     r"prices.k.history.0.value must be a finite number >= 0 \(USD\); got -0.2"),
    ({"prices": {"k": {"unit": "USD", "history": [{"from": "2015-01-01", "value": float("nan"), "source": "s"}]}}},
     "value must be a finite number >= 0"),
    ({"prices": {"d": {"unit": "fraction off on-demand", "history": [{"from": "2015-01-01", "value": 1.2,
                                                                      "source": "s"}]}}},
     r"prices.d.history.0.value must be a fraction in \[0, 1\] \(fraction off on-demand\); got 1.2"),
    ({"prices": {"f": {"unit": "flag", "history": [{"from": "2015-01-01", "value": 2, "source": "s"}]}}}, "must be 0 or 1"),
    ({"prices": {"ec2.x.vcpu": {"unit": "vCPU", "history": [{"from": "2015-01-01", "value": 0, "source": "s"}]}}},
     "must be a finite number > 0"),
    ({"prices": {"k": {"unit": "u", "history": [{"from": "2015-01-01", "value": 1, "source": "  "}]}}},
     "prices.k.history.0.source must name where the value comes from"),
    ({"prices": {"k": {"unit": "u", "history": [{"from": "2015-01-01", "value": 1, "source": "s",
                                                "confidence": "probable"}]}}},
     "prices.k.history.0.confidence must be one of high, medium, low; got 'probable'"),
    ({"instances": {"x.large": {"vcpu": 2, "memory_gib": 4, "available_from": "2015-01-01", "spec_source": "s",
                                "hour_usd": [{"from": "2015-01-01", "value": -1, "source": "s"}]}}},
     "instances.x.large.hour_usd.history.0.value must be a finite number >= 0"),
])
def test_malformed_catalogue_names_file_and_key(doc, message):
    with pytest.raises(CatalogueError, match=message) as err:
        parse_catalogue(doc, "bad.yaml")
    assert str(err.value).startswith("bad.yaml")


def test_shipped_catalogue_files_parse_and_have_provenance():
    import yaml

    for path in DATA.glob("*.yaml"):
        parse_catalogue(yaml.safe_load(path.read_text()), path.name)
    text = (DATA / "PROVENANCE.md").read_text()
    assert "pricing_facts.csv" in text and "licen" in text.lower()
