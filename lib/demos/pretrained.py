"""Transfer learning from real pretrained weights: MobileNetV2 trained on ImageNet, frozen.

Used by the transfer demo when the weights are in the Keras cache (``keras.applications``
keeps them under ``$KERAS_HOME/models``; ``scripts/keras_cache.sh`` brings them to an
offline machine). Task B's few images are resized to 96×96, made RGB and scaled to
[-1, 1] as MobileNetV2 expects, inside the model; only the new head trains. A job kind of
its own, so it runs in the same queue and workers as every other run.
"""

from __future__ import annotations

import threading
from pathlib import Path

from lib.data import keras_cache
from lib.model.train_config import CompileSettings, FitSettings, TrainSettings
from lib.train.device import device_name
from lib.train.outcome import STOPPED, Outcome
from lib.train.progress import Live
from lib.train.run_config import NO_BACKEND_KEYS, RunConfig
from lib.train.runstore import RunStore

JOB_KINDS = {"pretrained": "fit_pretrained"}  # a new head on frozen MobileNetV2 features (lib/train/kinds.py)
KIND = "pretrained"
SIZE, ALPHA = 96, 0.35
# The file keras.applications.MobileNetV2(alpha=0.35, input_shape=(96, 96, 3), include_top=False)
# downloads and keeps in $KERAS_HOME/models.
WEIGHTS_FILE = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5"


def weights_path() -> Path:
    """Where Keras keeps the pretrained weights."""
    return keras_cache.keras_home() / "models" / WEIGHTS_FILE


def available() -> bool:
    """True when the pretrained weights are on this machine (no download is ever tried here)."""
    return weights_path().is_file()


def download_weights() -> None:
    """Fetch the ImageNet weights into the Keras cache (on a connected machine)."""
    import keras

    keras.applications.MobileNetV2(input_shape=(SIZE, SIZE, 3), alpha=ALPHA, include_top=False, weights="imagenet")


def pretrained_config(dataset: str, classes: list[int], samples: int, epochs: int, seed: int = 0) -> RunConfig:
    """A run of MobileNetV2's frozen ImageNet features plus a new softmax head on ``classes``."""
    settings = TrainSettings(
        CompileSettings(optimizer_params={"learning_rate": 0.001}),
        FitSettings(epochs=epochs, batch_size=8, validation_split=0.2, seed=seed),
    )
    return RunConfig(
        kind=KIND,
        spec={"name": "mobilenet_v2_imagenet_frozen"},
        dataset=dataset,
        train_samples=samples,
        target="classes",
        classes=tuple(classes),
        settings=settings,
        weights=WEIGHTS_FILE,
        written=NO_BACKEND_KEYS,
    )


def build(input_shape: tuple[int, ...], num_classes: int):
    """Resize and colour the images, MobileNetV2 (frozen, ImageNet weights from the cache), a new head."""
    import keras

    inputs = keras.Input(shape=input_shape, name="images")
    x = keras.layers.Resizing(SIZE, SIZE, name="resize_96")(inputs)
    if input_shape[-1] == 1:  # gray: the same plane in R, G and B
        x = keras.layers.Concatenate(name="gray_to_rgb")([x, x, x])
    x = keras.layers.Rescaling(2.0, offset=-1.0, name="to_minus1_1")(x)  # [0, 1] pixels → MobileNetV2's [-1, 1]
    base = keras.applications.MobileNetV2(
        input_shape=(SIZE, SIZE, 3), alpha=ALPHA, include_top=False, weights=str(weights_path())
    )
    base.trainable = False
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D(name="features")(x)
    x = keras.layers.Dropout(0.2, name="dropout")(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="head")(x)
    return keras.Model(inputs, outputs, name="mobilenet_v2_imagenet_frozen")


def fit_pretrained(
    store: RunStore, run_id: str, config: RunConfig, stop: threading.Event, live: Live, more_epochs: int = 0
) -> Outcome:
    """Train the new head of run ``run_id`` on the frozen pretrained features."""
    import keras

    from lib.data import datasets
    from lib.train.training import fit_callbacks, progress_callback, save_atomic, training_arrays

    if not available():
        return Outcome("failed", "pretrained_missing", WEIGHTS_FILE)
    settings = config.settings
    x_train, y_train, _, _ = training_arrays(config)
    keras.utils.set_random_seed(settings.fit.seed)
    model = build(datasets.REGISTRY[config.dataset].input_shape, len(config.class_ids()))
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    store.update_status(run_id, state="running", device=device_name(), backend=keras.config.backend(),
                        epochs_target=settings.fit.epochs)  # fmt: skip
    live.update(initial_epoch=0, epochs=settings.fit.epochs, batch_size=settings.fit.batch_size, nan=False,
                diverged=False, previous_seconds=0.0)  # fmt: skip
    progress = progress_callback(store, run_id, stop, live)
    fit = settings.fit
    model.fit(x_train, y_train, epochs=fit.epochs, batch_size=fit.batch_size, validation_split=fit.validation_split,
              callbacks=fit_callbacks(settings, progress), verbose=0)  # fmt: skip
    save_atomic(model, store.model_path(run_id, "model"))
    store.model_path(run_id, "checkpoint").unlink(missing_ok=True)
    return STOPPED if stop.is_set() else Outcome("done")
