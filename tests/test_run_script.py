"""A run's own script (Runs page): the run's data, network and settings, raw pixels when the run used them."""

from __future__ import annotations

import runpy

import pytest

from lib.data import datasets
from lib.model.presets import PRESETS
from lib.train.run_config import RunConfig
from lib.train.run_script import run_script
from lib.train.training import make_config
from tests import keras_fixtures


def _config(raw: bool = False, **extra) -> RunConfig:
    preset = PRESETS["fashion_mlp"]
    info = datasets.REGISTRY["fashion_mnist"]
    config = make_config(preset.spec(info.input_shape), "fashion_mnist", 40, preset.target_kind, preset.settings())
    if raw:
        config = config.replace(pixels="raw")
    return RunConfig.from_dict({**config.to_dict(), **extra})  # extra keys as a folder's JSON may hold them


def _loaded_pixels(script: str, tmp_path) -> tuple[float, float]:
    path = tmp_path / "run.py"
    path.write_text(script)
    (x_train, _), (x_test, _) = runpy.run_path(str(path), run_name="run_script_test")["load_data"]()
    return float(x_train.max()), float(x_test.max())


def test_raw_and_scaled_runs_get_scripts_that_load_their_own_pixels(datasets_dir, skip_hash_check, tmp_path):
    keras_fixtures.write_fashion(datasets_dir)
    scaled, raw = run_script(_config()), run_script(_config(raw=True), exported_by="ana")
    assert "/ 255.0" in scaled and "/ 255.0" not in raw
    assert "EXPORTED_BY = 'ana'" in raw and "default=40" in raw  # the run's samples
    compile(raw, "run.py", "exec")
    assert max(_loaded_pixels(scaled, tmp_path)) <= 1.0
    assert min(_loaded_pixels(raw, tmp_path)) > 1.0  # the stored 0-255 values, as the run trained


@pytest.mark.parametrize(
    "extra",
    [{"continues": "abc"}, {"continues": {"run": "0123456789abcdef", "epoch": 2}}, {"fold": {"k": 5, "index": 0}},
     {"classes": [0, 1]}, {"kind": "evaluate"}, {"imbalance": {"classes": [0], "keep": 0.1}},
     {"dataset": "no_such_dataset"}],
)  # fmt: skip
def test_runs_a_plain_script_cannot_redo_get_none(extra):
    assert run_script(_config(**extra)) is None
