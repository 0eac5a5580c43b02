"""Every notebook panel reads as a human wrote it and works as an instrument.

- No raw dotted path, nan, None, exponent or 10+-digit number in what a panel shows: its HTML, its
  control labels, and the text drawn in its figures (titles, axis labels, ticks, legends, notes).
- Every panel: sliders that re-simulate on release, memory 128-10,240 MB where memory is a knob,
  a status line that says when it worked, download links (CSV, PNG, and the scenario as YAML
  where the panel runs a scenario), figures at 100 dpi or more.
(The report's page is checked the same way in ``tests/report/test_report.py``.)
"""
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
    return QuickstartPanel(_base(), horizon_s=300)


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


PANELS = [_quickstart, _billing, _bursts, _compare, _trace_day, _pipelines, _dashboard]
#: Panels that run no scenario of their own (a billing calculator): no scenario YAML to download.
NO_SCENARIO = {"billing"}


def _figure_text(fig) -> list[str]:
    """Every string drawn on a figure (after it was drawn): titles, labels, tick labels, legends, notes."""
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text") and a.get_visible())]
    return [re.sub(r"\$[^$]*\$", " ", t) for t in texts if t]  # mathtext ticks (10^{-1}) are not words


@pytest.fixture
def drawn(monkeypatch):
    """Records the text and the resolution of every figure a panel turns into a PNG."""
    import importlib

    import lambdasim.viz.figure as runs

    seen: list[tuple[list[str], float]] = []
    original = runs.png_bytes

    def recording(fig, dpi=runs.DPI):
        data = original(fig, dpi)
        seen.append((_figure_text(fig), max(float(dpi), 100.0)))
        return data

    for name in ("lambdasim.viz.figure", "lambdasim.notebook.quickstart", "lambdasim.notebook.bursts",
                 "lambdasim.notebook.compare", "lambdasim.notebook.trace_day", "lambdasim.notebook.pipelines_panel"):
        monkeypatch.setattr(importlib.import_module(name), "png_bytes", recording)
    return seen


def _panel_name(build) -> str:
    return build.__name__.strip("_")


@pytest.mark.parametrize("build", PANELS, ids=_panel_name)
def test_a_panel_shows_no_raw_names_or_numbers(build, drawn):
    panel = build()
    text = visible_text(panel.widget)
    assert len(text.split()) > 10  # it shows something
    assert not problems(text), problems(text)
    figures = " | ".join(" ".join(texts) for texts, _ in drawn)
    assert not problems(figures), problems(figures)
    if build is not _dashboard:  # the dashboard's figures are the report's (tests/report)
        assert drawn and all(dpi >= 100 for _, dpi in drawn)
        assert len(figures.split()) > 5  # the figures are labelled


def _controls(widget) -> list[w.Widget]:
    found = [widget] if isinstance(widget, (w.IntSlider, w.FloatSlider, w.FloatLogSlider, w.Dropdown)) else []
    for child in getattr(widget, "children", ()):
        found += _controls(child)
    return found


@pytest.mark.parametrize("build", PANELS, ids=_panel_name)
def test_every_panel_is_an_instrument(build, drawn):
    panel = build()
    controls = _controls(panel.widget)
    sliders = [c for c in controls if not isinstance(c, w.Dropdown)]
    assert sliders and all(c.continuous_update is False for c in sliders)  # re-simulate on release
    for memory in (c for c in sliders if c.description.startswith("memory")):
        assert (memory.min, memory.max) == (128, 10240)
    assert re.search(r"update \d+ took [\d.]+ s", panel.status.value), panel.status.value  # it says it worked
    links = panel.exports.value
    assert "download=" in links and ".csv'" in links and ".png'" in links
    assert (".yaml'" in links) == (_panel_name(build) not in NO_SCENARIO)
    assert "lambdasim-panel" in panel.widget._dom_classes  # the shared layout (notebook/layout.py)


def test_the_checker_catches_what_it_should():
    bad = "functions.0.workload.rate_per_s nan None 1234567890123 1.142e-05"
    assert len(problems(bad)) == 5
    assert not problems("request rate (req/s) 1,234,567 $0.00001142 m5.large aws-2024 n/a (no run)")
