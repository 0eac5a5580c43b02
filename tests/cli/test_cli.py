"""The command line: tables, JSON, --set overrides, and one-line errors."""
import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lambdasim.cli import SUBCOMMANDS, main

SMALL = ["data/scenarios/default.yaml", "--set", "horizon_s=300"]


def test_run_json_prints_the_summary(capsys):
    assert main(["run", *SMALL, "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["invocations"] == s["completed"] + s["throttled"] + s["failed"] + s["in_flight"]
    assert s["invocations"] > 2000


def test_run_table_and_set_override_change_the_result(capsys):
    assert main(["run", *SMALL, "--json", "--set", "functions.0.workload.rate_per_s=1", "--seed", "3"]) == 0
    low = json.loads(capsys.readouterr().out)
    assert low["invocations"] < 600
    assert main(["run", *SMALL]) == 0
    out = capsys.readouterr().out
    assert "cold-start rate " in out and "default on Lambda" in out and "cold_start_rate" not in out


def test_run_writes_plots(tmp_path, capsys):
    assert main(["run", *SMALL, "--plots", str(tmp_path)]) == 0
    pngs = sorted(tmp_path.glob("*.png"))
    assert len(pngs) >= 2 and all(p.stat().st_size > 5000 for p in pngs)


@pytest.mark.parametrize("args, expected", [
    (["run", "nope.yaml"], "Scenario file 'nope.yaml' does not exist."),
    (["run", *SMALL, "--set", "functions.0.memory_mb=64"],
     "The 'functions.0.memory_mb' field of Scenario must be an int in the range [128, 10240]. Got 64 instead."),
    (["run", *SMALL, "--set", "memory"], "--set must be PATH=VALUE"),
])
def test_bad_input_is_one_line_and_exit_2(args, expected, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_flag_is_argparse_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", *SMALL, "--platform", "azure"])
    assert exc.value.code == 2
    assert "invalid choice: 'azure'" in capsys.readouterr().err


@pytest.mark.parametrize("cmd", [[]] + [[c] for c in SUBCOMMANDS])
def test_every_command_explains_itself(cmd, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*cmd, "--help"])
    assert exc.value.code == 0
    assert "usage: lambdasim" in capsys.readouterr().out


def test_console_script_is_installed():
    exe = Path(sys.executable).with_name("lambdasim")
    out = subprocess.run([str(exe), "run", *SMALL, "--json"], capture_output=True, text=True, check=True).stdout
    assert json.loads(out)["invocations"] > 0


def test_lazy_parser_lists_each_command_with_its_own_help():
    """The placeholders of the lazy parser say what each sub-command module's parser says."""
    def helps(parser):
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return {a.dest: a.help for a in sub._choices_actions}

    from lambdasim.cli import build_parser

    assert helps(build_parser()) == helps(build_parser("")) == SUBCOMMANDS


def test_help_and_bill_do_not_load_the_engine():
    code = ("import sys; from lambdasim.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print([m for m in ('lambdasim.simulation', 'lambdasim.scenario', 'simpy') if m in sys.modules])")
    for args in (["--help"], ["bill", "lambda", "--memory-mb", "512", "--requests", "1000", "--duration-ms", "100"]):
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
        assert out.stdout.strip().splitlines()[-1] == "[]", args
