"""``python -m bench inside``: looking inside the lesson convnet, the app against plain Keras.

Per input (the Draw page's work for one stroke): a Grad-CAM heatmap plus every layer's
activations, through ``lib.inside`` (sub-models built once, as the page caches them) and as a
plain script writes it (keras.io's Grad-CAM recipe with ``tf.GradientTape``, and the
activations with ``model.predict`` on a multi-output model). Projector: the penultimate
layer for 2,000 test images plus a 2-D PCA, the app's path (trained and initial network)
and a plain ``model.predict`` + scikit-learn PCA. Rounds alternate; medians are kept.

    python -m bench inside [--rounds 5] [--repeats 20] [--samples 2000] [--train 6000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from lib.train.run_config import RunConfig

TARGET_MS = 300.0  # heatmap + activations for one input (the target)
TARGET_PROJECTOR_S = 2.0


def _data(train: int):
    from lib.data import datasets, keras_cache

    fashion = datasets.REGISTRY["fashion_mnist"].is_cached() or keras_cache.seed_fashion_mnist()
    name = "fashion_mnist" if fashion else "digits"
    info = datasets.REGISTRY[name]
    data = datasets.load(name)
    x_train = datasets.scale_images(data.x_train[:train], info)
    x_test = datasets.scale_images(data.x_test, info)
    return name, info, x_train, data.y_train[:train].reshape(-1), x_test


def _lesson_convnet(info, x_train, y_train):
    """The keras.io convnet of the lessons, built as the app builds it, fitted for one epoch."""
    import keras

    from lib.model.analysis import Target, analyse
    from lib.model.builder import build_model
    from lib.model.presets import PRESETS

    spec = PRESETS["keras_convnet"].spec(info.input_shape)
    keras.utils.set_random_seed(0)
    model = build_model(spec, analyse(spec, Target("classes", info.num_classes)))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=1, batch_size=128, verbose=0)
    return model


def _median_ms(work, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def _seconds(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _plain_gradcam(model, conv_name: str):
    """keras.io's Grad-CAM (TensorFlow only), and the activations with ``predict``."""
    import keras
    import tensorflow as tf

    grad_model = keras.Model(model.inputs, [model.get_layer(conv_name).output, model.outputs[0]])
    probe = keras.Model(model.inputs, [layer.output for layer in model.layers])

    def run(x: np.ndarray) -> None:
        with tf.GradientTape() as tape:
            conv_out, preds = grad_model(x)
            class_channel = preds[:, tf.argmax(preds[0])]
        grads = tape.gradient(class_channel, conv_out)
        pooled = tf.reduce_mean(grads, axis=(0, 1, 2))
        heatmap = tf.squeeze(conv_out[0] @ pooled[..., tf.newaxis])
        np.asarray(tf.maximum(heatmap, 0) / (tf.reduce_max(heatmap) + 1e-9))
        probe.predict(x, verbose=0)

    return run


def _app_inside(model):
    from lib.inside.gradients import Explainer
    from lib.inside.layers import LayerProbe

    explainer, probe = Explainer(model), LayerProbe(model)

    def run(x: np.ndarray, method: str = "gradcam") -> None:
        answer = int(np.asarray(model(x, training=False))[0].argmax())
        explainer.heatmap(x, answer, method)
        probe.activations(x)

    return run


def _plain_projector(model, x: np.ndarray) -> None:
    import keras
    from sklearn.decomposition import PCA

    features = keras.Model(model.inputs, model.layers[-2].output).predict(x, batch_size=500, verbose=0)
    PCA(n_components=2).fit_transform(features.reshape(len(features), -1))


def _app_projector(model, x: np.ndarray, config: RunConfig | None) -> None:
    from lib.inside.projector import embed, initial_model, pca, penultimate_model

    pca(embed(penultimate_model(model), x), 2)
    if config is not None:  # the app also draws the initial network's picture
        pca(embed(penultimate_model(initial_model(config)), x), 2)


