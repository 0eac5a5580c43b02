"""One home per rule, and declared interfaces kept: checked by walking the package's source with ``ast``."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import lambdasim
from lambdasim.results import PlatformResult
from support.scenarios import one_function

PKG = Path(lambdasim.__file__).parent
SOURCES = {p.relative_to(PKG).as_posix(): ast.parse(p.read_text(encoding="utf-8")) for p in PKG.rglob("*.py")}


def _functions(tree: ast.AST):
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _names(node: ast.AST) -> set[str]:
    """Identifiers, attribute names and string constants inside ``node``."""
    out = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, ast.Attribute):
            out.add(n.attr)
        elif isinstance(n, ast.Constant) and isinstance(n.value, str):
            out.add(n.value)
    return out


def test_granularity_rounding_only_in_billing():
    """Rounding a run up to the billing granularity is billing's rule: no ceil next to a granularity elsewhere."""
    bad = []
    for path, tree in SOURCES.items():
        if path.startswith("billing/"):
            continue
        for fn in _functions(tree):
            names = _names(fn)
            if "ceil" in names and any("granularity" in s or "gran_ms" in s for s in names):
                bad.append(f"{path}:{fn.name}")
    assert bad == []


def test_line_item_frames_are_built_by_the_one_builder():
    """Only ``billing.rules.line_items_frame`` makes a DataFrame with the bill's ``COLUMNS``."""
    bad = []
    for path, tree in SOURCES.items():
        for fn in _functions(tree):
            for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call)):
                f = call.func
                if isinstance(f, ast.Attribute) and f.attr == "DataFrame" and \
                        any(kw.arg == "columns" and {"COLUMNS", "LINE_ITEM_COLUMNS"} & _names(kw.value)
                            for kw in call.keywords):
                    if not (path == "billing/rules.py" and fn.name == "line_items_frame"):
                        bad.append(f"{path}:{fn.name}")
    assert bad == []


def test_discount_limits_are_checked_in_one_place():
    """The largest published discounts are read by ``billing.catalogue.check_discount`` (and shown, not checked,
    by ``billing.commitments.max_discount``): no other function reads a ``*_max_discount`` key."""
    allowed = {("billing/catalogue.py", "check_discount")}
    bad = []
    for path, tree in SOURCES.items():
        for fn in _functions(tree):
            keys = [s for s in _names(fn) if s.endswith("_max_discount") and "." in s]
            if keys and (path, fn.name) not in allowed:
                bad.append(f"{path}:{fn.name}")
    assert bad == []


def test_no_method_is_rebound_per_instance():
    """Variants are subclasses or strategy objects: no ``self.take = self._take_other`` in a constructor."""
    bad = []
    for path, tree in SOURCES.items():
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            methods = {n.name for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
            for a in (n for n in ast.walk(cls) if isinstance(n, ast.Assign)):
                v = a.value
                if isinstance(v, ast.Attribute) and isinstance(v.value, ast.Name) and v.value.id == "self" \
                        and v.attr in methods and any(isinstance(t, ast.Attribute) for t in a.targets):
                    bad.append(f"{path}:{cls.name}.{v.attr}")
    assert bad == []


def test_simulate_patches_no_result_after_construction():
    """Results are complete when constructed: the entry point sets no attribute on anything."""
    tree = SOURCES["simulation.py"]
    targets = [t for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AugAssign))
               for t in (n.targets if isinstance(n, ast.Assign) else [n.target]) if isinstance(t, ast.Attribute)]
    assert targets == []


def test_every_platform_gives_the_shared_result_surface():
    sc = one_function(horizon_s=120.0, rate=2.0)
    for platform in ("lambda", "ec2"):
        r = lambdasim.simulate(sc, platform=platform)
        assert isinstance(r, PlatformResult), platform
        assert r.platform == platform
        assert int(r.summary["invocations"]) == len(r.invocations) > 0
        assert list(r.timeseries(60.0)["t_s"]) == [0.0, 60.0]
        assert float(r.cost["amount_usd"].sum()) == r.summary["cost_usd"]


#: A catalogue price: a key or attribute that is a rate in USD (per GB-s, per hour, per million requests, ...).
PRICE = re.compile(r"(^|\.)[a-z0-9_]*_usd$|^hour_usd$")
#: Presentation only: the decision document lists the prices it used (no arithmetic on them).
SHOWS_PRICES = {("report/document.py", "_prices")}


