"""The dashboard app: its knobs re-run the comparison (no kernel), and Voilà serves it to a browser."""
from __future__ import annotations

import html
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import lambdasim
from lambdasim.notebook.dashboard import Dashboard
from support.text import problems

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def app():
    return Dashboard(lambdasim.Scenario.from_file(ROOT / "data/scenarios/default.yaml"), horizon_s=300, replications=2)


def test_the_app_starts_with_an_answer_at_lambdas_slo(app):
    ctx = app.context
    assert app.runs == 1 and ctx["answer"] in html.unescape(app.answer.value)
    assert app.slo.value == pytest.approx(ctx["slo_bounds"]["latency_p99_s"], rel=1e-2)
    assert app.memory.max == 10240 and app.memory.min == 128
    assert all(getattr(k, "continuous_update", False) is False for k in app.knobs.values() if hasattr(k, "continuous_update"))
    assert "download=" in app.exports.value and ".yaml" in app.exports.value and ".csv" in app.exports.value


def test_a_tight_slo_changes_the_answer_and_the_check(app):
    before = app.context["answer"]
    app.slo.value = 0.01  # no option can answer in 10 ms when requests take seconds
    assert app.runs == 2 and app.scenario.functions[0].workload.rate_per_s == 10
    assert app.context["answer"] != before and app.context["answer"].startswith("No option meets the SLO")
    assert "misses the SLO" in app.cards.value
    assert not problems(" ".join([app.answer.value, app.cards.value, app.check.value]).replace("lambdasim-", ""))


def test_a_bad_knob_value_shows_one_line_not_a_traceback(app):
    app.knobs["instance"].options = list(app.knobs["instance"].options) + ["x9.huge"]
    app.knobs["instance"].value = "x9.huge"
    assert "x9.huge" in app.status.value and "Traceback" not in app.status.value
    assert all(not k.disabled for k in app.knobs.values())  # the busy state ended


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is absent (apt-get install -y chromium)")
def test_the_served_app_answers_a_slider_move_in_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    from lambdasim.cli.app import command

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env.update(LAMBDASIM_APP_SCENARIO=str(ROOT / "data/scenarios/default.yaml"), LAMBDASIM_APP_HORIZON_S="300",
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    log_path = tmp_path / "voila.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command(port), cwd=ROOT / "notebooks", env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    errors = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/", timeout=2):
                    break
            except urllib.error.HTTPError:  # any HTTP answer: the server is up
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"voila did not start:\n{log_path.read_text(errors='replace')[-2000:]}")
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
                answer = page.locator(".lambdasim-answer #answer")
                answer.wait_for(timeout=240_000)
                first = answer.inner_text()
                assert "cheapest option" in first or "No option meets" in first
                body = page.inner_text("body")
                assert "import" not in body and "Dashboard(" not in body and "scenario_path" not in body  # no code
                readout = page.locator(".lambdasim-slo .widget-readout")
                readout.click()
                page.keyboard.press("Control+A")
                page.keyboard.type("0.01")
                page.keyboard.press("Enter")
                page.wait_for_function(
                    "prev => { const a = document.querySelector('.lambdasim-answer #answer'); "
                    "return a && a.innerText !== prev; }", arg=first, timeout=240_000)
                second = answer.inner_text()
                page.locator(".lambdasim-busy").wait_for(state="detached", timeout=60_000)
                page.locator(".lambdasim-dashboard").screenshot(path=str(tmp_path / "app.png"))
                text = page.inner_text(".lambdasim-dashboard")
            finally:
                browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    assert second.startswith("No option meets the SLO"), second
    assert not errors, errors
    log = log_path.read_text(errors="replace")
    assert "Traceback" not in log and "[E " not in log, log[-3000:]
    assert not problems(text), problems(text)
    assert (tmp_path / "app.png").stat().st_size > 50_000