def main(argv: list[str]) -> dict:
    """Run the rounds, print the table, return the RESULT figures."""
    from lib.model.presets import PRESETS
    from lib.train.training import make_config

    parser = argparse.ArgumentParser(prog="python -m bench inside")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=20, help="single-input calls per round (median kept)")
    parser.add_argument("--samples", type=int, default=2000, help="test images in the projector")
    parser.add_argument("--train", type=int, default=6000, help="training images for the one fitting epoch")
    args = parser.parse_args(argv)
    name, info, x_train, y_train, x_test = _data(args.train)
    model = _lesson_convnet(info, x_train, y_train)
    preset = PRESETS["keras_convnet"]
    config = make_config(preset.spec(info.input_shape), name, 0, "classes", preset.settings(), "tensorflow")
    conv = [layer.name for layer in model.layers if type(layer).__name__ == "Conv2D"][-1]
    app_one, plain_one = _app_inside(model), _plain_gradcam(model, conv)
    inputs = x_test[:1]
    projector_x = x_test[: args.samples]
    for warm in (
        lambda: app_one(inputs),
        lambda: plain_one(inputs),
        lambda: app_one(inputs, "smoothgrad"),
        lambda: _app_projector(model, projector_x, config),
        lambda: _plain_projector(model, projector_x),
    ):
        warm()  # first calls trace and allocate once  # fmt: skip
    keys = ("app_ms", "plain_ms", "saliency_ms", "smoothgrad_ms", "app_projector_s", "app_projector_after_s",
            "plain_projector_s")  # fmt: skip
    figures: dict[str, list[float]] = {k: [] for k in keys}
    for round_ in range(args.rounds):
        pair = [
            lambda: figures["app_ms"].append(_median_ms(lambda: app_one(inputs), args.repeats)),
            lambda: figures["plain_ms"].append(_median_ms(lambda: plain_one(inputs), args.repeats)),
        ]
        for run in pair if round_ % 2 == 0 else pair[::-1]:
            run()
        figures["saliency_ms"].append(_median_ms(lambda: app_one(inputs, "saliency"), args.repeats))
        figures["smoothgrad_ms"].append(_median_ms(lambda: app_one(inputs, "smoothgrad"), args.repeats))
        projector = [
            lambda: figures["app_projector_s"].append(_seconds(lambda: _app_projector(model, projector_x, config))),
            lambda: figures["app_projector_after_s"].append(_seconds(lambda: _app_projector(model, projector_x, None))),
            lambda: figures["plain_projector_s"].append(_seconds(lambda: _plain_projector(model, projector_x))),
        ]
        for run in projector if round_ % 2 == 0 else projector[::-1]:
            run()
    med = {k: statistics.median(v) for k, v in figures.items()}
    print(f"dataset {name}, keras_convnet ({model.count_params():,} parameters), "
          f"{args.rounds} rounds × {args.repeats} calls")  # fmt: skip
    print(f"one input, Grad-CAM + every layer:  app {med['app_ms']:7.1f} ms   plain keras {med['plain_ms']:7.1f} ms"
          f"   (app/plain {med['app_ms'] / med['plain_ms']:.2f}; target < {TARGET_MS:.0f} ms)")  # fmt: skip
    print(f"  with saliency instead: {med['saliency_ms']:.1f} ms; "
          f"with SmoothGrad (16 noisy copies): {med['smoothgrad_ms']:.1f} ms")  # fmt: skip
    print(f"projector, {len(projector_x)} images + PCA: app (trained + initial network) {med['app_projector_s']:.2f} s,"
          f" trained only {med['app_projector_after_s']:.2f} s, plain keras {med['plain_projector_s']:.2f} s"
          f"   (target < {TARGET_PROJECTOR_S:.0f} s)")  # fmt: skip
    return {
        "dataset": name,
        "samples": len(projector_x),
        **{k: round(v, 4) for k, v in med.items()},
        "one_input_ratio_app_over_plain": round(med["app_ms"] / med["plain_ms"], 3),
        "projector_ratio_app_over_plain": round(med["app_projector_after_s"] / med["plain_projector_s"], 3),
        "projector_both_ratio_app_over_plain": round(med["app_projector_s"] / med["plain_projector_s"], 3),
        "one_input_under_target": med["app_ms"] < TARGET_MS,
        "projector_under_target": med["app_projector_s"] < TARGET_PROJECTOR_S,
    }
