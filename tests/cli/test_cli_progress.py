"""`break-even` on the command line, and progress bars that stay off machine-read output."""
import io
import json
import math
import sys

import pytest

from lambdasim.cli import main
from lambdasim.cli import common

BE = ["data/scenarios/default.yaml", "--horizon-s", "120", "--replications", "2", "--points", "3"]


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_break_even_prints_the_curves_and_one_sentence(capsys):
    assert main(["break-even", *BE, "--low", "1", "--high", "40", "--strategy", "configured"]) == 0
    out = capsys.readouterr()
    assert "request rate (req/s)" in out.out and "Lambda cost per million requests" in out.out
    assert "EC2, the scenario's fleet" in out.out and "functions.0" not in out.out
    last = out.out.strip().splitlines()[-1]
    assert last.startswith("Break-even at") or last.startswith("No break-even")
    assert out.err == ""  # stdout is not a terminal here: no bar


def test_break_even_json_is_strict_and_matches_the_api(capsys):
    import lambdasim

    assert main(["break-even", *BE, "--low", "1", "--high", "40", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)  # strict JSON: nan would not parse as a number here
    sc = lambdasim.Scenario.from_file("data/scenarios/default.yaml").with_overrides({"horizon_s": 120})
    be = lambdasim.break_even(sc, low=1, high=40, replications=2, points=3)
    assert got["strategy"] == be.strategy and len(got["curves"]) == 3
    same = (lambda a, b: (a is None and math.isnan(b)) or a == pytest.approx(b, rel=1e-12))
    assert same(got["value"], be.value)
    assert [r["x"] for r in got["curves"]] == pytest.approx(be.curves["x"].tolist())


def test_break_even_reads_the_old_name_for_the_scenarios_fleet():
    import lambdasim

    sc = lambdasim.Scenario.from_file("data/scenarios/default.yaml").with_overrides({"horizon_s": 60})
    old = lambdasim.break_even(sc, low=1, high=20, strategy="fixed", replications=1, points=2)
    new = lambdasim.break_even(sc, low=1, high=20, strategy="configured", replications=1, points=2)
    assert old.strategy == new.strategy
    assert old.curves.equals(new.curves)


@pytest.mark.parametrize("args, expected", [
    (["--low", "5", "--high", "1"], "low and high must satisfy 0 < low < high"),
    (["--low", "1", "--high", "5", "--replications", "0"], "--replications must be an int >= 1. Got 0 instead."),
])
def test_break_even_bad_input_is_one_line(args, expected, capsys):
    assert main(["break-even", *BE[:1], *args]) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1


def test_progress_shows_only_on_a_terminal_and_never_in_json_mode(monkeypatch):
    err = _Tty()
    monkeypatch.setattr(common.sys, "stderr", err)
    monkeypatch.setattr(common.sys, "stdout", _Tty())
    with common.progress(None, "work", unit="simulations") as bar:
        assert not bar.disable
    with common.progress(None, "work", enabled=False) as bar:  # --json / --no-progress
        assert bar.disable
    monkeypatch.setattr(common.sys, "stdout", io.StringIO())  # piped: quiet
    with common.progress(None, "work") as bar:
        assert bar.disable


def test_compare_ticks_once_per_simulation_it_runs():
    from lambdasim.comparison.compare import compare
    from lambdasim.comparison.replication import Runner
    import lambdasim

    ticks = []
    runner = Runner(2, tick=lambda: ticks.append(1))
    sc = lambdasim.Scenario.from_file("data/scenarios/default.yaml").with_overrides({"horizon_s": 60})
    compare(sc, 2, strategies=("configured",), runner=runner)
    assert len(ticks) == runner.runs == 4  # Lambda and the scenario's fleet, 2 replications each


def test_a_quiet_bar_loads_no_tqdm(monkeypatch):
    """--no-progress, --json and piped output never import tqdm (about 0.07 s of a `lambdasim run`)."""
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # importing it now raises ImportError
    with common.progress(3, "work", enabled=False) as bar:
        bar.set_postfix_str("simulating")
        bar.update()
        assert bar.disable
    monkeypatch.setattr(common.sys, "stderr", _Tty())
    monkeypatch.setattr(common.sys, "stdout", _Tty())
    with pytest.raises(ImportError):  # a bar that shows needs it
        with common.progress(3, "work"):
            pass
