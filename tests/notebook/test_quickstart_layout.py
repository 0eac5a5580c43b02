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
