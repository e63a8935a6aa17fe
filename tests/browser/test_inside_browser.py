"""In a real browser: click a confusion-matrix cell on the Runs page and see that cell's images."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, train_from_training_page

pytestmark = pytest.mark.browser


def _click_cell(page, chart, true: int, predicted: int) -> None:
    """Click the centre of cell (true, predicted) of a Plotly confusion matrix, in screen pixels."""
    x, y = chart.evaluate(
        """(el, cell) => {
            const xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis, box = el.getBoundingClientRect();
            return [box.left + xa._offset + xa.l2p(cell[1]), box.top + ya._offset + ya.l2p(cell[0])];
        }""",
        [true, predicted],
    )
    page.mouse.click(x, y)


def test_click_a_confusion_cell_and_see_its_images(page, app_url):
    page.goto(f"{app_url}/?lang=en")
    page.get_by_role("link", name="Training").first.click()
    train_from_training_page(page, epochs=2, seed=5)
    page.get_by_role("link", name="Runs").first.click()
    chart = page.locator(".js-plotly-plot").filter(has_text="Confusion matrix").first
    chart.wait_for()
    page.get_by_text("Click a cell").wait_for()
    chart.scroll_into_view_if_needed()
    _click_cell(page, chart, 3, 3)
    heading = page.get_by_text("“3” images answered right")
    heading.wait_for()
    page.get_by_text("% sure").first.wait_for()  # each image captioned with its probability
    page.wait_for_function("() => document.querySelectorAll('[data-testid=stImage] img').length >= 48")
    assert page.locator("[data-testid=stImage] img").count() >= 48  # the cell: 24 of 33; mistakes: 24
    # Another cell: the digits taken for something else (or an empty cell, said so).
    _click_cell(page, chart, 8, 1)
    page.get_by_text("“8” images taken for “1”").or_(page.get_by_text("No test image in this cell")).wait_for()
    screenshot(page, "inside-confusion-en")
