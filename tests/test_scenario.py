"""Scenario files: loading, freezing, overrides and one clear message per bad input."""
import textwrap

import pytest

import lambdasim
from lambdasim import Scenario, ScenarioError

PINNED = textwrap.dedent("""
    name: s1
    horizon_s: 100000
    seed: 7
    functions:
      - name: api
        memory_mb: 128
        duration: {dist: exponential, mean_s: 2.0}
        init: {dist: constant, value_s: 0.5}      # cold-start initialisation time
        workload: {kind: poisson, rate_per_s: 10}
    lambda:
      keep_alive: {policy: fixed, idle_s: 600}
      instance_selection: mru                   # mru | lru | random
      account_concurrency: 1000
      reserved_concurrency: null                 # per-function override allowed
    pricing: aws-2024                            # a named price catalogue; aws-2015 bills 100 ms units
""")

TOML = textwrap.dedent("""
    name = "s1"
    horizon_s = 100000
    seed = 7
    pricing = "aws-2024"
    [[functions]]
    name = "api"
    memory_mb = 128
    duration = {dist = "exponential", mean_s = 2.0}
    init = {dist = "constant", value_s = 0.5}
    workload = {kind = "poisson", rate_per_s = 10}
    [lambda]
    keep_alive = {policy = "fixed", idle_s = 600}
    instance_selection = "mru"
    account_concurrency = 1000
""")


@pytest.fixture
def pinned(tmp_path):
    p = tmp_path / "s1.yaml"
    p.write_text(PINNED)
    return p


def test_pinned_yaml_and_equivalent_toml_load_to_the_same_scenario(pinned, tmp_path):
    t = tmp_path / "s1.toml"
    t.write_text(TOML)
    a, b = Scenario.from_file(pinned), Scenario.from_file(t)
    assert a == b
    assert a.functions[0].duration.mean == 2.0 and a.lambda_.keep_alive.idle_s == 600
    assert a.pricing.preset == "aws-2024"


def test_scenario_is_frozen(pinned):
    sc = Scenario.from_file(pinned)
    with pytest.raises(Exception):
        sc.horizon_s = 5
    with pytest.raises(Exception):
        sc.functions[0].memory_mb = 256


def test_to_dict_round_trips(pinned):
    sc = Scenario.from_file(pinned)
    assert Scenario.from_dict(sc.to_dict()) == sc


def test_with_overrides_returns_a_new_validated_scenario(pinned):
    sc = Scenario.from_file(pinned)
    new = sc.with_overrides({"functions.0.workload.rate_per_s": 5, "lambda.keep_alive.idle_s": 60})
    assert new.functions[0].workload.rate_per_s == 5 and new.lambda_.keep_alive.idle_s == 60
    assert sc.functions[0].workload.rate_per_s == 10  # the original is untouched


def _error(data_change, path="x.yaml"):
    import yaml
    d = yaml.safe_load(PINNED)
    data_change(d)
    with pytest.raises(ScenarioError) as exc:
        Scenario.from_dict(d, source=path)
    return str(exc.value)


@pytest.mark.parametrize("change, expected", [
    (lambda d: d["functions"][0].update(memory_mb=64),
     "The 'functions.0.memory_mb' field of Scenario must be an int in the range [128, 10240]. Got 64 instead."),
    (lambda d: d["functions"][0].update(memory_mb=20000),
     "The 'functions.0.memory_mb' field of Scenario must be an int in the range [128, 10240]. Got 20000 instead."),
    (lambda d: d["functions"][0]["workload"].update(rate_per_s=-1),
     "The 'functions.0.workload.rate_per_s' field of Scenario must be a float in the range (0.0, inf]. Got -1 instead."),
    (lambda d: d.update(horizon_s="long"),
     "The 'horizon_s' field of Scenario must be a valid number, unable to parse string as a number. Got 'long' instead."),
    (lambda d: d["functions"][0].update(memroy_mb=256),
     "The 'functions.0.memroy_mb' key of Scenario is not allowed (did you mean 'memory_mb'?)"),
    (lambda d: d["lambda"].update(instance_selection="fifo"),
     "The 'lambda.instance_selection' field of Scenario must be 'mru', 'lru' or 'random'. Got 'fifo' instead."),
    (lambda d: d["functions"][0]["duration"].update(dist="weibull"),
     "The 'functions.0.duration' field of Scenario"),
    (lambda d: d["functions"][0].pop("workload"),
     "The 'functions.0.workload' field of Scenario is required."),
    (lambda d: d.update(pricing="aws-1999"),
     "must name a preset among aws-2015, aws-2024, aws-latest; got 'aws-1999'"),
    (lambda d: d.update(functions=[]), "The 'functions' field of Scenario must list at least one function"),
    (lambda d: d["functions"].append(dict(d["functions"][0])), "must have unique function names; repeated: api"),
    (lambda d: d["functions"][0].update(reserved_concurrency=2000),
     "must reserve no more concurrency than lambda.account_concurrency (1000); functions reserve 2000"),
    (lambda d: d["functions"][0].update(memory_mb=True),
     "The 'functions.0.memory_mb' field of Scenario must be an int. Got True instead."),
])
def test_bad_input_gets_one_clear_message(change, expected):
    msg = _error(change)
    assert msg.startswith("x.yaml: ")
    assert expected in msg
    assert "pydantic" not in msg and "Traceback" not in msg


