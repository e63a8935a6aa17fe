"""The Keras cache on disk (``$KERAS_HOME/datasets``), without importing Keras.

Mirrors where ``keras.utils.get_file`` looks, so the app can tell which datasets are
already available offline and seed Fashion-MNIST from Debian's ``dataset-fashion-mnist``.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from pathlib import Path

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
FASHION_FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)


def keras_home() -> Path:
    """Return Keras's home folder, read the way Keras reads it (``KERAS_HOME`` first)."""
    if "KERAS_HOME" in os.environ:
        return Path(os.environ["KERAS_HOME"])
    home = Path.home()
    base = home if os.access(home, os.W_OK) else Path(tempfile.gettempdir())
    return base / ".keras"


def datasets_dir() -> Path:
    """Return the folder where ``get_file`` caches dataset files.

    Keras falls back to ``/tmp/.keras`` when its home is not writable; so do we.
    """
    home = keras_home()
    home.mkdir(parents=True, exist_ok=True)
    if not os.access(home, os.W_OK):
        home = Path(tempfile.gettempdir()) / ".keras"
    return home / "datasets"


def seed_fashion_mnist(source: Path = DEBIAN_FASHION_MNIST) -> bool:
    """Copy Debian's Fashion-MNIST files into the Keras cache when they are missing there.

    Returns True when all four files are in the cache afterwards. Copies go through a
    temporary file and ``os.replace`` so a half-copied file never looks complete.
    """
    target = datasets_dir() / "fashion-mnist"
    for name in FASHION_FILES:
        dest = target / name
        if dest.exists() or not (source / name).exists():
            continue
        target.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target, suffix=".part")
        os.close(fd)
        shutil.copyfile(source / name, tmp)
        os.replace(tmp, dest)
    return all((target / name).exists() for name in FASHION_FILES)


def can_reach(host: str, port: int = 443, timeout: float = 3.0) -> bool:
    """Tell quickly whether ``host`` accepts a connection, before a download is tried.

    ``urlretrieve`` has no timeout of its own, so a filtered network could hang it; this
    probe bounds the wait for the no-network case.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def remove_paths(paths: list[Path]) -> None:
    """Delete cached files or extracted folders (for "delete and retry")."""
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink()
