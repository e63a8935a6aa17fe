"""The Architecture page in a real browser: load a network, add a layer, see graph and summary."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_build_a_small_model_and_see_graph_and_summary(page, app_url):
    page.goto(f"{app_url}/architecture?lang=en")
    page.get_by_text("The model is valid: 4,810 parameters.").wait_for()
    page.get_by_test_id("stGraphVizChart").locator("svg").first.wait_for()

    page.get_by_role("button", name="Add layer").click()  # the default pick is Activation (relu)
    page.get_by_text("activation_1").first.wait_for()
    page.get_by_text("uses activation relu").first.wait_for()  # the hint: the output lost its softmax

    page.get_by_text("Keras summary").click()
    page.get_by_text("Total params").first.wait_for()
    graph = page.get_by_test_id("stGraphVizChart").inner_text()
    assert "activation_1" in graph and "dense_2" in graph
    screenshot(page, "architecture-en")
