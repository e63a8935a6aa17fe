"""Train a tiny model in the browser: live curves, the Runs page, then the cached run."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_train_two_epochs_then_runs_page_then_cached(page, app_url):
    page.goto(f"{app_url}/training?lang=en")
    epochs = page.get_by_label("Epochs", exact=True)
    epochs.fill("2")
    epochs.press("Enter")
    page.get_by_label("Random seed").fill("3")
    page.get_by_label("Random seed").press("Enter")
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("training").first.wait_for()
    page.locator(".js-plotly-plot").first.wait_for()  # curves appear while it trains
    page.get_by_text("· done ·").wait_for(timeout=120_000)
    page.get_by_text("2/2 epochs").first.wait_for()
    assert page.locator(".js-plotly-plot").count() >= 2
    screenshot(page, "training-en")

    page.get_by_role("link", name="Runs").first.click()
    page.get_by_text("Evaluation on the test set").wait_for()
    page.get_by_text("Confusion matrix").first.wait_for()
    screenshot(page, "runs-en")

    page.get_by_role("link", name="Training").first.click()
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("already trained").wait_for(timeout=10_000)
