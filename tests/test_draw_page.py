"""The Draw page through AppTest, with a drawing injected where the canvas would send it."""

from __future__ import annotations

import base64
import io
import json
import time

import numpy as np
from PIL import Image

from lib.jobs import JobManager
from lib.presets import PRESETS
from lib.training import make_config
from tests.apptest_helpers import open_page, plotly_specs, texts


def _data_url(rgba: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _trained_digits_run() -> str:
    settings = PRESETS["digits_mlp"].settings()
    settings.fit.epochs = 3
    manager = JobManager(workers=1)
    run = manager.submit(make_config(PRESETS["digits_mlp"].spec((8, 8, 1)), "digits", 0, "classes", settings))
    while manager.is_active(run.run_id):
        time.sleep(0.1)
    return run.run_id


def test_injected_drawing_gets_a_prediction_and_the_8x8_view():
    run_id = _trained_digits_run()
    at = open_page("draw", "en")
    assert not at.exception
    assert "The canvas is empty" in texts(at)
    at.selectbox(key="draw.run").set_value(run_id).run()
    rgba = np.zeros((280, 280, 4), dtype="uint8")
    rgba[..., 3] = 255
    rgba[40:240, 125:155, :3] = 255  # a "1"
    at.session_state["draw.canvas.0"] = {
        "drawing": {"raw": {"objects": [{"type": "path"}]}, "data": _data_url(rgba)},
        "backgroundFit": None,
    }
    at.run()
    assert not at.exception
    assert "The model says" in texts(at)
    probs = next(json.loads(s) for s in plotly_specs(at) if "Probabilities" in s)
    assert abs(sum(probs["data"][0]["y"]) - 100) < 1
    view = next(json.loads(s) for s in plotly_specs(at) if '"hovertemplate":"row' in s)
    z = view["data"][0]["z"]  # plotly sends numpy arrays as typed base64 with their shape
    shape = tuple(int(d) for d in z["shape"].split(",")) if isinstance(z, dict) else np.asarray(z).shape
    assert shape == (8, 8)


def test_a_broken_upload_is_explained_in_portuguese():
    _trained_digits_run()
    at = open_page("draw", "pt")
    at.segmented_control(key="draw.source").set_value("upload").run()
    assert not at.exception
    assert "O quadro está vazio" in texts(at)
