"""Each demo tab in a real browser shows its chart."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser
TABS = ["Convolution", "Pooling", "Activations", "Dropout", "Augmentation"]


def test_each_demo_shows_its_chart(page, app_url):
    page.goto(f"{app_url}/demos?lang=en")
    for name in TABS:
        page.get_by_role("tab", name=name).click()
        panel = page.get_by_role("tabpanel", name=name)
        panel.locator(".js-plotly-plot .main-svg").first.wait_for()
        screenshot(page, f"demo-{name.lower()}")
    for name, button in (
        ("Autoencoder", "Train the autoencoder"),
        ("Transfer learning", "Run the comparison"),
        ("GAN", "Train the GAN"),
    ):
        page.get_by_role("tab", name=name).click()
        page.get_by_role("button", name=button).wait_for()


def test_playground_draws_the_boundary_of_an_mlp_on_xor(page, app_url):
    """The 2-D playground in a browser: train an MLP on XOR in a worker; the boundary and units appear."""
    page.goto(f"{app_url}/demos?lang=en")
    page.get_by_role("tab", name="Perceptron & 2-D playground").click()
    panel = page.get_by_role("tabpanel", name="Perceptron & 2-D playground")
    panel.get_by_text("MLP (hidden layers)", exact=True).click()
    panel.get_by_role("button", name="Train", exact=True).click()
    panel.get_by_text("done · epoch 100 of 100").wait_for()
    # The boundary heatmap (41×41 grid) and the 0.5 contour are drawn, with the points over them.
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some(el => (el.data || []).some("
        "t => t.type === 'contour') && el.querySelectorAll('.contour').length > 0)",
    )
    page.get_by_text("What the model answers, epoch 100").first.wait_for()
    panel.get_by_text("Each unit of the first hidden layer").first.wait_for()
    screenshot(page, "demo-playground-en")
