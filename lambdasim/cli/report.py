"""``lambdasim report SCENARIO --out report.html``: an HTML report of one scenario.

Executes the report notebook (``notebooks/report.ipynb``; its
``parameters`` cell takes ``scenario_path``, ``overrides`` and
``horizon_s``) with papermill, then converts the executed notebook to HTML
with nbconvert. The scenario is validated first, so bad input fails fast
with one message.
"""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from lambdasim.errors import LambdasimError
from .common import add_scenario_args, load_scenario, scenario_overrides

DEFAULT_NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "report.ipynb"


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="execute the report notebook for a scenario and write HTML",
                       description="Execute a report notebook for one scenario with papermill and write "
                                   "the result (tables and plots) as one HTML file.")
    add_scenario_args(p)
    p.add_argument("--out", required=True, type=Path, metavar="FILE.html", help="HTML file to write")
    p.add_argument("--notebook", type=Path, default=DEFAULT_NOTEBOOK, metavar="NB.ipynb",
                   help="report notebook with a 'parameters' cell (default notebooks/report.ipynb)")
    p.add_argument("--show-code", action="store_true", help="keep the code cells in the HTML")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    load_scenario(args)  # fail fast, with one message, on a bad scenario or --set
    if not args.notebook.is_file():
        raise LambdasimError(f"Report notebook {str(args.notebook)!r} does not exist.")
    params = {"scenario_path": str(Path(args.scenario).resolve()), "overrides": scenario_overrides(args),
              "horizon_s": None}
    with tempfile.TemporaryDirectory() as tmp:
        executed = Path(tmp) / "report.ipynb"
        try:
            papermill.execute_notebook(str(args.notebook), str(executed), parameters=params,
                                       cwd=str(args.notebook.parent), progress_bar=False, log_output=False)
        except papermill.PapermillExecutionError as exc:
            raise LambdasimError(f"the report notebook failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}") from None
        nb = nbformat.read(executed, as_version=4)
    html, _ = HTMLExporter(exclude_input=not args.show_code, exclude_input_prompt=True,
                           exclude_output_prompt=True).from_notebook_node(nb)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_name(f".{args.out.name}.{os.getpid()}.tmp")
    tmp_out.write_text(html, encoding="utf-8")
    os.replace(tmp_out, args.out)
    print(f"wrote {args.out}")
    return 0
