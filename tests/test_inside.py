"""lib/inside: gradients against finite differences, Grad-CAM on a patch dataset on both backends,
TensorFlow and JAX heatmaps equal for the same weights, layer activations, filters, PCA, cells."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.inside_checks import (
    finite_difference_errors,
    heatmaps,
    heaviest_quadrant_is_the_patch,
    patch_data,
    peaks_on_patch,
    trained_patch_model,
)
from tests.job_helpers import wait

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def patch_model():
    return trained_patch_model()


def test_gradients_match_finite_differences():
    errors = finite_difference_errors()
    assert errors["input"] < 0.02, errors
    assert errors["gradcam"] < 0.02, errors


def test_a_wrong_gradient_would_fail_the_finite_difference_check(monkeypatch):
    """The check can fail: a gradient taken of the softmax output (not the logit) is caught."""
    from lib.inside.gradients import Explainer

    monkeypatch.setattr(Explainer, "_scores", lambda self, outputs: 2.0 * _logits(self, outputs))
    assert finite_difference_errors()["input"] > 0.5


def _logits(explainer, outputs):
    from keras import ops

    return ops.matmul(outputs, ops.convert_to_tensor(explainer._last.kernel)) + ops.convert_to_tensor(
        explainer._last.bias
    )


def test_gradcam_and_saliency_peak_on_the_patch_that_decides_the_class(patch_model):
    x, y, corners = patch_data(20, 99)
    assert (np.asarray(patch_model(x)).argmax(-1) == y).mean() >= 0.9  # the model did learn the task
    gradcam = heatmaps(patch_model, x, "gradcam")
    assert peaks_on_patch(gradcam, corners).mean() >= 0.85
    assert heaviest_quadrant_is_the_patch(gradcam, corners).mean() >= 0.85
    # Input gradients say how sensitive the score is to each pixel, not where the evidence is:
    # behind a Flatten they are spread over the background too (no localisation is claimed).
    for method in ("saliency", "smoothgrad"):
        assert heatmaps(patch_model, x, method).shape == (20, 12, 12)
    # A heatmap anywhere else fails: the patch moved by half the image is not where the peak is.
    shifted = (corners + 6) % 12
    assert peaks_on_patch(heatmaps(patch_model, x, "gradcam"), shifted).mean() < 0.3


def test_averaged_gradcam_misses_the_patch_behind_a_flatten_which_is_why_it_is_not_the_default(patch_model):
    """The paper's one weight per map, on a head that flattens: positions' weights cancel out."""
    from lib.inside.gradients import Explainer

    explainer = Explainer(patch_model)
    assert explainer.flattens_after("conv_b")
    x, y, corners = patch_data(20, 99)
    averaged = np.stack([explainer.gradcam(x[i : i + 1], int(y[i]), average=True).values for i in range(20)])
    assert peaks_on_patch(averaged, corners).mean() < 0.7


def test_averaged_and_per_position_gradcam_agree_on_a_global_pooling_head():
    import keras

    from lib.inside.gradients import Explainer

    keras.utils.set_random_seed(1)
    model = keras.Sequential([
        keras.Input((12, 12, 1)), keras.layers.Conv2D(6, 3, activation="relu", name="conv"),
        keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(4, activation="softmax"),
    ])  # fmt: skip
    explainer = Explainer(model)
    assert not explainer.flattens_after("conv")
    x, _, _ = patch_data(1, 2)
    for cls in range(4):
        assert np.allclose(explainer.gradcam(x, cls, average=True).values,
                           explainer.gradcam(x, cls, average=False).values, atol=1e-5)  # fmt: skip
    assert explainer.gradcam(x, 0).averaged


def test_gradcam_on_a_chosen_layer_and_for_another_class(patch_model):
    from lib.inside.gradients import Explainer

    explainer = Explainer(patch_model)
    assert explainer.conv_layers == ["conv_a", "conv_b"] and explainer.methods == ["gradcam", "saliency", "smoothgrad"]
    x, y, _ = patch_data(1, 5)
    first = explainer.gradcam(x, int(y[0]), "conv_a")
    assert first.layer == "conv_a" and first.values.shape == (12, 12) and first.values.max() == pytest.approx(1.0)
    other = (int(y[0]) + 1) % 4
    assert not np.allclose(explainer.gradcam(x, other).values, explainer.gradcam(x, int(y[0])).values)


def test_jax_heatmaps_equal_tensorflow_for_the_same_weights_and_peak_on_the_patch(patch_model, tmp_path):
    import keras

    assert keras.config.backend() == "tensorflow"
    path = tmp_path / "patch.keras"
    patch_model.save(path)
    out = tmp_path / "jax.npz"
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.inside_checks", str(path), str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    jax = np.load(out)
    assert str(jax["backend"]) == "jax"
    x, _, corners = patch_data(20, 99)
    for method in ("gradcam", "saliency", "smoothgrad"):
        tf_maps = heatmaps(patch_model, x, method)
        assert np.abs(tf_maps - jax[f"loaded_{method}"]).max() < 2e-3, method
    assert peaks_on_patch(jax["loaded_gradcam"], corners).mean() >= 0.85
    # JAX's own patch model (trained on JAX) looks at the patch too; its gradients pass finite differences.
    assert float(jax["own_accuracy"]) >= 0.9
    assert jax["own_gradcam_on_patch"].mean() >= 0.85
    assert float(jax["fd_input"]) < 0.02 and float(jax["fd_gradcam"]) < 0.02


def test_every_layer_activation_and_the_filters(patch_model):
    from lib.inside.layers import LayerProbe, learned_filters

    probe = LayerProbe(patch_model)
    x, _, _ = patch_data(1, 7)
    outputs = probe.activations(x)
    assert [o.name for o in outputs][:2] + [o.name for o in outputs][3:] == ["conv_a", "conv_b", "out"]
    assert [o.class_name for o in outputs] == ["Conv2D", "Conv2D", "Flatten", "Dense"]
    assert [o.shape for o in outputs] == [(12, 12, 8), (12, 12, 8), (1152,), (4,)]
    assert [o.view for o in outputs] == ["maps", "maps", "bars", "bars"]
    assert np.allclose(outputs[-1].values, np.asarray(patch_model(x))[0], atol=1e-6)
    kernel = patch_model.get_layer("conv_b").get_weights()[0]
    filters = learned_filters(patch_model, "conv_b")
    assert filters.images.shape == (8, 3, 3) and filters.in_channels == 8 and not filters.colour
    assert np.allclose(filters.images[2], kernel[:, :, :, 2].mean(axis=-1))
    assert np.allclose(learned_filters(patch_model, "conv_a").images[5], kernel_a(patch_model)[:, :, 0, 5])


def kernel_a(model):
    return model.get_layer("conv_a").get_weights()[0]


def test_pca_of_a_known_embedding():
    from lib.inside.projector import pca, place

    rng = np.random.default_rng(0)
    t = rng.normal(0, 5, size=300)  # the spread lies along one known direction, with little noise
    direction = np.zeros(20)
    direction[[3, 7]] = [0.6, 0.8]
    embedding = (np.outer(t, direction) + rng.normal(0, 0.1, size=(300, 20))).astype("float32")
    projection = pca(embedding, 2)
    assert projection.coords.shape == (300, 2)
    assert projection.explained[0] > 0.95
    assert abs(np.corrcoef(projection.coords[:, 0], t)[0, 1]) > 0.999
    assert abs(abs(projection.reducer.components_[0] @ direction) - 1) < 1e-3
    placed = place(projection, embedding[:5])
    assert np.allclose(placed, projection.coords[:5], atol=1e-4)


def test_projector_embedding_is_the_penultimate_layer(patch_model):
    from lib.inside.projector import embed, penultimate_model, sample_indices

    x, _, _ = patch_data(30, 1)
    emb = embed(penultimate_model(patch_model), x, batch=7)
    assert emb.shape == (30, 1152)
    kernel, bias = patch_model.get_layer("out").get_weights()
    logits = emb @ kernel + bias
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    assert np.allclose(probabilities, np.asarray(patch_model(x)), atol=1e-5)
    picked = sample_indices(10_000, 2000, seed=4)
    assert len(picked) == 2000 == len(set(picked)) and picked.max() < 10_000
    assert list(sample_indices(5, 2000)) == [0, 1, 2, 3, 4]


def test_tsne_places_extra_points_among_the_samples():
    from lib.inside.projector import tsne

    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 0.1, size=(40, 8)), rng.normal(5, 0.1, size=(40, 8))
    projection = tsne(np.concatenate([a, b]).astype("float32"), 2, extra=np.full((1, 8), 5.0, dtype="float32"))
    assert projection.coords.shape == (80, 2) and projection.extra.shape == (1, 2)
    centre_a, centre_b = projection.coords[:40].mean(0), projection.coords[40:].mean(0)
    assert np.linalg.norm(projection.extra[0] - centre_b) < np.linalg.norm(projection.extra[0] - centre_a)


def test_confusion_cells_and_clicks():
    from lib.inside.confusion import cell_members, clicked_cell, confusion, mistakes_first, most_confused

    y = np.array([0, 0, 1, 1, 1, 2])
    p = np.array([[0.9, 0.1, 0], [0.2, 0.7, 0.1], [0.1, 0.8, 0.1], [0.6, 0.4, 0], [0.9, 0.05, 0.05], [0, 0, 1]])
    matrix = confusion(y, p, 3)
    assert matrix.tolist() == [[1, 1, 0], [2, 1, 0], [0, 0, 1]]
    assert most_confused(matrix) == (1, 0)
    members, total = cell_members(y, p, 1, 0)
    assert total == 2 and [m.index for m in members] == [4, 3] and members[0].confidence == pytest.approx(0.9)
    assert list(mistakes_first(y, p)[:3]) == [4, 1, 3]  # wrong answers, most confident first
    event = {"selection": {"points": [{"x": "a", "y": "b", "customdata": [1, 0]}]}}
    assert clicked_cell(event, 3) == (1, 0)
    assert clicked_cell({"selection": {"points": []}}, 3) is None
    assert clicked_cell({"selection": {"points": [{"customdata": [7, 0]}]}}, 3) is None


def test_initial_model_is_the_weights_the_run_started_from():
    """A run that barely moves (SGD, learning rate 1e-6, one epoch) ends where it started:
    the rebuilt initial model must match it, and another seed's must not."""
    from lib.inside.projector import initial_model
    from lib.model.presets import PRESETS
    from lib.train.evaluation import load_run_model
    from lib.train.jobs import JobManager
    from lib.train.training import make_config

    settings = PRESETS["digits_mlp"].settings().with_compile(optimizer="SGD", optimizer_params={"learning_rate": 1e-6})
    settings = settings.with_fit(epochs=1, seed=21)
    config = make_config(PRESETS["digits_mlp"].spec((8, 8, 1)), "digits", 300, "classes", settings)
    manager = JobManager(workers=1)
    run = manager.submit(config)
    wait(manager, run.run_id)
    trained = load_run_model(manager.store, run.run_id).get_weights()
    start = initial_model(manager.store.config(run.run_id)).get_weights()
    assert all(np.allclose(a, b, atol=1e-3) for a, b in zip(trained, start))
    other = config.with_fit(seed=22)
    assert not np.allclose(initial_model(other).get_weights()[0], trained[0], atol=1e-3)


