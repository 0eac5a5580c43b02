"""The quickstart notebook in a real browser: JupyterLab + headless Chromium (Playwright).

Starts a token-less JupyterLab on 127.0.0.1 with a temporary root holding a copy
of notebooks/01_quickstart.ipynb, runs all cells, types a new keep-alive into the
panel's slider readout and checks that the displayed summary changes as the
model says. Screenshots go to out/browser/. Needs Debian's Chromium
(``apt-get install -y chromium``); skipped only when /usr/bin/chromium is absent.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "01_quickstart.ipynb"
OUT = ROOT / "out" / "browser"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--disable-dev-shm-usage"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"{CHROMIUM} is absent (install Debian's chromium: apt-get install -y chromium)"),
]

KERNEL_IDLE_JS = """() => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.connectionStatus === 'connected' && k.status === 'idle';
}"""

# Start "run all" without awaiting the command's promise (awaiting it can hang).
RUN_ALL_JS = "() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); return true; }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on a free loopback port; yields its notebook URL, always stopped."""
    root, settings, workspaces, runtime = (tmp_path / d for d in ("root", "settings", "workspaces", "runtime"))
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    notify = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notify.parent.mkdir(parents=True)
    notify.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env.update(JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(workspaces),
               JUPYTER_RUNTIME_DIR=str(runtime))
    port = _free_port()
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
           "--ServerApp.disable_check_xsrf=True", "--ServerApp.allow_root=True",
           "--LabApp.expose_app_in_browser=True", f"--ServerApp.root_dir={root}"]
    log = open(tmp_path / "lab.log", "wb")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start:\n{(tmp_path / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.25)
        yield f"{base}/lab/tree/{NOTEBOOK.name}"
    finally:
        # The server was started in its own session: stop it and its kernels together.
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        log.close()


def _cell(page, key: str) -> str:
    return page.locator(f".lambdasim-summary [data-key='{key}']").inner_text()


def test_quickstart_panel_in_jupyterlab(lab):
    from playwright.sync_api import expect, sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(30_000)
            expect.set_options(timeout=30_000)
            page.goto(lab)
            page.wait_for_function(KERNEL_IDLE_JS, timeout=60_000)
            t0 = time.monotonic()
            page.evaluate(RUN_ALL_JS)

            # The last cell prints this once every check passed; an error output fails fast.
            done = page.locator(".jp-OutputArea-output", has_text="all checks passed")
            error = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
                                 has_text="Error")
            deadline = time.monotonic() + 120  # generous: a loaded 2-core machine is slow
            while not done.count():
                assert not error.count(), error.first.inner_text()
                assert time.monotonic() < deadline, "the notebook did not finish in 120 s"
                page.wait_for_timeout(250)
            page.wait_for_function(KERNEL_IDLE_JS)
            print(f"notebook ran all cells in the browser in {time.monotonic() - t0:.1f} s")

            panel = page.locator(".lambdasim-panel")
            panel.scroll_into_view_if_needed()
            expect(page.locator(".lambdasim-plots")).to_be_visible()
            assert page.locator(".lambdasim-plots").evaluate("img => img.naturalWidth") > 300
            before = {k: _cell(page, k) for k in ("cold_starts", "cold_start_rate", "cost_usd")}
            status = page.locator(".lambdasim-status").inner_text()
            page.screenshot(path=str(OUT / "quickstart_before.png"))

            # Type a keep-alive of 0 s into the slider's readout: every start must turn cold.
            readout = page.locator(".lambdasim-keep-alive-s .widget-readout")
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type("0")
            page.keyboard.press("Enter")
            expect(page.locator(".lambdasim-status")).not_to_have_text(status)
            expect(page.locator(".lambdasim-summary [data-key='cold_start_rate']")).to_have_text("100 %")
            page.wait_for_function(KERNEL_IDLE_JS)
            after = {k: _cell(page, k) for k in ("cold_starts", "cold_start_rate", "cost_usd")}
            assert after["cold_starts"] != before["cold_starts"], (before, after)
            assert int(after["cold_starts"].replace(",", "")) > int(before["cold_starts"].replace(",", ""))

            # And a key press on the rate slider's handle re-simulates too.
            status = page.locator(".lambdasim-status").inner_text()
            page.locator(".lambdasim-rate-per-s .noUi-handle").focus()
            page.keyboard.press("ArrowRight")
            expect(page.locator(".lambdasim-status")).not_to_have_text(status)
            page.wait_for_function(KERNEL_IDLE_JS)
            assert _cell(page, "cost_usd") != after["cost_usd"]

            panel.scroll_into_view_if_needed()
            panel.screenshot(path=str(OUT / "quickstart_panel.png"))
            page.screenshot(path=str(OUT / "quickstart_after.png"))
        finally:
            browser.close()
