"""Which device the Keras backend of this process trains on (shown with every run)."""

from __future__ import annotations


def device_name() -> str:
    """``GPU`` when the Keras backend sees one, else ``CPU``."""
    import keras

    backend = keras.config.backend()
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            return "GPU" if tf.config.list_physical_devices("GPU") else "CPU"
        if backend == "jax":
            import jax

            return "GPU" if jax.default_backend() == "gpu" else "CPU"
        if backend == "torch":
            import torch

            return "GPU" if torch.cuda.is_available() else "CPU"
    except Exception:  # noqa: BLE001 - a device probe must never stop training
        return "CPU"
    return "CPU"
