"""Every notebook panel reads as a human wrote it: no raw dotted path, nan, None or 10+-digit number."""
from __future__ import annotations

import html
import re

import ipywidgets as w
import pytest

import lambdasim
from support.text import problems


def _texts(widget) -> list[str]:
    out = [widget.value] if isinstance(widget, w.HTML) else []
    out += [widget.description] if getattr(widget, "description", "") else []
    for child in getattr(widget, "children", ()):
        out += _texts(child)
    return out


def visible_text(widget) -> str:
    """What a panel shows in words: HTML widgets' text (tags and styles removed) and control labels."""
    text = re.sub(r"<style>.*?</style>", " ", " ".join(_texts(widget)), flags=re.S)
    text = re.sub(r"<a [^>]*>", " ", text)  # export links carry data URIs, not words
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def _base():
    return lambdasim.Scenario.from_file("data/scenarios/default.yaml")


def _quickstart():
    from lambdasim.notebook.quickstart import QuickstartPanel
    return QuickstartPanel(_base(), horizon_s=300, draw=False)


def _billing():
    from lambdasim.notebook.billing import EraPanel
    return EraPanel()


def _bursts():
    from lambdasim.notebook.bursts import BurstsPanel
    return BurstsPanel(500)


def _compare():
    from lambdasim.notebook.compare import ComparisonPanel
    return ComparisonPanel(_base().with_overrides({"horizon_s": 300}), replications=1)


def _trace_day():
    from lambdasim.notebook.trace_day import TraceDayPanel
    return TraceDayPanel(functions=10, hours=0.25)


def _pipelines():
    from lambdasim.notebook.pipelines_panel import PipelinePanel
    return PipelinePanel(photo_horizon_s=120, film_horizon_s=3600)


def _dashboard():
    from lambdasim.notebook.dashboard import Dashboard
    return Dashboard(_base(), horizon_s=300, replications=1)


@pytest.mark.parametrize("build", [_quickstart, _billing, _bursts, _compare, _trace_day, _pipelines, _dashboard],
                         ids=lambda f: f.__name__.strip("_"))
def test_a_panel_shows_no_raw_names_or_numbers(build, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")  # EraPanel draws with pyplot into an Output widget
    text = visible_text(build().widget)
    assert len(text.split()) > 10  # it shows something
    assert not problems(text), problems(text)


def test_the_checker_catches_what_it_should():
    bad = "functions.0.workload.rate_per_s nan None 1234567890123 1.142e-05"
    assert len(problems(bad)) == 5
    assert not problems("request rate (req/s) 1,234,567 $0.00001142 m5.large aws-2024 n/a (no run)")
