"""The whole path in a real browser: train through the UI, draw with the mouse, get an answer,
then ask how robust the model is and train the same network with augmentation (#31)."""

from __future__ import annotations

import base64
import io
import json
import time

import numpy as np
import pytest
from PIL import Image

from lib.data import datasets
from lib.infer.drawing import prepare_drawing
from tests.browser.conftest import SERVER, ink_at, screenshot, settle, train_from_training_page
from tests.waiting import wait_until

pytestmark = pytest.mark.browser


def _draw_stroke(page) -> None:
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for()
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + 40
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 21):
        page.mouse.move(x + (step % 3), y + step * 10, steps=2)
    page.mouse.up()


def _line(page, start: tuple[float, float], end: tuple[float, float], steps: int = 12) -> None:
    """One stroke from ``start`` to ``end`` (canvas fractions), mouse down to mouse up, no pause after."""
    box = page.locator("canvas.upper-canvas").first.bounding_box()
    point = lambda f: (box["x"] + f[0] * box["width"], box["y"] + f[1] * box["height"])  # noqa: E731
    page.mouse.move(*point(start))
    page.mouse.down()
    for step in range(1, steps + 1):
        t = step / steps
        page.mouse.move(*point((start[0] + t * (end[0] - start[0]), start[1] + t * (end[1] - start[1]))))
    page.mouse.up()


def _canvas_pixels(page) -> np.ndarray:
    """The drawing as the student sees it (strokes over the black background), RGB 0-255."""
    url = page.locator("canvas.dc-canvas.lower-canvas").first.evaluate("el => el.toDataURL('image/png')")
    rgba = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGBA"), "float32")
    return (rgba[..., :3] * rgba[..., 3:] / 255).astype("uint8")  # over black, as the canvas is filled


def _model_input(page) -> list[list[float]] | None:
    """The exact array the model received for the last drawing (the Draw page's own view of it).

    None while Plotly has not drawn the view yet (a rerun replaced it): the wait asks again.
    """
    view = page.locator(".js-plotly-plot").filter(has=page.locator(".heatmaplayer")).first
    return view.evaluate(  # (decoded by Plotly)
        "el => el._fullData && el._fullData[0] ? Array.from(el._fullData[0].z, row => Array.from(row)) : null"
    )


def _matches(seen: list[list[float]] | None, expected: np.ndarray) -> bool:
    return seen is not None and np.abs(np.array(seen) - expected).max() < 0.02


def _runs_since(since: float, kind: str) -> list[dict]:
    """The Draw page's script runs of ``kind`` ("page" or "fragment") the server logged after ``since``."""
    lines = (json.loads(line) for line in (SERVER["home"] / "timings.jsonl").read_text().splitlines())
    return [r for r in lines if r.get("page") == "draw" and r.get("kind") == kind and r["t"] > since]


