"""The whole path in a real browser: train through the UI, draw with the mouse, get an answer,
then ask how robust the model is and train the same network with augmentation (#31)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, settle, train_from_training_page

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
