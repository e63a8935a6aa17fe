"""In a real browser: click a confusion-matrix cell on the Runs page and see that cell's images."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot, settle, train_from_training_page

pytestmark = pytest.mark.browser


HEADING = re.compile(r"images (answered right|taken for)")


def _cell_heading(page) -> str:
    return page.get_by_text(HEADING).first.inner_text()


def _click_cell(page, chart, true: int, predicted: int) -> str:
    """Click the centre of cell (true, predicted) of a Plotly confusion matrix; return the heading drawn.

    The position is taken relative to the chart and Playwright clicks once the chart is still
    (its actionability checks): a page that moved the chart between measuring and clicking
    could not send the click to another cell. The heading below the chart names the cell
    shown; the click's rerun has drawn when it names another cell than before, and a click
    that reached the wrong cell then fails saying which.
    """
    settle(page)
    before = _cell_heading(page)
    x, y = chart.evaluate(
        """(el, cell) => {
            const xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis;
            return [xa._offset + xa.l2p(cell[1]), ya._offset + ya.l2p(cell[0])];
        }""",
        [true, predicted],
    )
    chart.click(position={"x": x, "y": y})
    page.wait_for_function(
        """([before]) => [...document.querySelectorAll('[data-testid=stMarkdownContainer] strong')]
            .some(el => /images (answered right|taken for)/.test(el.textContent) && el.textContent !== before)""",
        arg=[before],
    )
    settle(page)
    return _cell_heading(page)


def test_click_a_confusion_cell_and_see_its_images(page, app_url):
    page.goto(f"{app_url}/?lang=en")
    page.get_by_role("link", name="Training").first.click()
    train_from_training_page(page, epochs=2, seed=5)
    page.get_by_role("link", name="Runs").first.click()
    chart = page.locator(".js-plotly-plot").filter(has_text="Confusion matrix").first
    chart.wait_for()
    page.get_by_text("Click a cell").wait_for()
    chart.scroll_into_view_if_needed()
    assert "“3” images answered right" not in _cell_heading(page)  # the first cell shown is a mistake
    assert "“3” images answered right" in _click_cell(page, chart, 3, 3)
    page.get_by_text("% sure").first.wait_for()  # each image captioned with its probability
    page.wait_for_function("() => document.querySelectorAll('[data-testid=stImage] img').length >= 48")
    assert page.locator("[data-testid=stImage] img").count() >= 48  # the cell: 24 of 33; mistakes: 24
    # Another cell: the digits taken for something else (or an empty cell, said so).
    heading = _click_cell(page, chart, 8, 1)
    assert "“8” images taken for “1”" in heading, heading
    if heading.startswith("0 "):
        page.get_by_text("No test image in this cell").wait_for()
    screenshot(page, "inside-confusion-en")
