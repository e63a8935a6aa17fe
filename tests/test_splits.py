"""Data splits as the lessons do them: a held-out validation set, and a pooled train/test split."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from lib.data import datasets
from lib.model.analysis import Target, analyse
from lib.model.codegen import export_script
from lib.model.presets import PRESETS
from lib.model.train_config import FitSettings
from lib.train.config_check import config_problems
from lib.train.evaluation import evaluate
from lib.train.jobs import JobManager
from lib.train.runstore import RunStore, config_hash
from lib.train.training import training_arrays, validation_set
from tests.job_helpers import digits_config, wait


def test_a_pooled_75_25_split_keeps_every_sample_once_and_every_class_share():
    raw = datasets.load("digits")
    pooled = datasets.repool(raw, 0.25, seed=0)
    assert len(pooled.y_test) == 450 and len(pooled.y_train) == 1347  # 1,797 digits, 25% for testing
    together = np.concatenate([pooled.x_train, pooled.x_test]).reshape(1797, -1)
    original = np.concatenate([raw.x_train, raw.x_test]).reshape(1797, -1)
    assert sorted(map(bytes, together)) == sorted(map(bytes, original))
    shares = np.bincount(pooled.y_test, minlength=10) / 450
    assert (
        np.abs(shares - np.bincount(original_y := np.concatenate([raw.y_train, raw.y_test])) / len(original_y)).max()
        < 0.01
    )


def test_the_split_is_part_of_the_config_and_of_its_checks():
    config = digits_config(epochs=1).to_dict()  # the JSON form, as a link or an import brings it
    before = config_hash(config)
    assert "test_fraction" not in config["settings"]["fit"]  # at its default: older runs keep their names
    assert config_hash(digits_config(epochs=1).with_fit(test_fraction=0.0, validation="split")) == before
    config["settings"]["fit"]["test_fraction"] = 0.25
    config["settings"]["fit"]["validation"] = "held_out"
    assert config_problems(config) == [] and config_hash(config) != before
    config["settings"]["fit"]["test_fraction"] = 0.9
    assert [p.code for p in config_problems(config)] == ["bad_setting"]
    config["settings"]["fit"]["test_fraction"], config["settings"]["fit"]["validation"] = 0.25, "sometimes"
    assert [p.code for p in config_problems(config)] == ["bad_setting"]


def test_held_out_validation_is_a_stratified_random_share():
    x = np.arange(200, dtype="float32")[:, None]
    y = np.repeat([0, 1], [150, 50]).astype("int32")
    fit = FitSettings(validation="held_out", validation_split=0.2, seed=1)
    x_fit, _, (x_val, y_val) = validation_set(x, y, fit)
    assert len(y_val) == 40 and (y_val == 1).sum() == 10  # the same 3:1 share as the data
    assert set(x_val[:, 0]) != set(range(160, 200))  # not the last 40, which validation_split would take
    assert set(x_fit[:, 0]).isdisjoint(x_val[:, 0])
    assert validation_set(x, y, FitSettings(validation="split"))[2] is None


def test_a_run_with_the_lessons_splits_trains_and_is_evaluated_on_its_own_test_set(tmp_path):
    config = digits_config(epochs=2, samples=0)
    config = config.with_fit(test_fraction=0.25, validation="held_out")
    x_train, _, x_test, _ = training_arrays(config)
    assert len(x_train) == 1347 and len(x_test) == 450
    manager = JobManager(RunStore(tmp_path / "runs"), workers=1)
    run = manager.submit(config)
    assert wait(manager, run.run_id) == "done"
    result = evaluate(manager.store, run.run_id)
    assert int(np.sum(result["confusion"])) == 450
    app_accuracy = result["accuracy"]

    spec = PRESETS["digits_mlp"].spec((8, 8, 1))
    target = Target("classes", 10)
    script = tmp_path / "lesson.py"
    script.write_text(export_script(spec, analyse(spec, target), "digits", target, config.settings))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=True)
    test = json.loads(next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))[7:])["test"]
    assert abs(test["accuracy"] - app_accuracy) < 0.05  # the same split in plain Keras: the same test set