def test_yaml_trap_1e5_as_string_is_caught():
    # PyYAML (YAML 1.1) reads 1e-5 as a string: validation still parses it as a number
    msg = _error(lambda d: d["functions"][0]["workload"].update(rate_per_s="1e-5x"))
    assert "rate_per_s" in msg and "'1e-5x'" in msg


def test_bad_files(tmp_path):
    with pytest.raises(ScenarioError, match="does not exist"):
        Scenario.from_file(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        Scenario.from_file(bad)
    txt = tmp_path / "s.txt"
    txt.write_text("x")
    with pytest.raises(ScenarioError, match="must end in .yaml"):
        Scenario.from_file(txt)
    lst = tmp_path / "list.yaml"
    lst.write_text("- 1\n- 2\n")
    with pytest.raises(ScenarioError, match="must be a mapping"):
        Scenario.from_file(lst)


def test_override_of_a_path_that_does_not_exist(pinned):
    sc = Scenario.from_file(pinned)
    with pytest.raises(ScenarioError, match=r"the index into 'functions' must be in \[0, 0\]; got '3'"):
        sc.with_overrides({"functions.3.memory_mb": 256})
    with pytest.raises(ScenarioError, match="not allowed"):
        sc.with_overrides({"functions.0.nope": 1})


def test_empirical_distribution_reads_a_file_relative_to_the_scenario(tmp_path):
    (tmp_path / "d.csv").write_text("duration_s\n0.5\n1.5\n")
    (tmp_path / "s.yaml").write_text(PINNED.replace("{dist: exponential, mean_s: 2.0}", "{dist: empirical, path: d.csv}"))
    sc = Scenario.from_file(tmp_path / "s.yaml")
    assert sc.functions[0].duration.mean == 1.0
    (tmp_path / "d.csv").write_text("0.5\nabc\n")
    with pytest.raises(ScenarioError, match="line 2 has 'abc'"):
        Scenario.from_file(tmp_path / "s.yaml")


def test_reserved_concurrency_default_and_override(pinned):
    sc = Scenario.from_file(pinned).with_overrides({"lambda.reserved_concurrency": 50})
    assert sc.reserved(0) == 50
    assert sc.with_overrides({"functions.0.reserved_concurrency": 7}).reserved(0) == 7


def test_shipped_scenarios_all_load():
    from lambdasim.paths import data_dir
    files = sorted((data_dir() / "scenarios").glob("*.yaml"))
    assert files
    for f in files:
        assert isinstance(Scenario.from_file(f), lambdasim.Scenario)


def test_specs_compare_by_their_fields_even_with_cached_arrays():
    """Two models with the same fields are equal although each caches a numpy array in its ``__dict__``
    (pydantic's own ``==`` raised 'truth value of an array is ambiguous' there); other fields, other classes
    and other values are unequal; hashing a frozen model still works."""
    from lambdasim.distributions import Constant, Empirical

    a = Empirical(dist="empirical", samples_s=[1.0, 2.0, 3.0])
    b = Empirical(dist="empirical", samples_s=[1.0, 2.0, 3.0])
    a.values, b.values  # the cached arrays
    assert a == b
    assert a != Empirical(dist="empirical", samples_s=[1.0, 2.0, 4.0])
    assert Constant(dist="constant", value_s=1.0) != Empirical(dist="empirical", samples_s=[1.0])
    assert hash(Constant(dist="constant", value_s=1.0)) == hash(Constant(dist="constant", value_s=1.0))
    sc = Scenario.from_file("data/scenarios/default.yaml").with_overrides(
        {"functions.0.duration": {"dist": "empirical", "samples_s": [0.5, 1.0, 2.0]}})
    again = Scenario.from_dict(sc.to_dict())
    assert again == sc and again != sc.with_overrides({"horizon_s": 5.0})
