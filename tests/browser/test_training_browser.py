"""Train a tiny model in the browser: live curves, the Runs page, then the cached run."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot, train_from_training_page

pytestmark = pytest.mark.browser


def test_train_two_epochs_then_runs_page_then_cached(page, app_url):
    page.goto(f"{app_url}/training?lang=en")
    train_from_training_page(page, epochs=2, seed=3)
    page.get_by_text("2/2 epochs").first.wait_for()
    # Backend auto: the digits MLP (Dense layers) trains on JAX, in a worker process.
    page.get_by_text("Auto trains this model with JAX").first.wait_for()
    page.get_by_text("CPU · JAX").first.wait_for()
    # The curves gain one point per finished epoch (Plotly redraws just after the status line).
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some(el => (el.data || [])"
        ".some(t => t.name === 'training' && t.x.length === 2))",
    )
    screenshot(page, "training-en")

    page.get_by_role("link", name="Runs").first.click()
    page.get_by_text("Evaluation on the test set").wait_for()
    page.get_by_text("Confusion matrix").first.wait_for()
    screenshot(page, "runs-en")

    page.get_by_role("link", name="Training").first.click()
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("already trained").wait_for()
