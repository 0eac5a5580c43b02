"""Run All leaves every notebook's panel as the narrative set it, and the Checks cell can run again.

Issue 14: after Run All, 05's panel was left at keep-alive 0, 03's at ``legacy_burst`` and 02's at
10 ms, because the Checks cells moved the user's sliders; re-running a Checks cell after moving a
slider raised. Each notebook here is executed in a real kernel (nbclient) with four cells added:

1. right after the cell that shows the panel: a snapshot of its controls' values;
2. after the last cell (the Checks): the controls again, and the values the narrative gives for them;
3. a slider moved, as a user would, to the value the old Checks cells set (so a Checks cell that
   still needs a change to happen would fail);
4. the Checks cell run again, then the controls once more: as the user left them.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

CONTROLS = '''
def __controls(widget):
    import ipywidgets as w
    out = {}
    def walk(x):
        if isinstance(x, (w.IntSlider, w.FloatSlider, w.FloatLogSlider, w.Dropdown)):
            out[x.description] = x.value
        for child in getattr(x, "children", ()):
            walk(child)
    walk(widget)
    return out
'''

#: notebook -> (panel variable, the knob values its narrative sets (Python, evaluated in the kernel),
#:              a user's slider move, the knob (description) that move changes and its new value)
CASES = {
    "01_quickstart.ipynb": ("panel", '{"request rate (req/s)": fn.workload.rate_per_s, "memory (MB)": fn.memory_mb, '
                            '"mean duration (s)": fn.duration.mean, "keep-alive (s)": base.lambda_.keep_alive.idle_s}',
                            "panel.keep_alive.value = 0", "keep-alive (s)", 0),
    "02_billing_2015_vs_today.ipynb": ("panel", '{"memory (MB)": 128, "duration of a run (ms)": int(mean_duration_s * 1000)}',
                                       "panel.duration.value = 1000", "duration of a run (ms)", 1000),
    "03_bursts_and_event_sources.ipynb": ("panel", '{"spike rate (req/s)": spike_rate_per_s, '
                                          '"scaling model": "per_function_2023"}',
                                          'panel.model.value = "legacy_burst"', "scaling model", "legacy_burst"),
    "04_lambda_vs_ec2.ipynb": ("panel", '{"request rate (req/s)": 30.0, "memory (MB)": memory_mb, '
                               '"mean duration (s)": mean_s, "EC2 instance type": "m5.large"}',
                               "panel.memory.value = 2048", "memory (MB)", 2048),
    "05_real_trace.ipynb": ("panel", '{"keep-alive (min)": keep_alive_min, "functions of the trace": 50}',
                            "panel.keep_alive_min.value = 0", "keep-alive (min)", 0),
    "07_event_driven_pipelines.ipynb": ("panel", '{"photo uploads (req/s)": upload_rate_per_s, '
                                        '"stream batch size (records)": 100, "chunks per film": 24}',
                                        "panel.chunks.value = 8", "chunks per film", 8),
}


def _print_json(tag: str, expr: str) -> str:
    return f"import json as __json\nprint({tag!r}, __json.dumps({expr}, default=str))"


def _outputs(cell) -> dict[str, object]:
    """The tagged lines a cell printed (its stream outputs joined first: a line may arrive in pieces)."""
    text = "".join(out.get("text", "") for out in cell.get("outputs", []) if out.get("name") == "stdout")
    found = {}
    for line in text.splitlines():
        tag, _, payload = line.partition(" ")
        if tag in ("@@shown", "@@after", "@@narrative", "@@again"):
            found[tag] = json.loads(payload)
    return found


def _close(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= 1e-9 * max(1.0, abs(b))
    return a == b


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_run_all_leaves_the_panel_as_the_narrative_set_it(name):
    panel, narrative, move, knob, moved = CASES[name]
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    shows = [i for i in code if f"{panel}.widget" in nb.cells[i].source.splitlines()[-1]
             or nb.cells[i].source.strip().endswith(f"\n{panel}")]
    assert len(shows) == 1, f"{name}: one cell must show the panel"
    checks = code[-1]
    assert "assert" in nb.cells[checks].source, f"{name}: the last code cell holds the checks"
    new = nbformat.v4.new_code_cell
    nb.cells.insert(shows[0] + 1, new(CONTROLS + _print_json("@@shown", f"__controls({panel}.widget)")))
    nb.cells += [
        new(_print_json("@@after", f"__controls({panel}.widget)") + "\n"
            + _print_json("@@narrative", narrative)),
        new(move),
        new(nb.cells[checks + 1].source),  # the Checks cell again (shifted by the snapshot cell)
        new(_print_json("@@again", f"__controls({panel}.widget)")),
    ]
    nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    seen: dict[str, dict] = {}
    for cell in nb.cells:
        seen.update(_outputs(cell))
    shown, after, told, again = seen["@@shown"], seen["@@after"], seen["@@narrative"], seen["@@again"]

    assert set(told) <= set(shown), (told, shown)  # the narrative's knobs are on the panel
    assert all(_close(shown[k], v) for k, v in told.items()), (shown, told)  # ... set as the text says
    assert after == shown, f"Run All moved the panel's controls: {shown} -> {after}"
    assert shown[knob] != moved  # the user's move is a real change
    assert again == {**shown, knob: moved}, f"the Checks cell moved the user's controls: {again}"
