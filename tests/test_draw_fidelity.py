"""Regression test of the Draw page's fidelity (issues #10, #31), with models trained by the app.

Real test images reach the page as a student's picture does: a file's bytes (a PNG saved
at the image's own size or enlarged 10×, the PNG the canvas sends for a drawing, a phone
photo's JPEG, a small photo in a corner of a 400×300 JPEG), read through the page's own
path (:func:`lib.infer.drawing.read_and_prepare`). The model's accuracy on them is compared
with its accuracy on the original arrays. Digits: all 360 test images of the app's split,
the lesson MLP with its lesson settings (the model ``./scripts/bench.sh draw`` measures).
Fashion-MNIST: 200 test images (a fixed stratified sample: each photo rendering is most of
the test's time), a small MLP trained on 5,000 images for 2 epochs (seconds). The benchmark
measures the same on 1,000 (``./scripts/bench.sh draw``) and also reports the robustness
renderings (thicker, thinner, turned, ...).
"""

from __future__ import annotations

import pytest

from bench.draw import Case, fidelity, sample_test_images, through_page, train
from bench.renderings import TARGET_POINTS
from lib.data import datasets
from lib.train.evaluation import load_run_model
from lib.train.jobs import JobManager

CASES = {
    "digits": (Case("digits", "digits_mlp"), None),
    "fashion_mnist": (Case("fashion_mnist", "fashion_mlp", 5000, epochs=2, batch=128), 200),
}


@pytest.mark.parametrize("dataset", list(CASES))
def test_the_model_sees_what_training_showed_it(dataset):
    case, count = CASES[dataset]
    manager = JobManager(workers=1)
    model = load_run_model(manager.store, train(manager, case))
    info = datasets.REGISTRY[dataset]
    images, labels = sample_test_images(dataset, count)
    assert len(labels) == (count or info.test_size)
    rendered = through_page(info, images, list(TARGET_POINTS))
    result = fidelity(model, info, labels, datasets.scale_images(images, info), rendered)
    assert result["original"] > 0.7  # a model that learnt something, or the ratios mean nothing
    for rendering, target in TARGET_POINTS.items():
        measured = result[rendering]
        assert measured["not_found"] == 0, rendering
        assert measured["points"] <= target + 1e-9, (rendering, measured, result["original"])
    for exact in ("upload_exact", "upload_10x"):  # the same arrays, not just the same answers
        assert result[exact]["pixel_exact"] == len(labels), exact
