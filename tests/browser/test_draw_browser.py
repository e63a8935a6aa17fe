"""The whole path in a real browser: train through the UI, draw with the mouse, get an answer."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, train_from_training_page

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
