"""Demo experiments built from the app's own parts: specs, the job manager, the run store.

Augmentation (the same small CNN with and without augmentation layers) and the autoencoder
are ordinary runs: no second training path.
"""

from __future__ import annotations

import numpy as np

from lib.model.spec import ModelSpec, sequential
from lib.model.train_config import CompileSettings, FitSettings, TrainSettings
from lib.train.run_config import InitFrom, RunConfig
from lib.train.training import make_config

AUGMENT_DEFAULTS = {"mode": "horizontal", "rotation": 0.1, "zoom": 0.1, "translation": 0.1, "contrast": 0.2}


def augmentation_layers(settings: dict) -> list[tuple[str, dict]]:
    """The registry's augmentation layers for ``settings`` (a zero strength leaves one out)."""
    layers = []
    if settings.get("mode"):
        layers.append(("RandomFlip", {"mode": settings["mode"]}))
    for name, key, arg in (
        ("RandomRotation", "rotation", "factor"),
        ("RandomZoom", "zoom", "height_factor"),
        ("RandomContrast", "contrast", "factor"),
    ):
        if settings.get(key):
            layers.append((name, {arg: float(settings[key])}))
    if settings.get("translation"):
        t = float(settings["translation"])
        layers.append(("RandomTranslation", {"height_factor": t, "width_factor": t}))
    return layers


def augment(images: np.ndarray, settings: dict, copies: int, seed: int = 0) -> np.ndarray:
    """``copies`` random augmentations of each image (N, H, W, C) → (N, copies, H, W, C)."""
    import keras

    from lib.model.builder import keras_config

    keras.utils.set_random_seed(seed)
    pipeline = keras.Sequential(
        [getattr(keras.layers, n)(**keras_config(n, c)) for n, c in augmentation_layers(settings)]
    )
    batch = np.repeat(images.astype("float32"), copies, axis=0)
    out = np.asarray(pipeline(batch, training=True)) if pipeline.layers else batch
    return np.clip(out, 0.0, 1.0).reshape(len(images), copies, *images.shape[1:])


def small_cnn(input_shape: tuple[int, ...], classes: int, augmentation: list[tuple[str, dict]]) -> ModelSpec:
    """The experiment's CNN; ``augmentation`` layers (if any) come first and act only in training."""
    return sequential(
        input_shape,
        *augmentation,
        ("Conv2D", {"filters": 16, "kernel_size": 3, "padding": "same", "activation": "relu"}),
        ("MaxPooling2D", {"pool_size": 2}),
        ("Conv2D", {"filters": 32, "kernel_size": 3, "padding": "same", "activation": "relu"}),
        ("MaxPooling2D", {"pool_size": 2}),
        ("Flatten", {}),
        ("Dropout", {"rate": 0.3}),
        ("Dense", {"units": classes, "activation": "softmax"}),
        name="small_cnn",
    )


def augmentation_configs(
    dataset: str, input_shape: tuple[int, ...], classes: int, settings: dict, samples: int, epochs: int
) -> dict[str, RunConfig]:
    """Run configs for the same CNN without and with augmentation, on a small subset."""
    train = TrainSettings(CompileSettings(), FitSettings(epochs=epochs, batch_size=32, validation_split=0.3))
    return {
        "plain": make_config(small_cnn(input_shape, classes, []), dataset, samples, "classes", train),
        "augmented": make_config(
            small_cnn(input_shape, classes, augmentation_layers(settings)), dataset, samples, "classes", train
        ),
    }


def autoencoder_config(dataset: str, input_shape: tuple[int, ...], samples: int, epochs: int) -> RunConfig:
    """A dense autoencoder with a 2-D bottleneck named ``latent`` (so it can be plotted)."""
    h, w, c = input_shape
    spec = sequential(
        input_shape,
        ("Flatten", {}),
        ("Dense", {"units": 128, "activation": "relu"}),
        ("Dense", {"units": 2, "activation": "linear"}),
        ("Dense", {"units": 128, "activation": "relu"}),
        ("Dense", {"units": h * w * c, "activation": "sigmoid"}),
        ("Reshape", {"target_shape": (h, w, c)}),
        name="autoencoder_2d",
    )
    spec.nodes[2].id = "latent"
    train = TrainSettings(
        CompileSettings(loss="binary_crossentropy", metrics=[]),
        FitSettings(epochs=epochs, batch_size=64, validation_split=0.1),
    )
    return make_config(spec, dataset, samples, "input", train)


def reconstruct(model, images: np.ndarray, noise: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noisy inputs (Gaussian, std ``noise``, clipped to [0, 1]) and the model's reconstructions."""
    noisy = np.clip(images + np.random.default_rng(seed).normal(0, noise, images.shape), 0, 1).astype("float32")
    return noisy, np.asarray(model(noisy, training=False))


def latent_codes(model, images: np.ndarray) -> np.ndarray:
    """The 2-D codes of ``images`` at the ``latent`` layer."""
    import keras

    encoder = keras.Model(model.inputs[0], model.get_layer("latent").output)
    return np.asarray(encoder(images, training=False))


TRANSFER_LAYERS = ("conv_1", "conv_2")  # the convolutional base handed from task A to task B


def transfer_spec(input_shape: tuple[int, ...], classes: int) -> ModelSpec:
    """A small CNN whose convolutional base has fixed names, so another run can reuse it."""
    spec = small_cnn(input_shape, classes, [])
    for node, name in zip(spec.nodes, ("conv_1", "pool_1", "conv_2", "pool_2", "flatten", "dropout", "head")):
        node.id = name
    spec.name = "transfer_cnn"
    return spec


def transfer_configs(
    dataset: str,
    input_shape: tuple[int, ...],
    num_classes: int,
    samples: int,
    epochs: int,
    base_run: str | None = None,
    base_samples: int = 0,
    base_epochs: int = 0,
) -> dict[str, RunConfig]:
    """Run configs for task A and, once A has a model, the three task-B runs.

    Task A: the first half of the classes, all samples. Task B: ``samples`` images of the
    other half to train on (and as many held out to validate on), trained from scratch, on
    A's frozen base, and fine-tuning A's base.
    """
    half = num_classes // 2
    task_a, task_b = list(range(half)), list(range(half, num_classes))
    fit = FitSettings(epochs=base_epochs or epochs, batch_size=32, validation_split=0.2)
    base = make_config(
        transfer_spec(input_shape, len(task_a)), dataset, base_samples, "classes", TrainSettings(fit=fit)
    )
    base = base.replace(classes=tuple(task_a))
    configs = {"base": base}
    if base_run is None:
        return configs
    # Few samples: small batches. As many task-B images again are held out (stratified) to
    # validate on: with 100 samples, validation_split=0.2 measured 20 images, and several
    # curves sat at 1.000.
    few = FitSettings(epochs=epochs, batch_size=8, validation_split=0.5, validation="held_out")
    for kind, init, lr in (("scratch", None, 0.001), ("frozen", True, 0.001), ("finetune", False, 0.0003)):
        train = TrainSettings(CompileSettings(optimizer_params={"learning_rate": lr}), few)
        config = make_config(transfer_spec(input_shape, len(task_b)), dataset, 2 * samples, "classes", train)
        config = config.replace(classes=tuple(task_b))
        if init is not None:
            config = config.replace(init_from=InitFrom(base_run, tuple(TRANSFER_LAYERS), init))
        configs[kind] = config
    return configs
