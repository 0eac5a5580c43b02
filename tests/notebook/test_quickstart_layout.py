"""The quickstart panel's fixed layout: every label inside the figure and clear of the plot beside it."""
import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

from lambdasim.notebook.quickstart import QuickstartPanel, panel_margins  # noqa: E402
from pathlib import Path  # noqa: E402
from lambdasim.scenario import Scenario  # noqa: E402



def test_longer_item_names_get_a_wider_left_margin():
    short, long = panel_margins(["requests"]), panel_margins(["requests", "provisioned concurrency x86_64"])
    assert long["left"] > short["left"] and long["wspace"] > short["wspace"]  # the plots share what is left
    assert 0 < long["left"] < long["right"] <= 1 and 0 < long["bottom"] < long["top"] <= 1


def test_every_label_fits_in_the_figure_and_beside_its_neighbour():
    sc = Scenario.from_file(Path(__file__).resolve().parents[2] / "data/scenarios/default.yaml")
    sc = sc.with_overrides({"functions.0.provisioned_concurrency": 2})  # a long bill item name
    panel = QuickstartPanel(sc, horizon_s=600, draw=False)
    assert max(len(i) for i in panel.result.cost["item"]) > 20
    fig = panel.figure()
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    r = canvas.get_renderer()
    box = fig.bbox
    tight = [ax.get_tightbbox(r) for ax in fig.axes]  # everything drawn: titles, labels, tick labels, notes
    for t in tight:
        assert box.x0 <= t.x0 and t.x1 <= box.x1 and box.y0 <= t.y0 and t.y1 <= box.y1
    for left, right in zip(tight, tight[1:]):  # no plot's texts run into the next plot's
        assert left.x1 < right.x0


def test_a_move_redraws_the_same_pixels_as_a_new_figure():
    """The panel keeps one figure across moves (plots taken off and drawn again on the same axes): after moves that
    change the bill's items, the colours and the limits, its PNG is the PNG of a new figure of the same run."""
    import io

    import numpy as np
    from PIL import Image

    from lambdasim.viz.figure import png_bytes

    sc = Scenario.from_file(Path(__file__).resolve().parents[2] / "data/scenarios/default.yaml")
    panel = QuickstartPanel(sc, horizon_s=900)
    pixels = lambda png: np.asarray(Image.open(io.BytesIO(png)))  # noqa: E731
    for knob, value in (("keep_alive", 0), ("rate", 40.0), ("memory", 4096), ("keep_alive", 900), ("rate", 0.01)):
        getattr(panel, knob).value = value
        assert np.array_equal(pixels(panel.image.value), pixels(png_bytes(panel.figure()))), (knob, value)
    # runs with other bill lines (provisioned concurrency) and with nothing completed (the n/a note), one after
    # the other on the same figure
    from lambdasim.simulation import simulate
    seen = set()
    for change in ({"functions.0.provisioned_concurrency": 2}, {"functions.0.reserved_concurrency": 0}, {}):
        panel.result = simulate(sc.with_overrides({"horizon_s": 600, **change}))
        seen.add((tuple(panel.result.cost["item"]), panel.result.summary["completed"] > 0))
        assert np.array_equal(pixels(panel.render_png()), pixels(png_bytes(panel.figure()))), change
    assert len(seen) == 3
