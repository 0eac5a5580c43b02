"""A notebook panel for the event-driven pipelines: upload rate, stream batch size, chunks per film.

Moving the upload rate or the batch size re-runs the photo pipeline;
moving the chunk count re-runs the media encoding. The panel shows a table
(end-to-end p50 / p99, cost per root event on Lambda and on the EC2 design)
and a PNG (end-to-end latency CDFs; where the time goes on the critical
path), drawn with matplotlib's Agg canvas into an ``ipywidgets.Image``, so
a plain test can set ``panel.rate.value`` and read ``panel.rows``.
"""
from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd

from lambdasim.labels import fmt
from lambdasim.notebook.layout import Busy, export_links, frame, log_slider, scenario_yaml, slider

import lambdasim.notebook.pipelines as pipelines
from lambdasim.viz.application import plot_e2e_latency, plot_time_parts
from lambdasim.viz.figure import bare_figure, png_bytes
from lambdasim.simulation import simulate

__all__ = ["PipelinePanel"]


class PipelinePanel:
    def __init__(self, photo_horizon_s: float = 600.0, film_horizon_s: float = 21600.0, seed: int = 8):
        self.photo_horizon_s, self.film_horizon_s, self.seed = photo_horizon_s, film_horizon_s, seed
        self.rate = log_slider("photo uploads (req/s)", 2.0, 0.1, 31.6, "rate")
        self.batch = slider("stream batch size (records)", 100, 1, 1000, 1, "batch")
        self.chunks = slider("chunks per film", 24, 1, 60, 1, "chunks")
        self.status = w.HTML().add_class("lambdasim-status")
        self.busy = Busy(self.status, [self.rate, self.batch, self.chunks], "simulating the pipeline")
        self.exports = w.HTML()
        self.table = w.HTML().add_class("lambdasim-summary")
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%")).add_class("lambdasim-plots")
        self.rate.observe(self._photo, names="value")
        self.batch.observe(self._photo, names="value")
        self.chunks.observe(self._film, names="value")
        self.widget = frame("Two event-driven pipelines on Lambda and on EC2", [self.rate, self.batch, self.chunks],
                            self.status, [self.table, self.image], exports=self.exports)
        self.results: dict = {}
        self.rows: dict[str, dict] = {}
        self.scenarios: dict = {}
        self._photo()
        self._film()

    def _photo(self, _change=None) -> None:
        with self.busy:
            sc = pipelines.photo(round(self.rate.value, 3), self.batch.value, self.photo_horizon_s, self.seed)
            self._run("photo upload", sc)

    def _film(self, _change=None) -> None:
        with self.busy:
            sc = pipelines.encoding(self.chunks.value, horizon_s=self.film_horizon_s, seed=self.seed)
            self._run("film", sc, ec2_time_s=pipelines.film_time_ec2_s(sc, self.chunks.value))

    def _run(self, label: str, sc, ec2_time_s: float | None = None) -> None:
        lam = simulate(sc)
        cost = pipelines.cost_per_root(sc, lam)
        by = cost.groupby("platform")["usd_per_root"].sum()
        s = lam.summary
        self.results[label], self.scenarios[label] = lam, sc
        self.rows[label] = {"roots": s["roots"], "e2e p50 (s)": s["e2e_latency_p50_s"],
                            "e2e p99 (s)": s["e2e_latency_p99_s"], "Lambda USD/root": by["Lambda"],
                            "EC2 USD/root": by["EC2"], "EC2 fleet": cost.attrs["ec2_fleet"],
                            "EC2 idle-fleet time (s)": ec2_time_s}
        self._draw()

    def _draw(self) -> None:
        self.table.value = self.table_html()
        if len(self.results) < 2:
            return
        fig, (a, b) = bare_figure((11, 3.6), layout="constrained", ncols=2)
        plot_e2e_latency(self.results, ax=a)
        plot_time_parts(self.results, ax=b, share=True)
        self.image.value = png_bytes(fig)
        yaml_text = "\n---\n".join(f"# the {name} pipeline\n" + scenario_yaml(sc) for name, sc in self.scenarios.items())
        csv = pd.DataFrame(self.rows).T.rename(columns=self.HEADS).rename_axis("pipeline").to_csv()
        self.exports.value = export_links("pipelines", scenario_yaml=yaml_text, csv=csv, png=bytes(self.image.value))

    #: How each column is written (lambdasim.labels.fmt kinds); missing values say why.
    KINDS = {"roots": "count", "e2e p50 (s)": "seconds", "e2e p99 (s)": "seconds", "Lambda USD/root": "usd",
             "EC2 USD/root": "usd", "EC2 fleet": "text", "EC2 idle-fleet time (s)": "seconds"}
    HEADS = {"roots": "root events", "e2e p50 (s)": "median end-to-end latency (s)",
             "e2e p99 (s)": "p99 end-to-end latency (s)", "Lambda USD/root": "Lambda cost per root event",
             "EC2 USD/root": "EC2 cost per root event", "EC2 fleet": "EC2 fleet",
             "EC2 idle-fleet time (s)": "film time on an idle EC2 fleet (s)"}

    def table_html(self) -> str:
        """The rows as an HTML table with human headings and formatted numbers."""
        head = "".join(f"<th>{html.escape(self.HEADS[k])}</th>" for k in self.KINDS)
        body = ""
        for name, row in self.rows.items():
            cells = "".join(f"<td class='num'>{html.escape(fmt(row[k], kind, 'photo uploads only' if k.startswith('EC2 idle') else ''))}</td>"
                            if kind != "text" else f"<td>{html.escape(str(row[k]))}</td>" for k, kind in self.KINDS.items())
            body += f"<tr><td>{html.escape(name)}</td>{cells}</tr>"
        return f"<table class='lambdasim-table'><tr><th></th>{head}</tr>{body}</table>"

    def _repr_html_(self) -> str:  # a text fallback outside a live kernel
        return html.escape(str(pd.DataFrame(self.rows).T))
