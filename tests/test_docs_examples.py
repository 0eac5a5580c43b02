"""Every complete scenario shown in docs/scenario.md validates.

A ```yaml or ```toml block whose first line is ``# scenario`` is a whole
scenario; other blocks are partial snippets and are skipped. ```json blocks
(which cannot hold a comment) are always whole scenarios. Relative paths
resolve from the repository root, as for a scenario file kept there.
"""
import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from lambdasim import Scenario

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "scenario.md"
LOADERS = {"yaml": yaml.safe_load, "toml": tomllib.loads, "json": json.loads}


def examples():
    out = []
    for m in re.finditer(r"^```(yaml|toml|json)\n(.*?)^```", DOC.read_text(), re.S | re.M):
        lang, body = m.group(1), m.group(2)
        if lang == "json" or body.startswith("# scenario\n"):
            line = DOC.read_text()[: m.start()].count("\n") + 1
            out.append(pytest.param(lang, body, id=f"{lang}-line{line}"))
    return out


def test_the_doc_has_complete_examples():
    langs = [p.values[0] for p in examples()]
    assert langs.count("yaml") >= 5 and "toml" in langs and "json" in langs


@pytest.mark.parametrize("lang,body", examples())
def test_example_validates(lang, body):
    sc = Scenario.from_dict(LOADERS[lang](body), source=f"docs/scenario.md ({lang})", base_dir=ROOT)
    again = Scenario.from_dict(sc.to_dict(), base_dir=ROOT)  # and round-trips
    assert again == sc
