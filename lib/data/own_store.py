"""Where the users' own datasets live: one folder each, named by a hash of what was uploaded.

``$KP_DATA_DIR`` (else ``data/`` beside the app) holds ``own_<hash>/`` folders with
``info.json`` (what the dataset is, how it was made, who uploaded it) and ``arrays.npz``
(``x_train``, ``y_train``, ``x_test``, ``y_test`` as a Keras loader returns them). The hash
covers the uploaded bytes and the options they were read with, so the same upload twice is
one dataset. A folder is written under a temporary name and renamed into place, so a
dataset is either complete or absent; once written it is never changed (runs are keyed by
its name, and their cached answers must stay true).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

PREFIX = "own_"
NAME = re.compile(rf"^{PREFIX}[0-9a-f]{{12}}$")
INFO_FILE = "info.json"
ARRAYS_FILE = "arrays.npz"
ARRAY_KEYS = ("x_train", "y_train", "x_test", "y_test")
_TEMP = ".incoming-"
_info_cache: dict[str, tuple[float, dict[str, Any]]] = {}


def data_dir() -> Path:
    """Where uploaded datasets live: ``$KP_DATA_DIR``, else ``data/`` beside the app."""
    path = Path(os.environ.get("KP_DATA_DIR") or Path(__file__).resolve().parents[2] / "data")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # an unwritable place: the upload explains the failure when it tries to write
    return path


def looks_own(name: object) -> bool:
    """True for a name an uploaded dataset has (whether or not it still exists)."""
    return isinstance(name, str) and bool(NAME.match(name))


def dataset_name(content: bytes, options: dict[str, Any]) -> str:
    """The name of the dataset made from ``content`` read with ``options`` (a content hash)."""
    digest = hashlib.sha256(content)
    digest.update(json.dumps(options, sort_keys=True).encode())
    return PREFIX + digest.hexdigest()[:12]


def names() -> list[str]:
    """Names of the stored datasets, oldest first."""
    try:
        found = [p for p in data_dir().iterdir() if looks_own(p.name) and (p / INFO_FILE).exists()]
    except OSError:
        return []
    return [p.name for p in sorted(found, key=lambda p: (p / INFO_FILE).stat().st_mtime)]


def read_info(name: str) -> dict[str, Any] | None:
    """The stored ``info.json`` of dataset ``name``; None when it is absent or unreadable."""
    if not looks_own(name):
        return None
    path = data_dir() / name / INFO_FILE
    try:
        stamp = path.stat().st_mtime
    except OSError:
        _info_cache.pop(name, None)
        return None
    cached = _info_cache.get(name)
    if cached and cached[0] == stamp:
        return cached[1]
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict):
        return None
    _info_cache[name] = (stamp, info)
    return info


def arrays_path(name: str) -> Path:
    """The arrays file of dataset ``name`` (also offered for download with the exported script)."""
    return data_dir() / name / ARRAYS_FILE


def load_arrays(name: str) -> dict[str, np.ndarray]:
    """The four arrays of dataset ``name`` (raises OSError/ValueError/KeyError when unreadable)."""
    with np.load(arrays_path(name), allow_pickle=False) as data:
        return {key: data[key] for key in ARRAY_KEYS}


def save(name: str, info: dict[str, Any], arrays: dict[str, np.ndarray]) -> bool:
    """Store a dataset atomically; False when it was already there (the same upload again).

    Written into a temporary folder, then renamed: a crash leaves no half-written dataset
    (leftover temporary folders are removed by :func:`clean_leftovers`).
    """
    root = data_dir()
    final = root / name
    if (final / INFO_FILE).exists():
        return False
    incoming = root / f"{_TEMP}{uuid.uuid4().hex}"
    incoming.mkdir(parents=True)
    try:
        with open(incoming / ARRAYS_FILE, "wb") as handle:
            np.savez_compressed(handle, **{key: arrays[key] for key in ARRAY_KEYS})
        stored = {**info, "name": name, "created": time.time()}
        (incoming / INFO_FILE).write_text(json.dumps(stored, ensure_ascii=False, indent=1), encoding="utf-8")
        try:
            os.replace(incoming, final)
        except OSError:
            if (final / INFO_FILE).exists():  # another session stored the same upload just now
                return False
            raise
    finally:
        shutil.rmtree(incoming, ignore_errors=True)
    return True


def files(name: str) -> dict[str, bytes]:
    """Dataset ``name``'s files by name, to carry it to a machine that does not have it (a Ray worker)."""
    folder = data_dir() / name
    return {INFO_FILE: (folder / INFO_FILE).read_bytes(), ARRAYS_FILE: (folder / ARRAYS_FILE).read_bytes()}


def install(name: str, contents: dict[str, bytes]) -> None:
    """Store a dataset carried from another machine (see :func:`files`), unless it is here already."""
    if not looks_own(name) or (data_dir() / name / INFO_FILE).exists():
        return
    incoming = data_dir() / f"{_TEMP}{uuid.uuid4().hex}"
    incoming.mkdir(parents=True)
    try:
        for file in (ARRAYS_FILE, INFO_FILE):
            (incoming / file).write_bytes(contents[file])
        try:
            os.replace(incoming, data_dir() / name)
        except OSError:
            if not (data_dir() / name / INFO_FILE).exists():
                raise
    finally:
        shutil.rmtree(incoming, ignore_errors=True)


def delete(name: str) -> None:
    """Remove dataset ``name`` (renamed away first, so no reader sees half of it)."""
    if not looks_own(name):
        raise ValueError(name)
    folder = data_dir() / name
    gone = data_dir() / f"{_TEMP}{uuid.uuid4().hex}"
    try:
        os.replace(folder, gone)
    except FileNotFoundError:
        return
    _info_cache.pop(name, None)
    shutil.rmtree(gone, ignore_errors=True)


def clean_leftovers(older_than_s: float = 3600.0) -> None:
    """Remove temporary folders an interrupted upload left behind."""
    now = time.time()
    try:
        for path in data_dir().iterdir():
            if path.name.startswith(_TEMP) and now - path.stat().st_mtime > older_than_s:
                shutil.rmtree(path, ignore_errors=True)
    except OSError:
        pass
