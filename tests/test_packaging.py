"""environment.yml (conda) and pyproject.toml must list the same dependencies."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONDA_NAMES = {"matplotlib": "matplotlib-base"}  # PyPI name -> conda-forge name


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req.strip(), maxsplit=1)[0].lower()


def test_environment_yml_matches_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = {_name(r) for r in py["project"]["dependencies"]}
    wanted |= {_name(r) for group in py.get("dependency-groups", {}).values() for r in group}
    wanted = {CONDA_NAMES.get(n, n) for n in wanted}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge", "nodefaults"]
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert conda == wanted
    pip = [d for d in env["dependencies"] if isinstance(d, dict)]
    assert pip == [{"pip": ["-e ."]}]
    py_req = next(d for d in env["dependencies"] if isinstance(d, str) and _name(d) == "python")
    assert py["project"]["requires-python"].lstrip(">=") in py_req


def test_console_script_and_python_version():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert py["project"]["scripts"]["lambdasim"] == "lambdasim.cli:main"
    assert py["project"]["requires-python"] == ">=3.11"
