"""Own data in a real browser: upload a zip of class folders, train two epochs, predict an uploaded picture."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.browser.conftest import screenshot, train_from_training_page
from tests.own_fixtures import class_zip, encode, shape_picture

pytestmark = pytest.mark.browser


def test_upload_a_zip_train_on_it_and_predict_a_new_picture(page, app_url, tmp_path):
    archive = tmp_path / "formas.zip"
    archive.write_bytes(class_zip(("barra", "anel", "cruz"), per_class=12))
    photo = tmp_path / "novo-anel.jpg"  # a picture that is not in the zip
    photo.write_bytes(encode(shape_picture("ring", np.random.default_rng(99), size=120), "JPEG", quality=80))

    page.goto(f"{app_url}/?lang=en&nick=hugo")
    page.get_by_role("link", name="Datasets").first.click()
    page.get_by_text("Use your own data").click()
    page.locator("input[type=file]").first.set_input_files(str(archive))
    page.get_by_text("Found 36 pictures in 3 classes").wait_for()
    page.get_by_role("button", name="Create dataset").first.click()
    page.get_by_text("It is selected now").wait_for()
    page.get_by_text("formas (own data)").first.wait_for()
    page.locator(".js-plotly-plot").first.wait_for()  # the sample grid of the uploaded pictures
    screenshot(page, "own-data-datasets")

    page.get_by_role("link", name="Training").first.click()
    page.get_by_text(re.compile(r"parameters · formas \(own data\) · 30 training samples")).wait_for()
    train_from_training_page(page, epochs=2, seed=1)
    screenshot(page, "own-data-trained")

    page.get_by_role("link", name="Draw").first.click()
    page.locator("input[type=file]").first.set_input_files(str(photo))
    page.get_by_text("The model says").wait_for()
    answer = page.get_by_text("The model says").inner_text().split("The model says")[1].split("(")[0].strip()
    assert answer in {"anel", "barra", "cruz"}
    page.get_by_text(f"In training: “{answer}”").wait_for()  # the training pictures of that class, beside it
    screenshot(page, "own-data-draw")
