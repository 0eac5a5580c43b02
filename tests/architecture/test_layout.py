"""The package's shape, enforced: layers along the data flow, pure billing, sibling platforms, no cycles.

Every rule walks the package's source with ``ast`` (module-level and function-level imports alike,
so an import inside a function cannot hide a cycle or a forbidden dependency).
"""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import lambdasim

PKG = Path(lambdasim.__file__).parent
ROOT = PKG.parent

#: The ground: modules every stage may use.
GROUND = {"errors", "spec", "files", "paths", "distributions", "rng", "stats", "timeseries", "theory", "version", "labels",
          "work", "results", "kernels", "compiled"}
#: The engine: the scenario, the simulation entry point and the stages it drives.
ENGINE_PACKAGES = {"workload", "billing", "awslambda", "servers", "ec2", "application", "fargate", "lmi",
                   "hybrid"}
ENGINE_MODULES = {"scenario", "simulation"}
#: Consumers of results: the engine never imports these.
CONSUMERS = {"comparison", "sweeps", "viz", "notebook", "report", "cli"}
PLATFORMS = {"awslambda", "ec2", "fargate", "lmi"}
#: Composites of platforms (a base fleet + Lambda for the overflow): may import platforms; no platform imports them.
COMPOSITES = {"hybrid"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in the file, as absolute dotted names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            for a in node.names:  # "from lambdasim.x import y" may import the submodule y
                if (PKG.parent / (mod.replace(".", "/") + "/" + a.name + ".py")).exists() or \
                        (PKG.parent / (mod.replace(".", "/") + "/" + a.name)).is_dir():
                    out.add(f"{mod}.{a.name}")
    return out


MODULES = {_module_name(p): p for p in PKG.rglob("*.py")}
GRAPH = {m: {i for i in _imports(p) if i.split(".")[0] == "lambdasim" and i in MODULES and i != m}
         for m, p in MODULES.items()}


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _is_engine(module: str) -> bool:
    return _stage(module) in ENGINE_PACKAGES or _stage(module) in ENGINE_MODULES


def test_the_walk_sees_the_package():
    assert len(MODULES) > 60
    assert "lambdasim.awslambda.model" in GRAPH["lambdasim.simulation"]


def test_engine_never_imports_its_consumers():
    bad = [(m, i) for m in GRAPH if _is_engine(m) for i in GRAPH[m] if _stage(i) in CONSUMERS]
    assert bad == []


def test_only_viz_and_notebook_import_matplotlib_and_only_notebook_ipywidgets():
    bad = []
    for m, p in MODULES.items():
        third = {i.split(".")[0] for i in _imports(p)}
        if "matplotlib" in third and _stage(m) not in {"viz", "notebook"}:
            bad.append((m, "matplotlib"))
        if "ipywidgets" in third and _stage(m) != "notebook":
            bad.append((m, "ipywidgets"))
    assert bad == []


def test_billing_is_pure():
    allowed = {f"lambdasim.{g}" for g in GROUND}
    bad = [(m, i) for m in GRAPH if _stage(m) == "billing" for i in GRAPH[m]
           if _stage(i) != "billing" and i not in allowed]
    assert bad == []


def test_platforms_are_siblings():
    bad = [(m, i) for m in GRAPH if _stage(m) in PLATFORMS for i in GRAPH[m]
           if _stage(i) in PLATFORMS and _stage(i) != _stage(m)]
    assert bad == []


def test_no_platform_imports_a_composite():
    bad = [(m, i) for m in GRAPH if _stage(m) in PLATFORMS | {"servers"} for i in GRAPH[m] if _stage(i) in COMPOSITES]
    assert bad == []
    assert "lambdasim.hybrid.model" in MODULES


def test_servers_serve_every_server_platform_and_import_none():
    """servers/ (capacity, fleet, autoscaling) is shared by the server platforms, so it imports none of them."""
    bad = [(m, i) for m in GRAPH if _stage(m) == "servers" for i in GRAPH[m] if _stage(i) in PLATFORMS]
    assert bad == []


def test_no_import_cycle():
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(GRAPH[m]):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state and (cyc := visit(n)):
                return cyc
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(GRAPH):
        if m not in state:
            assert visit(m) is None


def test_no_private_name_imported_across_modules():
    bad = []
    for m, p in MODULES.items():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lambdasim"):
                bad += [(m, a.name) for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
    assert bad == []


def test_subpackage_faces_are_docstrings_only():
    """Like simpy.resources: a subpackage's __init__ imports nothing, so a face can never make a cycle."""
    for m, p in MODULES.items():
        if p.name == "__init__.py" and m not in ("lambdasim", "lambdasim.cli"):
            body = ast.parse(p.read_text(encoding="utf-8")).body
            assert all(isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) for n in body), m


def test_no_subpackage_is_named_after_an_exported_function():
    packages = {p.parent.name for p in PKG.rglob("__init__.py")}
    assert packages.isdisjoint(lambdasim.__all__)


def test_public_face_matches_the_docs():
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- public-api -->(.*?)<!-- /public-api -->", text, re.S)
    assert block, "docs/model.md lists the public API between <!-- public-api --> markers"
    documented = re.findall(r"`([A-Za-z_0-9]+)`", block.group(1))
    assert sorted(documented) == sorted(lambdasim.__all__)
    assert all(hasattr(lambdasim, n) for n in lambdasim.__all__)


def test_version_comes_from_the_package_metadata():
    from importlib.metadata import version

    assert lambdasim.__version__ == version("lambdasim")


def test_import_lambdasim_loads_no_plotting_widgets_or_cluster():
    code = ("import sys, lambdasim; heavy = [m for m in ('matplotlib', 'ipywidgets', 'distributed') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("old", ["lambda_model", "ec2_model", "sweep_summary", "widgets", "pricing"])
def test_old_flat_modules_are_gone(old):
    assert not (PKG / f"{old}.py").exists()


#: What the command line's quick paths never load: the data frames, the array library, the configuration models,
#: the simulation kernel and plotting (``benchmarks/bench_startup.py`` times these paths; issue 11: < 0.5 s).
HEAVY = ("pandas", "numpy", "pydantic", "simpy", "matplotlib")


@pytest.mark.parametrize("argv", [
    ["--help"],
    ["bill", "--help"],
    ["bill", "lambda", "--memory-mb", "512", "--requests", "3000000", "--duration-ms", "1000", "--as-of", "2015-06-01"],
    ["bill", "lambda", "--memory-mb", "1024", "--requests", "1200000", "--duration-ms", "1000",
     "--provisioned-concurrency", "1000", "--provisioned-hours", "2", "--savings-plan", "0.1", "--json"],
    ["bill", "ec2", "--instance-type", "m5.large", "--instances", "2", "--alb-lcu", "1", "--json"],
    ["bill", "ec2", "--instance-type", "m5.large", "--purchase", "spot", "--discount", "0.5"],
], ids=["help", "bill-help", "bill-lambda", "bill-lambda-pc-json", "bill-ec2-alb-json", "bill-ec2-spot"])
def test_command_line_quick_paths_load_no_heavy_module(argv):
    code = ("import sys, contextlib, io\n"
            "from lambdasim.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            "    try:\n"
            f"        rc = main({argv!r})\n"
            "    except SystemExit as e:\n"
            "        rc = e.code\n"
            f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
            "print(rc, len(out.getvalue()) > 0, heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "0 True []", out.stdout + out.stderr
