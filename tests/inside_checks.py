"""Checks of lib/inside shared by tests/test_inside.py (TensorFlow, in process) and a JAX subprocess.

``python -m tests.inside_checks MODEL.keras OUT.npz`` (with ``KERAS_BACKEND=jax``) loads a
model trained by the TensorFlow test, computes its heatmaps for the same inputs, trains its
own patch model on this backend and runs the finite-difference checks, and writes it all to
``OUT.npz``.
"""

from __future__ import annotations

import os
import sys

import numpy as np

SIDE = 12
PATCH = 3
CLASSES = 4  # which quadrant holds the bright patch


def patch_data(count: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dim noise with one bright 3×3 patch; the class is the quadrant the patch sits in.

    Returns images (count, 12, 12, 1), labels, and each patch's top-left corner (row, col).
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 0.2, size=(count, SIDE, SIDE, 1)).astype("float32")
    y = rng.integers(0, CLASSES, size=count)
    corners = np.zeros((count, 2), dtype=int)
    half = SIDE // 2
    for i, label in enumerate(y):
        top = (label // 2) * half + rng.integers(0, half - PATCH + 1)
        left = (label % 2) * half + rng.integers(0, half - PATCH + 1)
        x[i, top : top + PATCH, left : left + PATCH, 0] = 1.0
        corners[i] = top, left
    return x, y, corners


def patch_model(seed: int = 3):
    """A small convnet whose class depends on where things are (Flatten, not global pooling)."""
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        keras.Input((SIDE, SIDE, 1)),
        keras.layers.Conv2D(8, 3, activation="relu", padding="same", name="conv_a"),
        keras.layers.Conv2D(8, 3, activation="relu", padding="same", name="conv_b"),
        keras.layers.Flatten(),
        keras.layers.Dense(CLASSES, activation="softmax", name="out"),
    ])  # fmt: skip


def trained_patch_model(seed: int = 3):
    """The patch model fitted on 600 samples (a few seconds on either backend)."""
    import keras

    model = patch_model(seed)
    x, y, _ = patch_data(600, seed)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=6, batch_size=32, verbose=0)
    return model


def peaks_on_patch(heatmaps: np.ndarray, corners: np.ndarray, margin: int = 1) -> np.ndarray:
    """For each (H, W) heatmap: whether its largest value lies on the patch (grown by ``margin`` pixels)."""
    out = []
    for heat, (top, left) in zip(heatmaps, corners):
        row, col = np.unravel_index(int(np.argmax(heat)), heat.shape)
        out.append(top - margin <= row < top + PATCH + margin and left - margin <= col < left + PATCH + margin)
    return np.array(out)


def heaviest_quadrant_is_the_patch(heatmaps: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """For each heatmap: whether the quadrant holding the patch has the most heat."""
    half = SIDE // 2
    out = []
    for heat, (top, left) in zip(heatmaps, corners):
        sums = [heat[r * half : (r + 1) * half, c * half : (c + 1) * half].sum() for r in (0, 1) for c in (0, 1)]
        out.append(int(np.argmax(sums)) == (top // half) * 2 + left // half)
    return np.array(out)


def heatmaps(model, x: np.ndarray, method: str) -> np.ndarray:
    """``method``'s heatmap of each image for the class the model chose."""
    from lib.inside.gradients import Explainer

    explainer = Explainer(model)
    chosen = np.asarray(model(x, training=False)).argmax(axis=-1)
    return np.stack([explainer.heatmap(x[i : i + 1], int(chosen[i]), method).values for i in range(len(x))])


def finite_difference_errors(seed: int = 0) -> dict[str, float]:
    """Largest relative error of the input gradient and of Grad-CAM's gradient against central differences.

    A tiny smooth network (tanh), float64 sums of float32 outputs; step 1e-2.
    """
    import keras

    from lib.inside.gradients import Explainer

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((5, 5, 1)),
        keras.layers.Conv2D(3, 3, activation="tanh", name="conv"),
        keras.layers.Flatten(),
        keras.layers.Dense(6, activation="tanh"),
        keras.layers.Dense(3, activation="softmax"),
    ])  # fmt: skip
    explainer = Explainer(model)
    x = np.random.default_rng(seed).uniform(-1, 1, size=(1, 5, 5, 1)).astype("float32")
    logits = keras.Model(model.inputs[0], model.layers[-1].input)
    kernel, bias = (np.asarray(w, dtype="float64") for w in model.layers[-1].get_weights())

    def score(v: np.ndarray, cls: int) -> np.ndarray:
        h = np.asarray(logits(v, training=False), dtype="float64")
        return (h @ kernel + bias)[:, cls]

    errors = {}
    analytic = explainer.input_gradient(x, 2)[0]
    errors["input"] = _relative_error(analytic, _numeric(lambda v: score(v, 2), x)[0])
    features, rest = explainer._cam_part("conv")
    maps = np.asarray(features(x, training=False))
    analytic = rest.gradient(explainer._scores, maps, explainer._weights(1, 1))[0]
    after = keras.Model(model.get_layer("conv").output, model.layers[-1].input)

    def score_from_maps(m: np.ndarray) -> np.ndarray:
        h = np.asarray(after(m.astype("float32"), training=False), dtype="float64")
        return (h @ kernel + bias)[:, 1]

    errors["gradcam"] = _relative_error(analytic, _numeric(score_from_maps, maps)[0])
    return errors


def _numeric(function, x: np.ndarray, step: float = 1e-2) -> np.ndarray:
    """Central differences of ``function`` (a batch to one score per sample), every element in one batch."""
    size = x[0].size
    moves = np.eye(size, dtype="float32").reshape(size, *x.shape[1:]) * step
    scores = function(np.concatenate([x + moves, x - moves]))
    return ((scores[:size] - scores[size:]) / (2 * step)).reshape(x.shape)


def _relative_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-8))


def main(model_path: str, out_path: str) -> None:
    """The JAX side: heatmaps of the TensorFlow-trained model, its own patch model, finite differences."""
    import keras

    x, _, corners = patch_data(20, 99)
    model = keras.saving.load_model(model_path)
    own = trained_patch_model()
    own_x, own_y, own_corners = patch_data(20, 99)
    results = {f"loaded_{m}": heatmaps(model, x, m) for m in ("gradcam", "saliency", "smoothgrad")}
    own_maps = heatmaps(own, own_x, "gradcam")
    accuracy = float((np.asarray(own(own_x)).argmax(-1) == own_y).mean())
    errors = finite_difference_errors()
    np.savez(
        out_path, backend=keras.config.backend(), own_gradcam_on_patch=peaks_on_patch(own_maps, own_corners),
        own_accuracy=accuracy, fd_input=errors["input"], fd_gradcam=errors["gradcam"], corners=corners, **results,
    )  # fmt: skip


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    main(sys.argv[1], sys.argv[2])
