"""The one plot scaffolding every figure uses: axes of a size, human axis labels, the SLO line, the legend, PNGs.

Each ``plot_*`` function draws one view on an Axes it is given, or on new
axes (:func:`axes`); labels a metric key with its human label and unit
(:func:`lambdasim.labels.label`); draws an SLO as one kind of line
(:func:`slo_line`); places its legend (:func:`legend`); and a figure becomes
PNG bytes or a file at one resolution (:func:`png_bytes`, :func:`save`).
The decision document draws on bare :class:`~matplotlib.figure.Figure`
objects (:func:`figure_png`: no pyplot state, no backend switch).
"""
from __future__ import annotations

import io
from pathlib import Path

from lambdasim.labels import METRICS, label

__all__ = ["DPI", "axes", "bare_figure", "clear_artists", "figure_png", "label_axes", "legend", "png_bytes", "save",
           "slo_line", "text_of"]

#: Resolution of every panel PNG and saved figure: text stays crisp in JupyterLab, Voila and files.
DPI = 110


def axes(ax=None, figsize: tuple[float, float] = (7, 3.5), **subplots):
    """``ax`` when given; otherwise the axes of a new pyplot figure of ``figsize`` inches (``subplots``:
    ``ncols=2`` and the like, giving an array of axes)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, **subplots)
    return ax


def text_of(key_or_text: str) -> str:
    """A metric key (``latency_p99_s``) or a scenario path (``functions.0.memory_mb``) as its human label with
    unit (:func:`lambdasim.labels.label`; a rate is plotted as a fraction); other text (a label already) unchanged."""
    key = str(key_or_text)
    m = METRICS.get(key)
    if m is not None and m.kind == "percent":
        return f"{m.name} (fraction)"  # plotted as the fraction it is, not in percent
    if m is not None or ("." in key and " " not in key):
        return label(key)
    return key


def label_axes(ax, x: str | None = None, y: str | None = None) -> None:
    """Axis labels: metric keys become human labels with units (:func:`text_of`)."""
    if x is not None:
        ax.set_xlabel(text_of(x))
    if y is not None:
        ax.set_ylabel(text_of(y))


def slo_line(ax, value: float, text: str = "SLO (p99)", *, vertical: bool = False, color: str = "tab:red",
             **style) -> None:
    """The SLO drawn as every figure draws it: a thin line at ``value``, labelled ``text`` in the legend."""
    kw = {"color": color, "lw": 1, "label": text, **style}
    (ax.axvline if vertical else ax.axhline)(value, **kw)


def legend(ax, loc: str | None = None, size: str | int = "small", outside: bool = False, handles=None,
           **style) -> None:
    """The legend at ``loc`` (matplotlib's best place if None), or ``outside`` to the right of the axes;
    ``handles``: (artists, texts) gathered from several axes (a twin axis); ``style``: more legend options."""
    args = handles or ()
    if outside:
        ax.legend(*args, fontsize=size, loc="center left", bbox_to_anchor=(1.01, 0.5), **style)
    elif loc is None:
        ax.legend(*args, fontsize=size, **style)
    else:
        ax.legend(*args, fontsize=size, loc=loc, **style)


def png_bytes(fig, dpi: float = DPI) -> bytes:
    """A matplotlib figure as PNG bytes (for an ``ipywidgets.Image``; no pyplot state), at ``dpi`` (>= 100)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=max(float(dpi), 100.0))
    return buf.getvalue()


def save(fig, path: str | Path, dpi: float = DPI) -> Path:
    """Write ``fig`` to ``path`` (PNG by its suffix) at ``dpi``; the path written."""
    fig.savefig(path, dpi=dpi)
    return Path(path)


def bare_figure(figsize: tuple[float, float] = (7, 3.5), layout: str | None = None, dpi: float | None = None,
                **subplots):
    """A figure outside pyplot (no global state, no backend switch: safe in the CLI, in panels and in threads)
    and its axes (``subplots``: ``ncols=2``, ``width_ratios`` and the like); write it with :func:`save` or
    :func:`png_bytes`."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout=layout, dpi=dpi)
    return fig, fig.subplots(**subplots)


def clear_artists(ax) -> None:
    """Take off ``ax`` what its plot drew (lines, patches, texts, collections, images, legend, titles, axis labels,
    fixed ticks, limits), keeping the axes and their tick objects: a panel that redraws its plots on the same axes
    renders the pixels of new axes without paying for new axes and ticks on every move (tested in
    ``tests/notebook/test_quickstart_layout.py``). Locators and formatters go back to the scale's defaults."""
    for artist in [*ax.lines, *ax.patches, *ax.texts, *ax.collections, *ax.images, *ax.tables, *ax.artists]:
        artist.remove()
    if ax.legend_ is not None:
        ax.legend_.remove()
    for loc in ("center", "left", "right"):
        ax.set_title("", loc=loc)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xscale(ax.get_xscale())  # default locator and formatter of the scale (drops set_yticks and the like)
    ax.set_yscale(ax.get_yscale())
    ax.set_xlim(0.0, 1.0, auto=None)  # the limits of new axes, until data ask for others
    ax.set_ylim(0.0, 1.0, auto=None)
    ax.relim()
    ax.set_autoscale_on(True)
    ax.set_prop_cycle(None)  # colours start again at C0


def figure_png(draw, figsize=(9, 3.6), dpi: float = DPI, **subplots) -> bytes:
    """Draw on a fresh bare figure (``draw(fig, axes)``), lay it out tightly and return it as PNG bytes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    ax = fig.subplots(**subplots) if subplots else fig.subplots()
    draw(fig, ax)
    fig.tight_layout()
    return png_bytes(fig, dpi)
