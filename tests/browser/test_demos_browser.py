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
