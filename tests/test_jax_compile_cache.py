"""JAX workers keep compiled steps on disk (lib/train/worker_body.py): reused, same numbers, damage-proof.

Each case is a fresh Python process, as a worker is: it loads Keras on JAX the way a worker
does (``load_keras("jax")``, which turns the cache on), trains a small Dense network for one
epoch with a fixed seed and prints its final weights and how many compiled steps came from
the cache (JAX's own monitoring events).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from lib.train.worker_body import jax_cache_dir, use_jax_compilation_cache

REPO = Path(__file__).resolve().parents[1]
TRAIN = """
import json, sys
import jax.monitoring
hits = []
jax.monitoring.register_event_listener(lambda event, **kw: hits.append(event) if event.endswith("cache_hits") else None)
from lib.train.worker_body import load_keras
load_keras("jax")
import keras, numpy as np
rng = np.random.default_rng(0)
x, y = rng.normal(size=(256, 16)).astype("float32"), rng.integers(0, 4, 256)
keras.utils.set_random_seed(7)
model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(12, activation="relu"),
                          keras.layers.Dense(4, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, batch_size=32, epochs=1, validation_split=0.25, verbose=0)
print(json.dumps({"weights": [w.tolist() for w in model.get_weights()], "hits": len(hits)}))
"""


def _train(cache: Path | str) -> tuple[list[np.ndarray], int]:
    env = {**os.environ, "KP_JAX_CACHE": str(cache), "KERAS_BACKEND": "jax", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", TRAIN], capture_output=True, text=True, env=env, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return [np.array(w) for w in result["weights"]], result["hits"]


def _entries(folder: Path) -> set[Path]:
    return set(folder.glob("*-cache"))


def test_compiled_steps_come_from_disk_give_the_same_weights_and_survive_damage(tmp_path):
    cache = tmp_path / "jax-cache"
    without, hits = _train("")  # the cache off: every step compiled here
    assert hits == 0 and not cache.exists()
    first, hits = _train(cache)  # an empty cache: compiled, then kept
    stored = _entries(cache)
    assert hits == 0 and stored
    second, hits = _train(cache)  # a later job of the same network: read back, nothing new compiled
    assert hits >= 2 and _entries(cache) == stored  # (at least the train and the validation step)
    for entry in stored:  # every entry damaged (a disk error, a worker killed mid-write)
        entry.write_bytes(b"not an executable")
    damaged, _ = _train(cache)  # JAX compiles again (and says so in the log); the job goes on
    for weights in (first, second, damaged):
        assert all(np.array_equal(a, b) for a, b in zip(without, weights))


def test_a_folder_that_cannot_be_written_leaves_the_cache_off(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert use_jax_compilation_cache(blocker / "cache") is False  # (a file where the folder should be)
    assert use_jax_compilation_cache(None) is False
    monkeypatch.setenv("KP_JAX_CACHE", "")
    assert jax_cache_dir() is None
    monkeypatch.setenv("KP_JAX_CACHE", str(tmp_path / "elsewhere"))
    assert jax_cache_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("KP_JAX_CACHE")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    assert jax_cache_dir() == tmp_path / "keras" / "jax-compilation-cache"
