"""The GAN job: the combined model trains only the generator, the discriminator its own weights."""

from __future__ import annotations

import threading

import numpy as np

from lib.demos.gan import GRID, fit_gan, gan_config, samples
from lib.train.outcome import Outcome
from lib.train.progress import Live
from lib.train.runstore import RunStore


def test_gan_job_writes_losses_samples_and_generator(tmp_path):
    store = RunStore(tmp_path)
    run_id = store.create(gan_config("digits", 300, 2))
    live = Live()
    assert fit_gan(store, run_id, store.config(run_id), threading.Event(), live) == Outcome("done")
    assert live.now.epoch == 1 and live.now.batch == live.now.steps and live.now.sps > 0
    history = store.history(run_id)
    assert history["epoch"] == [1, 2] and all(np.isfinite(history["metrics"]["g_loss"]))
    grids = samples(store, run_id)
    assert grids.shape == (2, GRID, 8, 8) and 0 <= grids.min() and grids.max() <= 1
    assert not np.allclose(grids[0], grids[1])  # the generator changed between epochs
    assert store.model_path(run_id).exists()


def test_the_frozen_discriminator_pattern_trains_the_right_weights():
    import keras

    from lib.demos import gan

    generator, discriminator = gan._models((8, 8, 1), 0.001, 0.5)
    real = np.random.default_rng(0).random((16, 8, 8, 1)).astype("float32")
    ones = np.ones((16, 1), "float32")
    discriminator.train_on_batch(real, ones)
    discriminator.trainable = False
    combined = keras.Sequential([generator, discriminator])
    combined.compile(optimizer="adam", loss="binary_crossentropy")
    d_before, g_before = discriminator.get_weights(), generator.get_weights()
    combined.train_on_batch(np.random.default_rng(1).normal(size=(16, gan.LATENT)).astype("float32"), ones)
    assert all(np.array_equal(a, b) for a, b in zip(d_before, discriminator.get_weights()))
    assert not all(np.array_equal(a, b) for a, b in zip(g_before, generator.get_weights()))
    d_before = discriminator.get_weights()
    discriminator.train_on_batch(real, ones)  # its own step still trains it
    assert not all(np.array_equal(a, b) for a, b in zip(d_before, discriminator.get_weights()))
