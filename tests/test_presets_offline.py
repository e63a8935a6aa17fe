"""Every lesson network trains offline in one click: on its own dataset, or on the stand-in."""

from __future__ import annotations

import pytest

from lib.data import datasets
from lib.model.presets import PRESETS
from lib.train.jobs import JobManager
from lib.train.runstore import RunStore
from lib.train.training import make_config
from tests.job_helpers import wait
from tests.keras_fixtures import WRITERS

# No offline dataset shares these shapes: a school's prepared Keras cache (a small file in the
# real format here) is what makes them offline.
PREPARED = ("cifar10", "imdb", "boston_housing")


@pytest.fixture(scope="module")
def manager(tmp_path_factory) -> JobManager:
    return JobManager(RunStore(tmp_path_factory.mktemp("runs")), workers=1)


@pytest.mark.parametrize("preset_id", list(PRESETS))
def test_every_lesson_network_trains_offline_for_one_epoch(preset_id, manager, datasets_dir, skip_hash_check):
    preset = PRESETS[preset_id]
    if preset.dataset in PREPARED:
        WRITERS[preset.dataset](datasets_dir)
    stand_in = datasets.offline_stand_in(preset.dataset)
    if preset.dataset == "mnist":  # not cached here: the MNIST networks get Fashion-MNIST, same 28×28×1 and 10 classes
        assert stand_in == "fashion_mnist"
    else:
        assert stand_in is None
    dataset = stand_in or preset.dataset
    settings = preset.settings().with_fit(epochs=1)
    spec = preset.spec(datasets.REGISTRY[dataset].input_shape)
    run = manager.submit(make_config(spec, dataset, 64, preset.target_kind, settings))
    assert wait(manager, run.run_id) == "done", manager.status(run.run_id)
    assert manager.store.history(run.run_id)["epoch"] == [1]
