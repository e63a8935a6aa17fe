"""Checked exports: SavedModel, ONNX and LiteRT round-tripped through their own runtimes."""

from __future__ import annotations

import numpy as np
import pytest

from lib.train import exports
from lib.train.export_jobs import ExportJobs, read_result
from lib.train.exports import CHECK_INPUTS, TOLERANCE, export_checked, run_in_runtime
from lib.train.jobs import JobManager
from lib.train.runstore import RunStore
from tests.job_helpers import digits_config, wait
from tests.waiting import wait_until

pytest.importorskip("onnxruntime")
pytest.importorskip("ai_edge_litert")


def _mlp():
    import keras

    keras.utils.set_random_seed(1)
    return keras.Sequential([
        keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(16, activation="relu"),
        keras.layers.Dropout(0.2), keras.layers.Dense(10, activation="softmax"),
    ])  # fmt: skip


def _convnet():
    import keras

    keras.utils.set_random_seed(2)
    return keras.Sequential([
        keras.Input((8, 8, 1)), keras.layers.RandomFlip(), keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.MaxPooling2D(), keras.layers.BatchNormalization(), keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])  # fmt: skip


def _inputs(n: int = 120) -> np.ndarray:
    return np.random.default_rng(0).random((n, 8, 8, 1), dtype="float32")


@pytest.mark.parametrize("fmt", list(exports.FORMATS))
@pytest.mark.parametrize("make", [_mlp, _convnet], ids=["mlp", "convnet"])
def test_export_round_trips_through_its_runtime(tmp_path, make, fmt):
    model, x = make(), _inputs()
    result = export_checked(model, fmt, x, tmp_path)
    assert result.ok, result
    assert result.inputs == CHECK_INPUTS and result.max_abs_diff <= TOLERANCE
    print(f"RESULT {make.__name__} {fmt} max_abs_diff={result.max_abs_diff:.3g}")
    path = tmp_path / result.file
    assert path.suffix == "." + exports.FORMATS[fmt].suffix.rsplit(".", 1)[-1]
    # Loaded again, on inputs it was not checked on, it answers as Keras does.
    other = _inputs(7) + 0.5
    got = run_in_runtime(fmt, path, other)
    np.testing.assert_allclose(got, np.asarray(model(other, training=False)), atol=TOLERANCE)
    assert not (tmp_path / "model").exists()  # the unzipped SavedModel folder is not left behind


def test_an_export_that_differs_is_refused_and_not_kept(tmp_path, monkeypatch):
    real = exports._RUNNERS["onnx"]
    monkeypatch.setitem(exports._RUNNERS, "onnx", lambda path, x: real(path, x) + 1e-3)
    result = export_checked(_mlp(), "onnx", _inputs(), tmp_path)
    assert not result.ok and result.code == "mismatch"
    assert result.max_abs_diff == pytest.approx(1e-3, rel=1e-2)
    assert "diferem das do Keras em até 1,0e-03, mais que 1e-04" in exports.failure_text(result, "pt")
    assert not list(tmp_path.glob("model.onnx"))


def test_a_layer_onnx_lacks_is_named(tmp_path):
    import keras

    model = keras.Sequential([
        keras.Input((6,)), keras.layers.Dense(5, activation="relu", name="first"),
        keras.layers.Dense(3, activation="gelu", name="smooth"),
    ])  # fmt: skip
    result = export_checked(model, "onnx", np.ones((4, 6), "float32"), tmp_path)
    assert not result.ok and result.code == "layer"
    assert (result.layer, result.layer_type) == ("smooth", "Dense")
    assert (result.why, result.op) == ("no_op", "Erfc")
    said = {lang: exports.failure_text(result, lang) for lang in ("en", "pt")}
    assert "layer smooth (Dense)" in said["en"] and "Erfc, which ONNX does not define" in said["en"]
    assert "camada smooth (Dense)" in said["pt"] and "Erfc, que o ONNX não define" in said["pt"]


def test_a_recurrent_layer_litert_cannot_run_is_named(tmp_path):
    import keras

    model = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4, name="memory"), keras.layers.Dense(2)])
    result = export_checked(model, "litert", np.ones((4, 5, 3), "float32"), tmp_path)
    assert not result.ok and result.code == "layer" and result.layer == "memory"
    assert (result.why, result.op) == ("flex", "TensorListReserve")


def test_export_job_of_a_run_in_its_own_process(tmp_path):
    store = RunStore(tmp_path / "runs")
    manager = JobManager(store, workers=1)
    run_id = manager.submit(digits_config(epochs=1, samples=200)).run_id
    assert wait(manager, run_id) == "done"
    jobs = ExportJobs()
    assert jobs.state(store, run_id, "litert").state == "none"
    assert jobs.start(store, run_id, "litert")
    assert not jobs.start(store, run_id, "litert")  # one export per run and format
    state = wait_until(
        lambda: (s := jobs.state(store, run_id, "litert")).state == "done" and s,
        "the export process to write its result",
        seen=lambda: jobs.state(store, run_id, "litert"),
    )
    assert state.result.ok, state.result
    assert state.file is not None and state.file.name == "model.tflite"
    assert not jobs.start(store, run_id, "litert")  # done: kept on disk, shared with every session
    assert read_result(state.folder) == state.result
    assert run_id in store.list() and len(store.list()) == 1  # the exports folder is not a run
    state.file.unlink()  # a checked file removed by hand: offered to be made again, not a broken download
    assert jobs.state(store, run_id, "litert").state == "none"
