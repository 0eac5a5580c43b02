"""`lambdasim report`: papermill runs the report notebook, nbconvert writes HTML;
and every notebook carries the `parameters` cell that papermill and CI rely on."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from lambdasim.cli import main

ROOT = Path(__file__).absolute().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_report_writes_html_with_tables_and_plots(tmp_path, capsys):
    out = tmp_path / "r" / "report.html"
    assert main(["report", str(ROOT / "data" / "scenarios" / "default.yaml"), "--set", "horizon_s=300",
                 "--set", "functions.0.workload.rate_per_s=2", "--out", str(out)]) == 0
    html = out.read_text()
    assert "Headline metrics" in html and "cold_start_rate" in html
    assert html.count("data:image/png;base64") >= 2  # the time series and the latency CDF
    assert "horizon 300 s" in html and "plot_timeseries(" not in html  # the override reached the kernel; code hidden
    assert not list(out.parent.glob(".*.tmp"))


def test_report_of_a_bad_scenario_fails_fast_with_status_2(tmp_path, capsys):
    assert main(["report", str(ROOT / "data" / "scenarios" / "default.yaml"), "--set", "functions.0.memory_mb=64",
                 "--out", str(tmp_path / "r.html")]) == 2
    assert "memory_mb" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_notebook_has_one_parameters_cell(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"