def test_best_fold_is_the_highest_accuracy_or_the_lowest_loss():
    from lib.experiments.reports import best_fold

    rows = [{"run": "a", "state": "done", "value": 0.8}, {"run": "b", "state": "done", "value": 0.9},
            {"run": "c", "state": "running", "value": 0.95}]  # fmt: skip
    assert best_fold(rows, "val_accuracy") == "b"
    assert best_fold(rows, "val_loss") == "a"
    assert best_fold([{"run": "a", "state": "running", "value": None}], "val_loss") is None


@pytest.mark.parametrize("channels", [1, 3], ids=["grey", "colour"])
def test_the_heatmap_overlay_copied_from_its_frame_is_the_one_made_from_scratch(channels):
    """The Draw page's overlay copies a cached layout; each figure equals one made afresh,
    in both languages, and one call's pictures never show in another's (the frame is shared).
    """
    import plotly.io

    from lib.inside.figures import heatmap_overlay, overlay_figure

    rng = np.random.default_rng(channels)
    languages = ((("Input", "Heat: 7", "Both"), "influence"), (("Entrada", "Calor: 7", "Ambos"), "influência"))
    for titles, scale in languages:
        shown = []
        for _ in range(3):
            image, heat = rng.random((8, 8, channels)).astype("float32"), rng.random((8, 8))
            fig = heatmap_overlay(image, heat, titles, scale)
            sent = json.loads(plotly.io.to_json(fig))  # what reaches the browser (key order aside)
            assert sent == json.loads(plotly.io.to_json(overlay_figure(image, heat, titles, scale)))
            shown.append(json.dumps(sent, sort_keys=True))
        assert len(set(shown)) == 3