def _prices_in(fn: ast.AST) -> set[str]:
    """Catalogue price keys (string constants, f-string parts) and ``.hour_usd``-like attributes in ``fn``."""
    out = set()
    for n in ast.walk(fn):
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and "." in n.value and PRICE.search(n.value):
            out.add(n.value)
        elif isinstance(n, ast.Attribute) and n.attr == "hour_usd":
            out.add(n.attr)
    return out


def test_prices_are_read_and_multiplied_only_in_billing():
    """Billing arithmetic has one home: outside ``billing/`` no function reads a catalogue price (a ``*_usd``
    key such as ``lambda.duration_gb_s_usd`` or ``ec2.<type>.hour_usd``, or an ``InstanceSpec.hour_usd``)
    and multiplies or divides with it; it calls a function of ``billing/`` instead."""
    bad = []
    for path, tree in SOURCES.items():
        if path.startswith("billing/"):
            continue
        for fn in _functions(tree):
            prices = _prices_in(fn)
            arithmetic = any(isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Mult, ast.Div)) for n in ast.walk(fn))
            if prices and arithmetic and (path, fn.name) not in SHOWS_PRICES:
                bad.append(f"{path}:{fn.name} {sorted(prices)}")
    assert bad == []


def test_no_catalogue_price_key_is_written_outside_billing():
    """The keys of prices live in billing/ (and data/): elsewhere they are not even named, but for the
    decision document's price table."""
    bad = []
    for path, tree in SOURCES.items():
        if path.startswith("billing/"):
            continue
        for fn in _functions(tree):
            keys = {k for k in _prices_in(fn) if k != "hour_usd" and re.match(r"^[a-z0-9]+\.", k)}
            if keys and (path, fn.name) not in SHOWS_PRICES:
                bad.append(f"{path}:{fn.name} {sorted(keys)}")
        module_level = [n for n in tree.body if not isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        for node in module_level:
            keys = {k for k in _prices_in(node) if k != "hour_usd" and re.match(r"^[a-z0-9]+\.", k)}
            if keys:
                bad.append(f"{path}:<module> {sorted(keys)}")
    assert bad == []


def test_the_price_checks_would_catch_the_old_lambda_hourly_usage():
    """The checks are live: the arithmetic that once sat in awslambda/result.py is caught."""
    old = ast.parse('def hourly_compute_usd(self):\n'
                    '    keys = {"x86_64": ("lambda.duration_gb_s_usd", "lambda.pc_gb_s_usd")}\n'
                    '    return gb * ms / 1000.0 * rates\n')
    fn = _functions(old)[0]
    assert _prices_in(fn) == {"lambda.duration_gb_s_usd", "lambda.pc_gb_s_usd"}
    ec2 = ast.parse("def h(self):\n    price = instance_spec(t, cat).hour_usd\n    return live / 3600.0 * price\n")
    assert _prices_in(_functions(ec2)[0]) == {"hour_usd"}


#: viz/ modules not yet on the scaffolding (none left).
FIGURES_PENDING: set[str] = set()


def test_figures_are_set_up_and_saved_by_the_one_scaffolding():
    """In viz/ and the notebook panels, a figure is made (``subplots``, ``Figure``) and written (``savefig``)
    only by viz/figure.py; in viz/ its axes are labelled and its legend placed by it too."""
    bad = []
    for path, tree in SOURCES.items():
        if not path.startswith(("viz/", "notebook/")) or path == "viz/figure.py" or path in FIGURES_PENDING:
            continue
        for n in ast.walk(tree):
            if isinstance(n, ast.Call):
                f = n.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
                made = name in ("subplots", "savefig", "Figure")
                labelled = name in ("set_xlabel", "set_ylabel") or (name == "legend" and isinstance(f, ast.Attribute))
                if made or (labelled and path.startswith("viz/")):
                    bad.append(f"{path}:{n.lineno} {name}")
    assert bad == []


def test_axis_labels_of_keys_are_human():
    from lambdasim.viz.figure import text_of

    assert text_of("latency_p99_s") == "p99 latency (s)"
    assert text_of("functions.0.memory_mb") == "memory (MB)"
    assert text_of("cold_start_rate") == "cold-start rate (fraction)"  # plotted as a fraction, not in %
    assert text_of("time (min)") == "time (min)"
