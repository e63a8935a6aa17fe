"""The "inside the network" panels through AppTest, in English and Portuguese.

Draw page: heatmap, every layer, learned filters and the projector for a drawing; Runs page:
the confusion matrix's cells with their images, a test image's heatmap, the projector.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from lib.i18n import t
from lib.model.presets import PRESETS
from lib.model.spec import sequential
from lib.train.jobs import JobManager
from lib.train.training import make_config
from tests.apptest_helpers import open_page, plotly_specs, texts
from tests.job_helpers import wait
from tests.test_draw_page import _canvas_value


@pytest.fixture(scope="module")
def conv_run() -> str:
    """A small convnet trained on the 8×8 digits (2 epochs)."""
    spec = sequential(
        (8, 8, 1),
        ("Conv2D", {"filters": 6, "kernel_size": 3, "activation": "relu", "padding": "same"}),
        ("Conv2D", {"filters": 8, "kernel_size": 3, "activation": "relu"}),
        ("Flatten", {}),
        ("Dense", {"units": 10, "activation": "softmax"}),
        name="digits_conv",
    )
    settings = PRESETS["digits_mlp"].settings().with_fit(epochs=2)
    manager = JobManager(workers=1)
    run = manager.submit(make_config(spec, "digits", 0, "classes", settings))
    wait(manager, run.run_id)
    assert manager.status(run.run_id).state == "done"
    return run.run_id


def _drawn(at, run_id: str) -> None:
    at.selectbox(key="draw.run").set_value(run_id).run()
    rgba = np.zeros((280, 280, 4), dtype="uint8")
    rgba[..., 3] = 255
    rgba[40:240, 125:155, :3] = 255  # a "1"
    at.session_state["draw.canvas.0"] = _canvas_value(rgba)
    at.run()
    assert not at.exception, at.exception


def _figures(at) -> list[dict]:
    return [json.loads(spec) for spec in plotly_specs(at)]


def _open_tab(at, name: str, lang: str) -> None:
    """Open one of the Draw page's tabs of what is inside the network (as a click on it does)."""
    at.session_state["draw.inside"] = t(f"inside.tab.{name}", lang)
    at.run()
    assert not at.exception, at.exception


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_draw_page_shows_heatmap_layers_filters_and_projector(conv_run, lang):
    at = open_page("draw", lang)
    _drawn(at, conv_run)
    page = texts(at)
    warm = {"en": "Warm colours", "pt": "Cores quentes"}[lang]
    assert warm in page
    heat = next(f for f in _figures(at) if any(t.get("colorscale") and t.get("opacity") == 0.55 for t in f["data"]))
    overlay = next(t for t in heat["data"] if t.get("opacity") == 0.55)
    z = np.asarray(overlay["z"]["bdata"] if isinstance(overlay["z"], dict) else overlay["z"])
    assert z.size  # the heatmap was sent
    # Grad-CAM by default on a convnet, on its last convolution, per position (the head flattens).
    assert at.segmented_control(key="draw.heat.method").value == "gradcam"
    assert at.selectbox(key="draw.heat.layer").value == at.selectbox(key="draw.heat.layer").options[-1]
    assert {"en": "HiResCAM", "pt": "HiResCAM"}[lang] in page
    # Only the open tab is drawn: no layer picker until its tab is opened.
    assert not [w for w in at.selectbox if w.key == "draw.layers.pick"]
    _open_tab(at, "layers", lang)
    assert not [w for w in at.selectbox if w.key == "draw.heat.layer"]  # the first tab's content went
    # Every layer: the last one by default shows bars; picking the first conv layer shows its maps.
    pick = at.selectbox(key="draw.layers.pick")
    assert len(pick.options) == 4
    pick.set_value(0).run()
    assert {"en": "Each square is one filter's output", "pt": "Cada quadrado é a saída de um filtro"}[lang] in texts(at)
    assert any("(8, 8, 6)" in f["layout"].get("title", {}).get("text", "") for f in _figures(at))
    at.selectbox(key="draw.layers.pick").set_value(3).run()
    assert {"en": "one bar per class", "pt": "uma barra por classe"}[lang] in texts(at)
    _open_tab(at, "filters", lang)
    # Learned filters: 6 filters of 3×3 (one input channel).
    assert any("6" in f["layout"].get("title", {}).get("text", "") and "3×3" in f["layout"]["title"]["text"]
               for f in _figures(at))  # fmt: skip
    # Saliency for another class.
    _open_tab(at, "looks", lang)
    at.segmented_control(key="draw.heat.method").set_value("saliency").run()
    at.segmented_control(key="draw.heat.which").set_value("other").run()
    at.selectbox(key="draw.heat.class").set_value(7).run()
    assert not at.exception
    assert any("“7”" in a.get("text", "") for f in _figures(at) for a in f["layout"].get("annotations", []))
    # The projector with the drawing among the test images.
    _open_tab(at, "among", lang)
    at.toggle(key="draw.proj_on").set_value(True).run()
    assert not at.exception, at.exception
    projectors = [f for f in _figures(at) if any(t.get("type") == "scatter" and t.get("customdata") for t in f["data"])]
    assert len(projectors) == 2  # before and after training
    after = projectors[1]
    drawn = {"en": "Your drawing", "pt": "Seu desenho"}[lang]
    assert any(t.get("name") == drawn for t in after["data"])
    assert sum(len(t["customdata"]) for t in after["data"] if t.get("name") != drawn) == 360  # the whole test set
    assert {"en": "The black star is your drawing", "pt": "A estrela preta é o seu desenho"}[lang] in texts(at)
    if lang == "pt":
        assert after["layout"]["separators"] == ",."
        assert "da variância" in after["layout"]["title"]["text"]


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_runs_page_confusion_cells_test_image_heatmap(conv_run, lang):
    at = open_page("runs", lang)
    at.toggle(key="runs.whole_class").set_value(True).run()
    at.selectbox(key="runs.eval").set_value(conv_run).run()
    assert not at.exception, at.exception
    matrix = next(f for f in _figures(at) if f["layout"].get("clickmode") == "event+select")
    cells = next(t for t in matrix["data"] if t.get("type") == "scatter")
    assert len(cells["customdata"]) == 100 and cells["customdata"][12] == [1, 2]
    page = texts(at)
    # The most confused cell is chosen first; picking a diagonal cell shows right answers.
    wrong = {"en": "taken for", "pt": "tomadas por"}[lang]
    assert wrong in page or {"en": "No test image", "pt": "Nenhuma"}[lang] in page
    at.selectbox(key="runs.inside.cells.true").set_value(3).run()
    at.selectbox(key="runs.inside.cells.predicted").set_value(3).run()
    page = texts(at)
    assert {"en": "“3” images answered right", "pt": "imagens de “3” acertadas"}[lang] in page
    assert len(at.get("image")) >= 1  # the cell's test images
    # What the model looks at, for a test image: the cell's images first.
    image = at.selectbox(key="runs.inside.look.image")
    assert image.index == 0 and "3 → 3" in image.options[0]
    assert {"en": "Warm colours", "pt": "Cores quentes"}[lang] in texts(at)
    # The projector, before and after training, behind its toggle.
    at.toggle(key="runs.inside.proj_on").set_value(True).run()
    assert not at.exception, at.exception
    projectors = [f for f in _figures(at) if any(t.get("type") == "scatter" and t.get("customdata") for t in f["data"])
                  and f["layout"].get("clickmode") != "event+select"]  # fmt: skip
    assert len(projectors) == 2
    titles = [f["layout"]["title"]["text"] for f in projectors]
    assert titles[0].startswith({"en": "Before training", "pt": "Antes do treino"}[lang])
    assert {"en": "a tight cluster of one colour", "pt": "um grupo compacto de uma cor"}[lang] in texts(at)
