"""docs/scenario.md documents every field a scenario can hold."""
import re
import typing
from pathlib import Path

from pydantic import BaseModel

from lambdasim import Scenario

ROOT = Path(__file__).resolve().parent.parent


def _models(tp, seen):
    """Every pydantic model reachable from a type annotation."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if tp not in seen:
            seen.add(tp)
            for f in tp.model_fields.values():
                _models(f.annotation, seen)
        return
    for arg in typing.get_args(tp):
        _models(arg, seen)


def all_fields():
    seen: set = set()
    _models(Scenario, seen)
    out = set()
    for m in seen:
        for name, f in m.model_fields.items():
            out.add((m.__name__, f.alias or name))
    return out


def test_every_scenario_field_is_documented():
    doc = (ROOT / "docs" / "scenario.md").read_text()
    documented = set(re.findall(r"`([a-z_0-9]+)`", doc))
    missing = sorted(f"{m}.{n}" for m, n in all_fields() if n not in documented)
    assert not missing, f"fields not documented in docs/scenario.md: {missing}"


def test_docs_exist_for_each_topic():
    for name in ["scenario.md", "model.md", "pricing.md", "workloads.md", "sweeps.md"]:
        assert (ROOT / "docs" / name).stat().st_size > 500, name
