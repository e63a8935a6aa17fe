"""A small MLP GAN trained as a job: the public ``train_on_batch`` API only (any backend).

The discriminator is compiled and traced while trainable; then frozen inside the combined
model, whose steps train only the generator (checked in tests/test_demos_training.py).
After each epoch the generator draws the same fixed noise: ``samples.npy`` keeps them all.
"""

from __future__ import annotations

import io
import threading
import time

import numpy as np

from lib.data import datasets
from lib.model.train_config import CompileSettings, FitSettings, TrainSettings
from lib.train.device import device_name
from lib.train.outcome import STOPPED, Outcome
from lib.train.progress import Live
from lib.train.run_config import NO_BACKEND_KEYS, RunConfig
from lib.train.runstore import RunStore

LATENT = 32
GRID = 16  # fixed-noise samples drawn after each epoch
JOB_KINDS = {"gan": "fit_gan"}  # the GAN demo's own training loop (lib/train/kinds.py)


def gan_config(dataset: str, samples: int, epochs: int) -> RunConfig:
    """The run config of a GAN on ``dataset`` (a run kind of its own, same store and manager)."""
    settings = TrainSettings(
        CompileSettings(optimizer_params={"learning_rate": 0.0002, "beta_1": 0.5}, metrics=[]),
        FitSettings(epochs=epochs, batch_size=64, validation_split=0.0),
    )
    return RunConfig(
        kind="gan",
        spec={"name": "mlp_gan"},
        dataset=dataset,
        train_samples=samples,
        target="gan",
        latent=LATENT,
        settings=settings,
        written=NO_BACKEND_KEYS,
    )


def _loss(value) -> float:
    """The loss from ``train_on_batch`` (a scalar, or ``[loss, *metrics]``)."""
    return float(np.asarray(value, dtype="float64").reshape(-1)[0])


def _models(shape: tuple[int, ...], lr: float, beta_1: float):
    import keras

    h, w, c = shape
    generator = keras.Sequential(
        [
            keras.Input((LATENT,)),
            keras.layers.Dense(128, activation="leaky_relu"),
            keras.layers.Dense(256, activation="leaky_relu"),
            keras.layers.Dense(h * w * c, activation="sigmoid"),
            keras.layers.Reshape(shape),
        ],
        name="generator",
    )
    discriminator = keras.Sequential(
        [
            keras.Input(shape),
            keras.layers.Flatten(),
            keras.layers.Dense(256, activation="leaky_relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(128, activation="leaky_relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name="discriminator",
    )
    discriminator.compile(optimizer=keras.optimizers.Adam(lr, beta_1=beta_1), loss="binary_crossentropy")
    return generator, discriminator


def fit_gan(
    store: RunStore, run_id: str, config: RunConfig, stop: threading.Event, live: Live, more_epochs: int = 0
) -> Outcome:
    """Train the GAN of ``run_id``; write losses, samples and the generator; return the outcome."""
    import keras

    info = datasets.REGISTRY[config.dataset]
    fit, params = config.fit, config.compile.optimizer_params
    keras.utils.set_random_seed(fit.seed)
    x = datasets.prepare(datasets.load(info.name), config.train_samples or None, fit.seed).x_train
    generator, discriminator = _models(info.input_shape, params["learning_rate"], params["beta_1"])
    rng = np.random.default_rng(fit.seed)
    batch = min(fit.batch_size, len(x))
    ones, zeros = np.ones((batch, 1), "float32"), np.zeros((batch, 1), "float32")
    # One-sided label smoothing: the discriminator aims at 0.9 for real images, which keeps
    # it from becoming overconfident and helps against mode collapse.
    real_targets = np.full((batch, 1), 0.9, "float32")
    discriminator.train_on_batch(x[:batch], real_targets)  # traced while trainable, then frozen below
    discriminator.trainable = False
    combined = keras.Sequential([generator, discriminator], name="gan")
    combined.compile(
        optimizer=keras.optimizers.Adam(params["learning_rate"], beta_1=params["beta_1"]), loss="binary_crossentropy"
    )
    fixed = rng.normal(size=(GRID, LATENT)).astype("float32")
    steps = max(1, len(x) // batch)
    history, samples, started = {"epoch": [], "metrics": {"d_loss": [], "g_loss": []}}, [], time.monotonic()
    store.update_status(run_id, state="running", device=device_name(), epochs_target=fit.epochs)
    live.update(initial_epoch=0, epochs=fit.epochs, batch_size=batch, steps=steps)
    for epoch in range(fit.epochs):
        d_losses, g_losses = [], []
        order = rng.permutation(len(x))
        for step in range(steps):
            real = x[order[step * batch : (step + 1) * batch]]
            fake = np.asarray(generator(rng.normal(size=(batch, LATENT)).astype("float32"), training=False))
            d_real = _loss(discriminator.train_on_batch(real, real_targets))
            d_losses.append((d_real + _loss(discriminator.train_on_batch(fake, zeros))) / 2)
            noise = rng.normal(size=(batch, LATENT)).astype("float32")
            g_losses.append(_loss(combined.train_on_batch(noise, ones)))
            live.update(
                epoch=epoch, batch=step + 1, sps=(epoch * steps + step + 1) * batch / (time.monotonic() - started)
            )
            if stop.is_set():
                break
        history["epoch"].append(epoch + 1)
        history["metrics"]["d_loss"].append(float(np.mean(d_losses)))
        history["metrics"]["g_loss"].append(float(np.mean(g_losses)))
        samples.append(np.asarray(generator(fixed, training=False))[..., 0])
        buffer = io.BytesIO()
        np.save(buffer, np.stack(samples))
        store.write_side(run_id, "samples.npy", buffer.getvalue())
        store.write_history(run_id, history)
        store.update_status(
            run_id, epochs_done=epoch + 1, train_seconds=time.monotonic() - started, samples_per_second=live.now.sps
        )
        if stop.is_set():
            break
    generator.save(store.model_path(run_id, "model"))
    return STOPPED if stop.is_set() else Outcome("done")


def samples(store: RunStore, run_id: str) -> np.ndarray | None:
    """The fixed-noise samples of every finished epoch: (epochs, 16, height, width)."""
    data = store.read_side(run_id, "samples.npy")
    try:
        return None if data is None else np.load(io.BytesIO(data))
    except (OSError, ValueError):
        return None
