"""The decision document: content, escaping of user-supplied text, and how it looks in Chromium."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml

from lambdasim.cli import main
from support.text import problems

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A report of a scenario whose names hold HTML, written by the command line."""
    tmp = tmp_path_factory.mktemp("report")
    scenario = {"name": EVIL, "horizon_s": 600, "seed": 3,
                "functions": [{"name": "api<b>&amp;", "memory_mb": 256, "duration": {"dist": "exponential", "mean_s": 0.2},
                               "workload": {"kind": "poisson", "rate_per_s": 4}}],
                "lambda": {"keep_alive": {"policy": "fixed", "idle_s": 120}}}
    path = tmp / "evil.yaml"
    path.write_text(yaml.safe_dump(scenario))
    out = tmp / "report.html"
    assert main(["report", str(path), "--out", str(out), "--replications", "2", "--no-progress"]) == 0
    return out


def test_every_user_supplied_text_is_escaped(report):
    page = report.read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert html.escape(EVIL) in page and "api&lt;b&gt;&amp;amp;" in page


def test_the_page_holds_the_decision_and_its_grounds(report):
    page = report.read_text(encoding="utf-8")
    for heading in ("Monthly cost per option", "The SLO check", "Assumptions: workload and capacity",
                    "Assumptions: prices", "Cost breakdown by line item", "Latency", "Cold starts", "The scenario"):
        assert f">{heading}" in page
    assert len(re.findall(r'src="data:image/png;base64,', page)) == 4
    assert "cheapest option that meets the SLO" in page or "No option meets the SLO" in page
    assert str(report.parent) not in page  # no absolute path


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is absent (apt-get install -y chromium)")
def test_the_report_reads_well_in_chromium(report, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    shot = tmp_path_factory.mktemp("screenshots") / "report.png"
    errors, dialogs = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(report.as_uri())
            assert page.title() == f"{EVIL}: Lambda or EC2?"
            answer = page.inner_text("#answer")
            assert re.search(r"\$[\d,]+\.\d\d per month", answer), answer
            widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
            assert len(widths) == 4 and min(widths) >= 800  # every figure decoded, at >= 100 dpi
            page.screenshot(path=str(shot), full_page=True)
            # what a reader sees, without the scenario's YAML and the price sources (URLs)
            text = page.evaluate("""() => { document.querySelectorAll('pre, .source').forEach(e => e.remove());
                return document.body.innerText; }""")
        finally:
            browser.close()
    assert not errors and not dialogs  # the script in the name never ran
    assert EVIL in text and "Lambda" in text and "EC2" in text
    assert not problems(text), problems(text)
    assert shot.stat().st_size > 50_000


def test_a_bad_scenario_fails_fast_with_status_2_and_no_file(tmp_path, capsys):
    assert main(["report", "data/scenarios/default.yaml", "--set", "functions.0.memory_mb=64",
                 "--out", str(tmp_path / "r.html")]) == 2
    assert "memory_mb" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()
