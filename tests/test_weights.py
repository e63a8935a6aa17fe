"""Weights files: save a run's weights, load them into the same architecture, refuse another one."""

from __future__ import annotations

import numpy as np
import pytest

from lib.train.evaluation import load_run_model
from lib.train.jobs import JobManager
from lib.train.run_config import RunConfig
from lib.train.runstore import RunStore
from lib.train.weights import WeightsError, load_weights, weights_file
from tests.job_helpers import digits_config, wait


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[RunStore, str, str]:
    store = RunStore(tmp_path_factory.mktemp("runs"))
    manager = JobManager(store, workers=1)
    trained = manager.submit(digits_config(epochs=1, samples=200)).run_id
    other = digits_config(epochs=1, samples=200).to_dict()
    other["spec"]["layers"][1]["config"]["units"] = 32  # another architecture: 32 hidden units, not 64
    other = RunConfig.from_dict(other)
    other_run = manager.submit(other).run_id
    assert wait(manager, trained) == "done" and wait(manager, other_run) == "done"
    return store, trained, other_run


def test_weights_round_trip_into_the_same_architecture(runs):
    store, trained, _ = runs
    data = weights_file(store, trained)
    assert data.startswith(b"\x89HDF")
    copy = load_weights(store, trained, data, nickname="ana")
    assert copy != trained and store.status(copy).state == "done" and store.owner(copy)["owner"] == "ana"
    x = np.random.default_rng(0).uniform(0, 1, (5, 8, 8, 1)).astype("float32")
    before, after = load_run_model(store, trained), load_run_model(store, copy)
    assert np.allclose(before.predict(x, verbose=0), after.predict(x, verbose=0), atol=1e-6)
    assert load_weights(store, trained, data) == copy  # the same file into the same run is the same run


def test_weights_of_another_architecture_are_refused_with_where(runs):
    store, trained, other_run = runs
    with pytest.raises(WeightsError) as err:
        load_weights(store, trained, weights_file(store, other_run))
    assert err.value.code == "mismatch" and err.value.values["detail"]
    with pytest.raises(WeightsError) as err:
        load_weights(store, trained, b"PK\x03\x04 a zip, not weights")
    assert err.value.code == "not_h5"
