"""The Datasets page in a real browser: switch dataset and language, see a chart render."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_first_page_then_datasets_with_real_fashion_mnist(page, app_url):
    page.goto(f"{app_url}/?lang=en")  # how fast it appears: ./scripts/bench.sh pages
    page.get_by_role("heading", name="Keras Playground").wait_for()

    page.get_by_role("link", name="Datasets").first.click()
    page.get_by_text("Samples of each class").first.wait_for()
    page.locator(".js-plotly-plot .main-svg").first.wait_for()

    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="Fashion-MNIST").click()
    page.get_by_text("60,000").first.wait_for()  # the real 60,000 Fashion-MNIST images, offline
    page.get_by_text("Ankle boot").first.wait_for()
    screenshot(page, "datasets-fashion-en")

    page.get_by_text("Português (Brasil)").click()
    page.get_by_text("Amostras de cada classe").first.wait_for()
    page.get_by_text("Bota").first.wait_for()
    assert "lang=pt" in page.url
    assert page.locator(".js-plotly-plot").count() >= 3
    screenshot(page, "datasets-fashion-pt")
