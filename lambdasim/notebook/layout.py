"""One look and feel for every panel: controls, busy state, exports, tables.

- :func:`slider` / :func:`log_slider` / :func:`dropdown`: labelled controls of one width that
  re-simulate on release (``continuous_update=False``), labels never cut.
- :class:`Busy`: while a panel re-simulates, its status line says so and its controls are
  disabled; afterwards it says how long the run took (or the error, in one line).
- :func:`export_links`: download links (scenario YAML, results CSV, figure PNG) as data URIs,
  so they work in JupyterLab and in Voilà without a server round trip; :func:`scenario_yaml` and
  :func:`metrics_csv` write what they carry.
- :func:`metric_table`: (metric key, value) rows as an HTML table with the project's labels.
- :func:`frame`: title, controls, exports and outputs in one arrangement for every panel.
"""
from __future__ import annotations

import base64
import html
import time
from typing import Any, Iterable

import ipywidgets as w

from lambdasim.labels import fmt, fmt_metric, label

__all__ = ["STYLE", "DPI", "slider", "log_slider", "dropdown", "Busy", "export_links", "metric_table", "frame",
           "error_html", "scenario_yaml", "metrics_csv"]

STYLE = {"description_width": "190px"}
WIDTH = "520px"
DPI = 110  # figures in panels: crisp text without huge images

CSS = """<style>
.lambdasim-panel table.lambdasim-table td { padding: 1px 10px; }
.lambdasim-panel table.lambdasim-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
.lambdasim-busy { color: #a15c00; font-weight: 600; }
.lambdasim-busy::before { content: ''; display: inline-block; width: 9px; height: 9px; margin-right: 6px;
  border-radius: 50%; background: #e69500; animation: lambdasim-pulse 0.8s infinite alternate; }
@keyframes lambdasim-pulse { from { opacity: 1; } to { opacity: 0.2; } }
.lambdasim-exports a { margin-right: 14px; padding: 2px 8px; border: 1px solid #c8ced8; border-radius: 4px;
                       text-decoration: none; color: #1d2330; background: #f6f7f9; }
</style>"""


def _common(kw: dict[str, Any], cls: str | None) -> dict[str, Any]:
    return {"continuous_update": False, "style": STYLE, "layout": w.Layout(width=WIDTH), **kw}


def slider(description: str, value: int, lo: int, hi: int, step: int, name: str | None = None, **kw) -> w.IntSlider:
    s = w.IntSlider(value=int(min(max(value, lo), hi)), min=lo, max=hi, step=step, description=description,
                    **_common(kw, name))
    return s.add_class(f"lambdasim-{name}") if name else s


def log_slider(description: str, value: float, lo: float, hi: float, name: str | None = None,
               **kw) -> w.FloatLogSlider:
    import math

    s = w.FloatLogSlider(value=min(max(float(value), lo), hi), base=10, min=math.log10(lo), max=math.log10(hi),
                         step=0.05, readout_format=".3g", description=description, **_common(kw, name))
    return s.add_class(f"lambdasim-{name}") if name else s


def dropdown(description: str, options, value, name: str | None = None) -> w.Dropdown:
    d = w.Dropdown(options=options, value=value, description=description, style=STYLE, layout=w.Layout(width=WIDTH))
    return d.add_class(f"lambdasim-{name}") if name else d


def error_html(exc: BaseException) -> str:
    return f"<span style='color:#b00'>{html.escape(str(exc))}</span>"


class Busy:
    """``with Busy(status, controls):`` shows "simulating…" and disables the controls meanwhile.

    Afterwards the status line numbers the update ("update 3 took 0.4 s"), so it changes on every
    run, even when two runs take the same time. One ``Busy`` per panel, entered on every update.
    """

    def __init__(self, status: w.HTML, controls: Iterable[w.Widget], what: str = "simulating"):
        self.status, self.controls, self.what = status, list(controls), what
        self.count = 0

    def __enter__(self):
        self.t0 = time.perf_counter()
        self.count += 1
        self.status.value = f"<span class='lambdasim-busy'>{html.escape(self.what)}…</span>"
        for c in self.controls:
            c.disabled = True
        return self

    def __exit__(self, kind, exc, tb):
        for c in self.controls:
            c.disabled = False
        if exc is None:
            self.status.value = f"<small>update {self.count} took {time.perf_counter() - self.t0:.2f} s</small>"
        else:  # the panel shows why; the busy sign must not stay
            self.status.value = "<small>not updated: see the message</small>"
        return False


def _link(data: bytes, filename: str, mime: str, text: str) -> str:
    uri = f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
    return f"<a download='{html.escape(filename)}' href='{uri}'>{html.escape(text)}</a>"


def export_links(name: str, *, scenario_yaml: str | None = None, csv: str | None = None,
                 png: bytes | None = None) -> str:
    """Download links for what a panel shows (``name`` prefixes the file names)."""
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name) or "lambdasim"
    links = []
    if scenario_yaml is not None:
        links.append(_link(scenario_yaml.encode(), f"{stem}.yaml", "text/yaml", "⬇ scenario (YAML)"))
    if csv is not None:
        links.append(_link(csv.encode(), f"{stem}.csv", "text/csv", "⬇ results (CSV)"))
    if png is not None:
        links.append(_link(png, f"{stem}.png", "image/png", "⬇ figure (PNG)"))
    return f"<div class='lambdasim-exports'>{''.join(links)}</div>"


def scenario_yaml(scenario) -> str:
    """The scenario as the YAML a user can run again (``lambdasim run FILE``)."""
    import yaml

    return yaml.safe_dump(scenario.to_dict(), sort_keys=False, allow_unicode=True)


def metrics_csv(rows: Iterable[tuple[str, Any]]) -> str:
    """(metric key, value) rows as CSV: the key, its human label and the raw value (empty when missing)."""
    import csv
    import io
    import math

    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["metric", "label", "value"])
    for k, v in rows:
        v = v.item() if hasattr(v, "item") else v
        missing = v is None or (isinstance(v, float) and not math.isfinite(v))
        out.writerow([k, label(k), "" if missing else v])
    return buf.getvalue()


def metric_table(rows: Iterable[tuple[str, Any]], reasons: dict[str, str] | None = None) -> str:
    """(metric key, value) rows as an HTML table: human labels, formatted values, n/a with a reason."""
    reasons = reasons or {}
    cells = "".join(f"<tr><td>{html.escape(label(k, table=True))}</td>"
                    f"<td class='num' data-key='{html.escape(k)}'>{html.escape(fmt_metric(k, v, reasons.get(k, '')))}</td></tr>"
                    for k, v in rows)
    return f"<table class='lambdasim-table'>{cells}</table>"


def frame(title: str, controls: list[w.Widget], status: w.HTML, outputs: list[w.Widget],
          exports: w.HTML | None = None, side: w.Widget | None = None) -> w.VBox:
    """Title, then controls (with the status and exports under them) beside ``side``, then outputs."""
    head = w.HTML(CSS + f"<b>{html.escape(title)}</b>")
    left = w.VBox([head, *controls, status] + ([exports] if exports is not None else []))
    top = w.HBox([left, side]) if side is not None else left
    return w.VBox([top, *outputs]).add_class("lambdasim-panel")


def money(v: float) -> str:
    return fmt(v, "usd")
