"""The embedding projector: the penultimate layer's outputs for test samples, reduced to 2-D or 3-D.

PCA at once (scikit-learn, milliseconds); t-SNE on request (seconds). "Before" is the same
architecture with its initial weights, rebuilt from the run's seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from lib.train.run_config import RunConfig

MAX_SAMPLES = 2000
BATCH = 500


def sample_indices(count: int, limit: int = MAX_SAMPLES, seed: int = 0) -> np.ndarray:
    """Up to ``limit`` test indices, a seeded random choice (sorted), all of them when fewer."""
    if count <= limit:
        return np.arange(count)
    return np.sort(np.random.default_rng(seed).choice(count, size=limit, replace=False))


def penultimate_model(model):
    """A ``keras.Model`` from the input to the last layer's input (what the classifier reads)."""
    from lib.inside.gradients import submodel

    return submodel(model, before_last=True)


def embed(part, x: np.ndarray, batch: int = BATCH) -> np.ndarray:
    """``part``'s outputs for ``x``, flattened to (samples, features), float32.

    One sample is a direct call (milliseconds, per stroke); more go through ``predict``,
    compiled once, several times faster than eager calls on thousands of images.
    """
    if len(x) == 0:
        return np.zeros((0, 1), dtype="float32")
    if len(x) == 1:
        out = np.asarray(part(x, training=False))
    else:
        out = np.asarray(part.predict(x, batch_size=batch, verbose=0))
    return out.reshape(len(out), -1).astype("float32")


@dataclass
class Projection:
    """2-D or 3-D coordinates of the samples (and of any extra points, e.g. a drawing)."""

    coords: np.ndarray
    method: str
    explained: list[float] = field(default_factory=list)  # PCA: each axis's share of the variance
    extra: np.ndarray | None = None
    reducer: object = None  # the fitted PCA, to place new points without refitting


def pca(embedding: np.ndarray, dims: int = 2) -> Projection:
    """PCA of (samples, features) to ``dims`` axes; ``place`` puts new points in the same axes."""
    from sklearn.decomposition import PCA

    dims = max(1, min(dims, *embedding.shape))
    # "auto": a randomized SVD for a few axes of a wide embedding (2,000 × 1,600 for the lesson
    # convnet), the full one otherwise; seeded, so the same picture every time.
    reducer = PCA(n_components=dims, svd_solver="auto", random_state=0).fit(embedding)
    coords = reducer.transform(embedding)
    return Projection(coords, "pca", reducer.explained_variance_ratio_.tolist(), None, reducer)


def place(projection: Projection, embedding: np.ndarray) -> np.ndarray:
    """New points (their embedding) in a PCA projection's axes."""
    if projection.reducer is None:
        raise ValueError("only a PCA projection places new points; t-SNE is refitted with them")
    return projection.reducer.transform(np.asarray(embedding, dtype="float32").reshape(len(embedding), -1))


def tsne(embedding: np.ndarray, dims: int = 2, seed: int = 0, extra: np.ndarray | None = None) -> Projection:
    """t-SNE (scikit-learn) of the samples, with ``extra`` points fitted among them (t-SNE cannot place new ones).

    Starts from the PCA layout (``init="pca"``) so the picture is stable from seed to seed.
    """
    from sklearn.manifold import TSNE

    points = embedding if extra is None else np.concatenate([embedding, extra.reshape(len(extra), -1)])
    perplexity = float(min(30.0, max(2.0, (len(points) - 1) / 3)))
    coords = TSNE(n_components=dims, init="pca", perplexity=perplexity, random_state=seed).fit_transform(points)
    n = len(embedding)
    return Projection(coords[:n], "tsne", [], coords[n:] if extra is not None else None)


def initial_model(config: RunConfig):
    """The run's architecture with the weights it started from: built after the run's seed is set.

    The same steps as training (``keras.utils.set_random_seed`` then ``build_model``; a
    transfer run's copied layers copied again), so on the backend that trained the run the
    weights are exactly its starting weights. Another backend draws other numbers from the
    same seed and distributions.
    """
    import keras

    from lib.model.analysis import analyse
    from lib.model.builder import build_model

    spec = config.model_spec()
    keras.utils.set_random_seed(config.fit.seed)
    model = build_model(spec, analyse(spec, config.run_target(), config.fit.batch_size))
    return model


def copy_transferred(model, base_model, layers: list[str]) -> None:
    """Copy a transfer run's named layers from its base model (its real starting point)."""
    for name in layers:
        model.get_layer(name).set_weights(base_model.get_layer(name).get_weights())
