"""The 2-D playground: points, the perceptron's limit on XOR, an MLP that fits it, frames, script."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from lib.demos import playground as pg
from lib.train.jobs import JobManager
from lib.train.runstore import RunStore
from tests.job_helpers import wait

XOR = {"shape": "xor", "samples": 240, "noise": 0.1, "seed": 0}


@pytest.mark.parametrize("shape", pg.SHAPES)
def test_every_shape_gives_two_balanced_classes_in_the_plane(shape):
    x, y = pg.make_points(shape, 200, 0.2, 3)
    assert x.shape == (200, 2) and set(np.unique(y)) == {0, 1} and abs(y.mean() - 0.5) < 0.1
    assert np.abs(x).max() < pg.EXTENT  # the boundary grid covers every point
    again, _ = pg.make_points(shape, 200, 0.2, 3)
    assert np.array_equal(x, again)  # the seed decides the points


def test_xor_is_what_its_name_says():
    x, y = pg.make_points("xor", 400, 0.0, 1)
    assert np.array_equal(y, (x[:, 0] * x[:, 1] < 0).astype(int))


@pytest.mark.parametrize(
    "points, hidden, setting",
    [({**XOR, "shape": "torus"}, [], "shape"), ({**XOR, "samples": 10**6}, [], "samples"),
     ({**XOR, "noise": -1}, [], "noise"), (XOR, [(4, "tanh")] * 4, "hidden"), (XOR, [(99, "relu")], "hidden"),
     (XOR, [(4, "__import__")], "hidden")],
)  # fmt: skip
def test_settings_out_of_range_are_refused(points, hidden, setting):
    with pytest.raises(pg.PlaygroundError) as err:
        pg.playground_config(points, hidden, 10, 0.01)
    assert err.value.setting == setting


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[RunStore, dict[str, str]]:
    store = RunStore(tmp_path_factory.mktemp("runs"))
    manager = JobManager(store, workers=1)
    runs = {}
    for name, hidden in (("perceptron", []), ("mlp", [(4, "tanh")])):
        runs[name] = manager.submit(pg.playground_config(XOR, hidden, 60, 0.03)).run_id
        assert wait(manager, runs[name]) == "done"
    return store, runs


def _held_out_accuracy(store: RunStore, run_id: str) -> float:
    return [v for v in store.history(run_id)["metrics"]["val_accuracy"] if v is not None][-1]


def test_a_perceptron_cannot_learn_xor_and_one_hidden_layer_can(trained):
    store, runs = trained
    # One straight line gets at most three of XOR's four quadrants right.
    assert _held_out_accuracy(store, runs["perceptron"]) < 0.8
    assert _held_out_accuracy(store, runs["mlp"]) > 0.9


def test_frames_hold_the_boundary_and_each_hidden_unit(trained):
    store, runs = trained
    perceptron, mlp = pg.frames(store, runs["perceptron"]), pg.frames(store, runs["mlp"])
    assert list(mlp["epoch"]) == sorted(pg.frame_epochs(60)) and mlp["epoch"][-1] == 60
    assert mlp["boundary"].shape == (len(mlp["epoch"]), pg.GRID, pg.GRID)
    assert mlp["units"].shape == (len(mlp["epoch"]), 4, pg.GRID, pg.GRID) and "units" not in perceptron
    # The perceptron's 0.5 line is straight: along every grid row it crosses at most once.
    crossings = np.abs(np.diff(perceptron["boundary"][-1] > 0.5, axis=1)).sum(axis=1)
    assert crossings.max() <= 1
    # The MLP's boundary gives the XOR answer at the four quadrant centres.
    axis, _ = pg.grid()
    at = lambda v: int(np.argmin(np.abs(axis - v)))  # noqa: E731
    last = mlp["boundary"][-1]
    assert last[at(0.6), at(0.6)] < 0.5 and last[at(-0.6), at(-0.6)] < 0.5
    assert last[at(0.6), at(-0.6)] > 0.5 and last[at(-0.6), at(0.6)] > 0.5


def test_the_exported_script_trains_the_same_model_on_the_same_points(trained, tmp_path):
    store, runs = trained
    config = store.config(runs["mlp"])
    path = tmp_path / "playground.py"
    path.write_text(pg.script(config))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1].removeprefix("RESULT "))
    assert result["params"] == 2 * 4 + 4 + 4 + 1
    assert abs(result["test"]["accuracy"] - _held_out_accuracy(store, runs["mlp"])) < 0.1
