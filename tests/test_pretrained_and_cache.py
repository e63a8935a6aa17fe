"""Pretrained weights for the transfer demo, and a school's prepared Keras cache archive."""

from __future__ import annotations

import io
import tarfile

import numpy as np
import pytest

from lib.data import cache_archive, keras_cache
from lib.demos import pretrained
from lib.train.evaluation import evaluate, load_run_model
from lib.train.jobs import JobManager
from lib.train.runstore import RunStore
from tests.job_helpers import wait


@pytest.fixture
def stand_in_weights():
    """A MobileNetV2 weights file in the format and place keras.applications uses (random values:
    the real ImageNet file needs the network this test machine does not have)."""
    import h5py
    import keras
    from keras.src.legacy.saving import legacy_h5_format

    path = pretrained.weights_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    base = keras.applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35, include_top=False, weights=None)
    with h5py.File(path, "w") as out:
        legacy_h5_format.save_weights_to_hdf5_group(out, base)
    yield base
    path.unlink(missing_ok=True)


def test_the_pretrained_run_trains_only_its_head_on_the_cached_weights(stand_in_weights, tmp_path):
    assert pretrained.available()
    manager = JobManager(RunStore(tmp_path / "runs"), workers=1)
    run = manager.submit(pretrained.pretrained_config("digits", [5, 6, 7, 8, 9], 60, 1)).run_id
    assert wait(manager, run) == "done", manager.status(run)
    model = load_run_model(manager.store, run)
    base = model.get_layer(stand_in_weights.name)
    for mine, cached in zip(base.weights, stand_in_weights.weights):  # the cached weights, frozen
        assert np.array_equal(np.asarray(mine), np.asarray(cached))
    assert model.get_layer("head").output.shape[-1] == 5
    result = evaluate(manager.store, run)
    assert 0 <= result["accuracy"] <= 1 and int(np.sum(result["confusion"])) == 180  # digits 5-9 of the test set


def test_without_the_weights_the_run_fails_with_the_reason(tmp_path):
    assert not pretrained.available()
    manager = JobManager(RunStore(tmp_path / "runs"), workers=1)
    run = manager.submit(pretrained.pretrained_config("digits", [5, 6], 20, 1)).run_id
    assert wait(manager, run) == "failed" and manager.status(run).message == "pretrained_missing"


def _tar(members: dict[str, bytes], link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        if link:
            info = tarfile.TarInfo("datasets/evil")
            info.type, info.linkname = tarfile.SYMTYPE, link
            archive.addfile(info)
    return buffer.getvalue()


def test_a_prepared_cache_round_trips_into_keras_home(tmp_path, monkeypatch):
    source, target = tmp_path / "connected", tmp_path / "offline"
    (source / "datasets").mkdir(parents=True)
    (source / "models").mkdir()
    (source / "datasets" / "mnist.npz").write_bytes(b"npz bytes")
    (source / "models" / pretrained.WEIGHTS_FILE).write_bytes(b"h5 bytes")
    monkeypatch.setenv("KERAS_HOME", str(source))
    archive = cache_archive.export_archive(tmp_path / "cache.tar.gz")
    monkeypatch.setenv("KERAS_HOME", str(target))
    assert cache_archive.main(["import", str(archive)]) == 0
    assert (keras_cache.datasets_dir() / "mnist.npz").read_bytes() == b"npz bytes"
    assert (target / "models" / pretrained.WEIGHTS_FILE).read_bytes() == b"h5 bytes"


@pytest.mark.parametrize(
    "members, link",
    [({"../outside.txt": b"x"}, None), ({"/etc/cron.d/x": b"x"}, None), ({"datasets/ok.npz": b"x"}, "/etc/passwd"),
     ({"notes/readme.txt": b"x"}, None)],
)  # fmt: skip
def test_a_hostile_archive_is_refused_and_writes_nothing(members, link, tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    path = tmp_path / "bad.tar.gz"
    path.write_bytes(_tar(members, link))
    with pytest.raises(cache_archive.ArchiveError):
        cache_archive.import_archive(path)
    assert not home.exists() or not any(home.rglob("*"))
    assert not (tmp_path / "outside.txt").exists()
    path.write_bytes(b"not a tar file")
    assert cache_archive.main(["import", str(path)]) == 1
