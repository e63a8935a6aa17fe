"""Small files in the exact formats the Keras dataset loaders read, for a temp KERAS_HOME.

Every loader but Fashion-MNIST checks a SHA-256 of its cached file; a small fixture cannot
match it, so tests that load these stub only that hash check (see ``skip_hash_check``) and
the real loader code parses the files.
"""

from __future__ import annotations

import gzip
import io
import json
import pickle
import tarfile
from pathlib import Path

import numpy as np

WORDS = ["the", "movie", "was", "great", "bad", "plot", "actor", "boring", "fun", "oil"]


def _images(n: int, shape: tuple[int, ...], labels: np.ndarray) -> np.ndarray:
    # Each class a different brightness, so class-dependent statistics are checkable.
    base = (labels.reshape(-1, *([1] * len(shape))) * 20 + 5).astype("uint8")
    return np.broadcast_to(base, (n, *shape)).copy()


def labels(n: int, classes: int = 10) -> np.ndarray:
    """Balanced labels 0..classes-1."""
    return (np.arange(n) % classes).astype("uint8")


def write_mnist(datasets_dir: Path, n_train: int = 60, n_test: int = 20) -> None:
    """``mnist.npz`` with x_train/y_train/x_test/y_test, as Keras caches it."""
    ytr, yte = labels(n_train), labels(n_test)
    np.savez(
        datasets_dir / "mnist.npz",
        x_train=_images(n_train, (28, 28), ytr),
        y_train=ytr,
        x_test=_images(n_test, (28, 28), yte),
        y_test=yte,
    )


def _idx(data: np.ndarray, magic: int) -> bytes:
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in data.shape)
    return gzip.compress(header + data.tobytes())


def write_fashion(datasets_dir: Path, n_train: int = 60, n_test: int = 20) -> None:
    """The four gzipped IDX files (labels: 8-byte header, images: 16-byte header)."""
    folder = datasets_dir / "fashion-mnist"
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        y = labels(n)
        (folder / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(_idx(y, 2049))
        (folder / f"{prefix}-images-idx3-ubyte.gz").write_bytes(_idx(_images(n, (28, 28), y), 2051))


def _add_pickle(tar: tarfile.TarFile, name: str, obj: dict) -> None:
    payload = pickle.dumps(obj)
    member = tarfile.TarInfo(name)
    member.size = len(payload)
    tar.addfile(member, io.BytesIO(payload))


def write_cifar10(datasets_dir: Path, n_test: int = 20) -> None:
    """``cifar-10-batches-py-target_archive``: a tar.gz of pickled batches.

    The Keras loader hard-codes five batches of 10,000 training images, so this fixture
    has 50,000 of them; they are constant per class and gzip to almost nothing.
    """
    with tarfile.open(datasets_dir / "cifar-10-batches-py-target_archive", "w:gz", compresslevel=1) as tar:
        for i in range(1, 6):
            y = labels(10000)
            _add_pickle(
                tar, f"cifar-10-batches-py/data_batch_{i}", {b"data": _images(10000, (3072,), y), b"labels": y.tolist()}
            )
        y = labels(n_test)
        _add_pickle(
            tar, "cifar-10-batches-py/test_batch", {b"data": _images(n_test, (3072,), y), b"labels": y.tolist()}
        )


def write_cifar100(datasets_dir: Path, n_train: int = 200, n_test: int = 100) -> None:
    """``cifar-100-python-target_archive`` with ``train`` and ``test`` pickles."""
    with tarfile.open(datasets_dir / "cifar-100-python-target_archive", "w:gz") as tar:
        for split, n in (("train", n_train), ("test", n_test)):
            y = labels(n, 100)
            _add_pickle(
                tar,
                f"cifar-100-python/{split}",
                {b"data": _images(n, (3072,), y % 10), b"fine_labels": y.tolist(), b"coarse_labels": (y // 5).tolist()},
            )


def _sequences(n: int, classes: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    seqs = np.empty(n, dtype=object)
    for i in range(n):
        # Stored as raw word ranks (1 = most frequent); load_data adds the start token and
        # shifts them by index_from itself.
        seqs[i] = rng.integers(1, 1 + len(WORDS), size=int(rng.integers(5, 30))).tolist()
    return seqs, labels(n, classes).astype("int64")


def _word_index() -> dict[str, int]:
    return {w: i + 1 for i, w in enumerate(WORDS)}


def write_imdb(datasets_dir: Path, n: int = 40) -> None:
    """``imdb.npz`` (ragged object arrays of word ranks) + ``imdb_word_index.json``."""
    rng = np.random.default_rng(0)
    xtr, ytr = _sequences(n, 2, rng)
    xte, yte = _sequences(n // 2, 2, rng)
    np.savez(datasets_dir / "imdb.npz", x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)
    (datasets_dir / "imdb_word_index.json").write_text(json.dumps(_word_index()))


def write_reuters(datasets_dir: Path, n: int = 92) -> None:
    """``reuters.npz`` with one ``x``/``y`` pair (Keras splits it) + word index."""
    x, y = _sequences(n, 46, np.random.default_rng(1))
    np.savez(datasets_dir / "reuters.npz", x=x, y=y)
    (datasets_dir / "reuters_word_index.json").write_text(json.dumps(_word_index()))


def write_boston(datasets_dir: Path, n: int = 50) -> None:
    """``boston_housing.npz`` with ``x`` (n, 13) and ``y`` (n,)."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(n, 13)) * 3 + 10
    np.savez(datasets_dir / "boston_housing.npz", x=x, y=x[:, 5] * 2 + rng.normal(size=n))


WRITERS = {
    "mnist": write_mnist,
    "fashion_mnist": write_fashion,
    "cifar10": write_cifar10,
    "cifar100": write_cifar100,
    "imdb": write_imdb,
    "reuters": write_reuters,
    "boston_housing": write_boston,
}
