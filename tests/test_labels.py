"""The one vocabulary: every metric users see has a label, paths read as words, numbers as numbers."""
from __future__ import annotations

import math
import re

import pytest

import lambdasim
from lambdasim.comparison.replication import METRICS as COMPARISON_METRICS
from lambdasim.simulation import PLATFORMS
from lambdasim.labels import METRICS, fmt, fmt_metric, label, option_label, path_label
from support.scenarios import one_function

SCENARIOS = "data/scenarios"


def _summaries():
    sc = one_function(horizon_s=200.0, rate=2.0, pricing="aws-latest")
    for platform in PLATFORMS:
        yield simulate_keys(sc, platform)
    for name in ("dr_backup", "photo_pipeline"):  # event sources and an application graph
        app = lambdasim.Scenario.from_file(f"{SCENARIOS}/{name}.yaml").with_overrides({"horizon_s": 120.0})
        yield simulate_keys(app, "lambda")


def simulate_keys(sc, platform):
    return platform, set(lambdasim.simulate(sc, platform, records="summary").summary)


def test_every_summary_key_and_comparison_column_has_a_registered_label():
    missing = {(p, k) for p, keys in _summaries() for k in keys if k not in METRICS}
    missing |= {("compare", k) for k in COMPARISON_METRICS + ["cost_ratio"] if k not in METRICS}
    assert not missing


@pytest.mark.parametrize("path, expected", [
    ("functions.0.workload.rate_per_s", "request rate (req/s)"),
    ("functions.12.memory_mb", "memory (MB)"),
    ("lambda.keep_alive.idle_s", "keep-alive (s)"),
])
def test_known_paths_read_as_words_whatever_the_index(path, expected):
    assert path_label(path) == expected


def test_an_index_names_the_function_when_there_are_several():
    assert path_label("functions.1.memory_mb", ["api", "worker"]) == "memory of worker (MB)"


@pytest.mark.parametrize("path", ["functions.3.workload.burst.peak_rate_per_s", "ec2.scaling.scale_in_cooldown_s",
                                  "application.edges.2.batch_size", "brand_new_knob_ms"])
def test_unknown_paths_fall_back_to_words_never_a_dotted_path(path):
    text = path_label(path)
    assert "." not in text and "_" not in text and text
    assert not re.search(r"\b\d+\b", text)  # the index is dropped, not printed


def test_unknown_metric_keys_fall_back_to_words_with_units():
    assert label("warmup_time_s") == "warmup time (s)"
    assert label("latency_p99_s_ci95") == "p99 latency: 95 % CI half-width"


@pytest.mark.parametrize("value, kind, text", [
    (1234567, "count", "1,234,567"), (1000420.0, "count", "1,000,420"), (0.1234, "percent", "12.3 %"),
    (0.0, "percent", "0 %"), (1.142e-05, "usd", "$0.00001142"), (1234.5678, "usd", "$1,234.57"),
    (0.5, "usd", "$0.50"), (0.2, "usd", "$0.20"), (0.0, "usd", "$0.00"), (0.04166, "usd", "$0.04166"),
    (-0.2, "usd", "-$0.20"), (0.99999, "usd", "$1.00"), (4000.0, "number", "4,000"), (0.123456, "seconds", "0.1235"),
    (12.3456, "number", "12.35"), (2.0, "ratio", "2×"), (True, "number", "yes"),
])
def test_the_formatter_writes_each_kind_one_way(value, kind, text):
    assert fmt(value, kind) == text


@pytest.mark.parametrize("missing", [None, math.nan, math.inf])
def test_missing_values_say_na_and_why(missing):
    assert fmt(missing) == "n/a"
    assert fmt(missing, "usd", reason="nothing completed") == "n/a (nothing completed)"


def test_no_exponent_and_no_long_digit_runs_in_formatted_numbers():
    for x in (1e-9, 3.3e-7, 1.5e12, 123456789012.0):
        text = fmt(x)
        assert "e" not in text and not re.search(r"\d{5,}", text.replace(".", "").lstrip("0")), text


def test_metric_values_follow_their_kind():
    assert fmt_metric("cold_start_rate", 0.05) == "5 %"
    assert fmt_metric("cost_per_million_usd", 3.1234) == "$3.12"
    assert option_label("ec2", "slo") == "EC2, smallest fleet meeting the SLO"
    assert option_label("lambda", "on-demand") == "Lambda"
