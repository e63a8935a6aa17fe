"""Run store, job manager, training jobs, label encoding, evaluation and model import."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from lib.model import labels
from lib.model.analysis import Target
from lib.model.presets import PRESETS
from lib.model.spec import sequential
from lib.train.evaluation import evaluate
from lib.train.jobs import JobManager, Submitted
from lib.train.model_import import ModelImportError, import_model
from lib.train.run_config import Continues, RunConfig
from lib.train.runstore import RunStore, Status, atomic_write, config_hash
from lib.train.training import make_config
from tests.job_helpers import digits_config, wait
from tests.waiting import DEADLINE, wait_until


def _digits_config(epochs: int = 2, samples: int = 300, **compile_changes) -> dict:
    return digits_config(epochs, samples, **compile_changes)


@pytest.fixture
def store(tmp_path) -> RunStore:
    return RunStore(tmp_path / "runs")


def test_config_hash_is_stable_and_sensitive():
    a, b = _digits_config(), _digits_config()
    assert config_hash(a) == config_hash(b)
    assert config_hash(a) == config_hash(json.loads(json.dumps(a.to_dict())))  # survives a JSON round trip
    assert config_hash(a) == config_hash(RunConfig.from_dict(json.loads(json.dumps(a.to_dict()))))
    assert config_hash(_digits_config(epochs=3)) != config_hash(a)


def test_atomic_write_never_leaves_a_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "status.json"
    atomic_write(target, "old")

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", crash)
    with pytest.raises(OSError):
        atomic_write(target, "new")
    assert target.read_text() == "old"


def test_status_transitions_and_interrupted_runs(store):
    run_id = store.create(_digits_config())
    assert store.status(run_id).state == "queued"
    store.update_status(run_id, state="running", epochs_done=1)
    assert RunStore(store.root).mark_interrupted() == [run_id]  # a new server finds it orphaned
    status = store.status(run_id)
    # No epoch was saved, so the message must not promise that it can be continued.
    assert status.state == "interrupted" and status.epochs_done == 1 and status.message == "interrupted_early"
    store.update_status(run_id, state="running")  # a late write from a dead server's worker: ignored
    assert store.status(run_id).state == "interrupted"
    saved = store.create(_digits_config(epochs=3))  # a run that saved an epoch can be continued: said so
    store.update_status(saved, state="running", epochs_done=1)
    store.model_path(saved, "checkpoint").write_bytes(b"saved epoch")
    assert RunStore(store.root).mark_interrupted() == [saved]
    assert store.status(saved).state == "interrupted" and store.status(saved).message == "interrupted"
    (store.path(run_id) / "status.json").write_text("{broken")
    assert store.status(run_id).state == "failed"


def test_train_cache_resume(store):
    manager = JobManager(store, workers=1)
    config = _digits_config(epochs=2)
    first = manager.submit(config)
    assert first.outcome == "queued"
    assert wait(manager, first.run_id) == "done"
    history = store.history(first.run_id)
    assert history["epoch"] == [1, 2] and {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(history["metrics"])
    assert store.batches(first.run_id)["x"] and store.model_path(first.run_id).exists()
    assert manager.submit(config, nickname="ana").outcome == "cached"
    parent_model = store.model_path(first.run_id).read_bytes()
    child = manager.resume(first.run_id, 2, owner="s1", nickname="bia")
    assert child.outcome == "queued" and child.run_id != first.run_id
    assert wait(manager, child.run_id) == "done"
    # The child went on from the parent's epoch 2; the parent is exactly as it was.
    assert store.history(child.run_id)["epoch"] == [1, 2, 3, 4]
    assert store.history(child.run_id)["metrics"]["loss"][:2] == history["metrics"]["loss"]
    assert store.config(child.run_id).continues == Continues(first.run_id, 2)
    assert store.history(first.run_id) == history and store.model_path(first.run_id).read_bytes() == parent_model
    assert store.status(first.run_id).epochs_done == 2
    # Asking for the 2-epoch settings is still the 2-epoch answer; the same continuation is cached.
    assert manager.submit(config) == Submitted(first.run_id, "cached")
    assert manager.resume(first.run_id, 2).outcome == "cached"
    assert store.owner(child.run_id) == {"owner": "bia", "users": ["bia"]}
    assert manager.submit(config, force=True, nickname="bia").outcome == "not_owner"
    assert manager.submit(config, force=True, nickname="ana").outcome == "queued"  # the owner may (an
    wait(manager, first.run_id)  # anonymous run is adopted by the first nickname that asks for it)


def test_queue_positions_and_stopping_a_queued_job(store):
    gate = threading.Event()

    def slow_trainer(store_, run_id, stop, live, more):
        live.update(epoch=0)  # it has begun
        gate.wait(DEADLINE)  # held until the test has looked at the queue
        store_.update_status(run_id, state="done")

    manager = JobManager(store, workers=1, trainer=slow_trainer)
    first = manager.submit(_digits_config(epochs=1))
    second = manager.submit(_digits_config(epochs=2))
    third = manager.submit(_digits_config(epochs=3))
    wait_until(lambda: getattr(manager.live(first.run_id), "epoch", None) == 0, "the first job to be running")
    assert manager.queue_position(first.run_id) is None  # running
    assert manager.queue_position(second.run_id) == 1 and manager.queue_position(third.run_id) == 2
    manager.stop(second.run_id)
    assert store.status(second.run_id).state == "stopped" and manager.queue_position(third.run_id) == 1
    assert manager.submit(_digits_config(epochs=1)).outcome == "active"
    gate.set()
    wait(manager, third.run_id)


def test_stopping_a_running_job_keeps_its_weights(store):
    manager = JobManager(store, workers=1)
    run = manager.submit(_digits_config(epochs=200, samples=0))
    wait_until(lambda: store.status(run.run_id).epochs_done >= 1, "the first epoch",
               seen=lambda: store.status(run.run_id))  # fmt: skip
    manager.stop(run.run_id)
    assert wait(manager, run.run_id) == "stopped"
    status = store.status(run.run_id)
    assert status.epochs_done >= 1 and status.epochs_done < 200  # stopped part-way, after an epoch
    assert store.best_model_path(run.run_id)  # the last (cut-short) epoch, checkpointed


@pytest.mark.parametrize("factor, message", [(1000.0, "diverged"), (float("inf"), "nan")])
def test_exploding_loss_fails_the_run_with_an_explanation(
    factor, message, store, datasets_dir, skip_hash_check, monkeypatch
):
    """SGD at learning rate 10 explodes: caught as divergence, or (with that check off) as NaN."""
    from tests import keras_fixtures

    monkeypatch.setattr("lib.train.training.DIVERGENCE_FACTOR", factor)
    monkeypatch.setattr("lib.train.training.STEPS_PER_EXECUTION", 1)  # see each batch's loss before it is NaN
    keras_fixtures.write_boston(datasets_dir)
    preset = PRESETS["boston_mlp"]
    settings = preset.settings().with_compile(optimizer="SGD", optimizer_params={"learning_rate": 10.0})
    manager = JobManager(store, workers=1)
    run = manager.submit(make_config(preset.spec((13,)), "boston_housing", 0, "value", settings))
    assert wait(manager, run.run_id) == "failed"
    assert store.status(run.run_id).message == message
    assert store.status(run.run_id).epochs_done < settings.fit.epochs  # stopped early


def test_an_exception_in_a_job_is_contained(store, monkeypatch):
    import lib.train.training

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(lib.train.training, "build_model", explode)
    manager = JobManager(store, workers=1)
    bad = manager.submit(_digits_config(epochs=1))
    assert wait(manager, bad.run_id) == "failed"
    status = store.status(bad.run_id)
    assert status.message == "exception" and "boom" in status.detail
    monkeypatch.undo()
    good = manager.submit(_digits_config(epochs=1, samples=200))  # the worker is still alive
    assert wait(manager, good.run_id) == "done"


@pytest.mark.parametrize("damage", ["{broken", '{"dataset": "digits"}', "[1, 2]"])
def test_a_config_damaged_after_submit_is_refused_by_the_worker_with_a_code(store, damage):
    """The worker trusts the config the job manager checked, but reads it once: a damaged file is refused."""
    from lib.train.progress import Live
    from lib.train.training import run_training

    run_id = store.create(_digits_config(epochs=1))
    (store.root / run_id / "config.json").write_text(damage)
    live = Live()
    assert run_training(store, run_id, threading.Event(), live) == "failed"
    assert store.status(run_id).message == "config_damaged" == live.now.outcome.message


def test_label_encoding_follows_the_loss():
    ten, two = Target("classes", 10), Target("classes", 2)
    assert labels.encoding("sparse_categorical_crossentropy", ten) == "sparse"
    assert labels.encoding("categorical_crossentropy", ten) == "onehot"
    assert labels.encoding("mean_squared_error", ten) == "onehot"
    assert labels.encoding("binary_crossentropy", two) == "binary"
    assert labels.encoding("mean_squared_error", Target("value")) == "value"
    np.testing.assert_array_equal(labels.encode(np.array([2, 0]), "onehot", 3), [[0, 0, 1], [1, 0, 0]])
    assert labels.pairing_problems("hinge", Target("value"), 1, "linear")[0].code == "loss_needs_classes"
    assert labels.pairing_problems("sparse_categorical_crossentropy", ten, 10, "relu")[0].code == (
        "crossentropy_needs_probabilities"
    )
    assert labels.pairing_problems("binary_crossentropy", two, 2, "softmax")[0].code == "binary_needs_one_unit"
    assert labels.pairing_problems("mean_squared_error", ten, 10, "softmax")[0].severity == "hint"


def test_evaluation_of_a_classifier_and_a_regressor(store, datasets_dir, skip_hash_check):
    from tests import keras_fixtures

    manager = JobManager(store, workers=1)
    run = manager.submit(_digits_config(epochs=2))
    wait(manager, run.run_id)
    result = evaluate(store, run.run_id)
    assert 0 <= result["accuracy"] <= 1 and len(result["confusion"]) == 10
    assert sum(map(sum, result["confusion"])) == 360
    assert all(m["true"] != m["predicted"] for m in result["mistakes"])
    assert evaluate(store, run.run_id) == result  # cached beside the model

    keras_fixtures.write_boston(datasets_dir)
    preset = PRESETS["boston_mlp"]
    settings = preset.settings().with_fit(epochs=2)
    reg = manager.submit(make_config(preset.spec((13,)), "boston_housing", 0, "value", settings))
    assert wait(manager, reg.run_id) == "done"
    result = evaluate(store, reg.run_id)
    assert len(result["true"]) == len(result["predicted"]) == 10 and "mae" in result["metrics"]


def test_model_import_is_checked(store):
    import keras

    with pytest.raises(ModelImportError) as err:
        import_model(store, b"not a zip file", "digits")
    assert err.value.code == "not_keras"  # refused before Keras opens it
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(10, "softmax")])
    path = store.root / "m.keras"
    model.save(path)
    with pytest.raises(ModelImportError) as err:
        import_model(store, path.read_bytes(), "mnist")
    assert err.value.code == "shape"
    run_id = import_model(store, path.read_bytes(), "digits")
    assert store.status(run_id).state == "done" and "accuracy" in evaluate(store, run_id)


def test_status_defaults():
    assert Status().state == "queued"
    assert sequential((4,), ("Dense", {"units": 2})).nodes[0].id == "dense_1"


def test_progress_never_passes_its_total_and_tells_no_time_left_before_timing():
    import dataclasses

    from lib.train.progress import Progress
    from lib.train.run_views import progress_text
    from lib.train.training import SpeedClock

    live = Progress(epoch=0, epochs=5, initial_epoch=0, batch=1504, steps=1500, batch_size=32)
    first = progress_text(live, "en")  # only the first (compiling) execution so far: no speed yet
    assert "batch 1500/1500" in first and "measuring the speed" in first and "left" not in first
    assert "medindo a velocidade" in progress_text(live, "pt")
    clock = SpeedClock()
    assert clock.update(1024) == {}  # the first execution's end starts the clock
    live = dataclasses.replace(live, batch=750, **clock.update(1024 + 32_000) or {"sps": 1.0})
    timed = progress_text(live, "en")
    assert "samples/s" in timed and "s left" in timed and "batch 750/1500" in timed


def test_a_personal_train_on_someone_elses_run_makes_an_own_copy(store):
    manager = JobManager(store, workers=1)
    config = _digits_config(epochs=1)
    ana = manager.submit(config, owner="s-ana", nickname="ana", personal=True)
    assert ana.run_id == config_hash(config)  # nobody had it: the plain config, hers (older folders keep their hash)
    assert wait(manager, ana.run_id) == "done"
    assert manager.submit(config, owner="s-ana", nickname="ana", personal=True) == Submitted(ana.run_id, "cached")
    bia = manager.submit(config, owner="s-bia", nickname="bia", personal=True)
    assert bia.outcome == "queued" and bia.run_id != ana.run_id  # her own run, not ana's answer
    assert store.owner(bia.run_id)["owner"] == "bia" and store.config(bia.run_id).owner == "bia"
    assert wait(manager, bia.run_id) == "done"
    assert manager.submit(config, owner="s-bia", nickname="bia", personal=True) == Submitted(bia.run_id, "cached")
    again = manager.submit(config, force=True, owner="s-bia", nickname="bia", personal=True)
    assert again == Submitted(bia.run_id, "queued")  # hers to train again
    assert wait(manager, bia.run_id) == "done"
    child = manager.resume(bia.run_id, 1, owner="s-bia", nickname="bia", personal=True)
    assert child.outcome == "queued" and store.owner(child.run_id)["owner"] == "bia"
    assert wait(manager, child.run_id) == "done"
    assert store.owner(ana.run_id) == {"owner": "ana", "users": ["ana"]}  # ana's run untouched
    assert manager.submit(config).run_id == ana.run_id  # not personal (experiments): the shared answer