def test_train_then_draw_then_predict(page, app_url):
    page.goto(f"{app_url}/?lang=en")  # open the default page first, then navigate (see STACK.md)
    page.get_by_role("link", name="Training").first.click()
    train_from_training_page(page, epochs=2, seed=11)

    page.get_by_role("link", name="Draw").first.click()
    page.get_by_text("The canvas is empty").wait_for()
    _draw_stroke(page)
    page.get_by_text("The model says").wait_for()
    chart = page.locator(".js-plotly-plot").filter(has_text="Probabilities").first
    chart.wait_for()
    values = chart.evaluate("el => el.data[0].y")
    values = list(values.values()) if isinstance(values, dict) else values
    assert len(values) == 10 and abs(sum(values) - 100) <= 1
    # Side by side: the canvas, the exact 8×8 array the model receives, training images of its answer.
    answer = page.get_by_text("The model says").inner_text().split("The model says")[1].split("(")[0].strip()
    page.get_by_text(f"In training: “{answer}”").wait_for()
    page.get_by_text("What was done to this picture").wait_for()
    view = page.locator(".js-plotly-plot").filter(has=page.locator(".heatmaplayer")).first
    assert view.evaluate("el => el._fullLayout.xaxis.range[1]") == pytest.approx(7.5, abs=0.01)  # 8 columns
    boxes = [page.locator("canvas.upper-canvas").first.bounding_box(), view.bounding_box()]
    assert boxes[1]["x"] > boxes[0]["x"] + boxes[0]["width"] - 1  # beside the canvas, not under it
    screenshot(page, "draw-en")
    # What is inside: only the open tab is computed; a click on another tab draws its content.
    page.get_by_text("Warm colours").first.wait_for()
    page.get_by_role("tab", name="Every layer").click()
    page.get_by_text("One bar per unit").first.wait_for()  # the first layer: its units
    assert page.get_by_text("Warm colours").count() == 0
    page.get_by_role("tab", name="What it looks at").click()
    page.get_by_text("Warm colours").first.wait_for()

    # A "4" in two strokes with no pause: the second begins while the server still answers the
    # first (#26: the first stroke was erased, and the model read "1"). Both stay on the canvas,
    # and the last prediction is made on both.
    page.get_by_role("button", name="Clear").click()
    page.get_by_text("The canvas is empty").wait_for()
    settle(page)
    marker = time.time()
    _line(page, (0.25, 0.15), (0.25, 0.55))  # down the left,
    _line(page, (0.25, 0.55), (0.75, 0.55))  # across,
    _line(page, (0.60, 0.15), (0.60, 0.90))  # and the long vertical stroke: three strokes, no pause
    page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(state="attached")
    # The canvas paints a finished stroke on its next animation frame, which a page busy drawing
    # the last answer's charts can delay: read it until all three are there (an erased stroke
    # never comes back, and the wait fails at its deadline with what the canvas showed).
    strokes = [(0.25, 0.35), (0.45, 0.55), (0.60, 0.80)]
    wait_until(lambda: ink_at(page, strokes) == [True, True, True], "all three strokes on the canvas",
               seen=lambda: ink_at(page, strokes))  # fmt: skip
    # A stroke reruns the drawing's part of the page, not the page with its sidebar and run list.
    assert _runs_since(marker, "fragment") and not _runs_since(marker, "page")

    # The model's input must become what the recipe makes of the canvas as the student sees it
    # (every stroke): a lost last update never matches, and the wait fails at its deadline.
    expected = prepare_drawing(_canvas_pixels(page), datasets.REGISTRY["digits"]).view
    wait_until(lambda: _matches(_model_input(page), expected),
               "the model's input to be the whole drawing", seen=lambda: _model_input(page))  # fmt: skip
    screenshot(page, "draw-two-strokes-en")

    # How robust is my model? Its curves for the drawing, then for 200 test images; one click
    # trains the same network with augmentation layers; then both runs' curves side by side.
    page.get_by_text("Test it: thinner and thicker strokes, moved, turned").click()
    curves = page.locator(".js-plotly-plot").filter(has_text="Stroke width").first
    curves.wait_for()
    assert _names(curves) == ["without augmentation (this run)"] * 3  # one curve on each of the three panels
    page.get_by_text("What the steps look like").click()  # the drawing thinner, thicker, moved, turned
    page.get_by_text("+2 px", exact=True).first.wait_for()
    settle(page)
    page.get_by_text("200 test images", exact=True).click()
    page.locator(".js-plotly-plot").filter(has_text="right (%)").first.wait_for()
    settle(page)
    page.get_by_role("button", name="Train the same network with augmentation").click()
    both = page.locator(".js-plotly-plot").filter(has_text="with augmentation").filter(has_text="right (%)").first
    both.wait_for()  # the augmented run trained (a few seconds), and the page reran with its curves
    settle(page)
    assert sorted(set(_names(both))) == ["with augmentation", "without augmentation (this run)"]
    page.get_by_text("the one with augmentation").wait_for()
    screenshot(page, "draw-robust-en")

    # The same panel in Portuguese: the language switch keeps the session and the choices.
    page.get_by_text("Português (Brasil)").click()
    page.get_by_text("Quão robusto é meu modelo?").wait_for()
    page.locator(".js-plotly-plot").filter(has_text="com augmentation").filter(has_text="acertos (%)").first.wait_for()
    page.get_by_text("a rede com augmentation").wait_for()
    settle(page)
    screenshot(page, "draw-robust-pt")


def _names(chart) -> list[str]:
    """The curve names of a Plotly chart in the page."""
    return chart.evaluate("el => el.data.map(t => t.name)")
