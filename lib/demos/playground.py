"""The 2-D playground: a perceptron or a small MLP on 2-D points, trained with real Keras.

The heart of TensorFlow Playground, as an ordinary job of the job manager (its own kind,
like the GAN): the config names the points (shape, count, noise, seed) and the model (a
spec from the layer registry); the trainer fits it and, at up to ``MAX_FRAMES`` epochs,
records the predicted probability over a grid (the decision boundary) and each unit of
the first hidden layer over the same grid, into ``frames.npz`` in the run's folder.
"""

from __future__ import annotations

import io
import math
import threading
import time

import numpy as np

from lib.data.datasets import POINTS_2D
from lib.model.layers import REGISTRY as LAYERS
from lib.model.spec import sequential
from lib.model.train_config import CompileSettings, FitSettings, TrainSettings
from lib.train.device import device_name
from lib.train.outcome import STOPPED, Outcome
from lib.train.progress import Live
from lib.train.run_config import RunConfig
from lib.train.runstore import RunStore

JOB_KINDS = {"playground": "fit_playground"}  # the perceptron playground, frame by frame (lib/train/kinds.py)
KIND = "playground"
DATASET = POINTS_2D  # not a registry dataset: the points are made from the config
SHAPES = ("blobs", "xor", "circles", "moons", "spiral")
SAMPLES = (40, 1000)
MAX_NOISE = 0.5
MAX_HIDDEN_LAYERS = 3
MAX_UNITS = 8
GRID = 41  # points per side of the grid the boundary is drawn on, over [-EXTENT, EXTENT]
EXTENT = 1.5
MAX_FRAMES = 40
TEST_FRACTION = 0.25  # held out as the sigmoid-MLP lesson does (75/25)
ACTIVATIONS = tuple(a for a in LAYERS["Dense"].param("activation").choices if a)


def _spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals (TensorFlow Playground's hardest set)."""
    half = n // 2
    t = np.sqrt(rng.uniform(0, 1, half)) * 3 * np.pi
    arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (3 * np.pi)
    x = np.concatenate([arm, -arm[: n - half]])
    y = np.concatenate([np.zeros(half, int), np.ones(n - half, int)])
    return x + rng.normal(0, noise, x.shape), y


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points in the four quadrants: class 1 where the signs of x and y differ."""
    x = rng.uniform(-1, 1, (n, 2))
    x += np.sign(x) * 0.1  # a small gap along the axes, as in TensorFlow Playground
    y = (x[:, 0] * x[:, 1] < 0).astype(int)
    return x + rng.normal(0, noise, x.shape), y


def make_points(shape: str, samples: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``samples`` 2-D points of ``shape`` (roughly within [-1, 1]²) and their 0/1 classes."""
    from sklearn import datasets as sk

    rng = np.random.default_rng(seed)
    if shape == "blobs":
        x, y = sk.make_blobs(
            samples, centers=[(-0.5, -0.5), (0.5, 0.5)], cluster_std=0.15 + noise / 2, random_state=seed
        )
    elif shape == "circles":
        x, y = sk.make_circles(samples, noise=noise / 2, factor=0.45, random_state=seed)
    elif shape == "moons":
        x, y = sk.make_moons(samples, noise=noise / 2, random_state=seed)
        x = (x - [0.5, 0.25]) / [1.5, 1.0]
    elif shape == "xor":
        x, y = _xor(samples, noise / 2, rng)
    else:
        x, y = _spiral(samples, noise / 4, rng)
    return x.astype("float32"), y.astype("int64")


def split_points(points: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)``: the points split 75/25, stratified, by the seed."""
    from sklearn.model_selection import train_test_split

    x, y = make_points(points["shape"], points["samples"], points["noise"], points["seed"])
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=TEST_FRACTION, stratify=y, random_state=points["seed"]
    )
    return x_train, y_train, x_test, y_test


class PlaygroundError(ValueError):
    """A playground setting out of range; ``setting`` names it."""

    def __init__(self, setting: str):
        super().__init__(setting)
        self.setting = setting


def _check(points: dict, hidden: list[tuple[int, str]], epochs: int, learning_rate: float) -> None:
    checks = {
        "shape": points.get("shape") in SHAPES,
        "samples": type(points.get("samples")) is int and SAMPLES[0] <= points["samples"] <= SAMPLES[1],
        "noise": isinstance(points.get("noise"), (int, float)) and 0 <= points["noise"] <= MAX_NOISE,
        "seed": type(points.get("seed")) is int and 0 <= points["seed"] < 2**31,
        "hidden": len(hidden) <= MAX_HIDDEN_LAYERS
        and all(type(u) is int and 1 <= u <= MAX_UNITS and a in ACTIVATIONS for u, a in hidden),
        "epochs": type(epochs) is int and 1 <= epochs <= 500,
        "learning_rate": isinstance(learning_rate, (int, float)) and 0 < learning_rate <= 1,
    }
    for setting, ok in checks.items():
        if not ok:
            raise PlaygroundError(setting)


def playground_config(
    points: dict, hidden: list[tuple[int, str]], epochs: int, learning_rate: float, batch_size: int = 16
) -> dict:
    """The run config: the points, a Dense stack ending in one sigmoid unit, and its training.

    No hidden layer is the perceptron: one unit drawing one straight line.

    Raises:
        PlaygroundError: a setting out of range (a page or a link sent something odd).
    """
    _check(points, hidden, epochs, learning_rate)
    layers = [("Dense", {"units": units, "activation": activation}) for units, activation in hidden]
    spec = sequential((2,), *layers, ("Dense", {"units": 1, "activation": "sigmoid"}),
                      name="mlp_2d" if hidden else "perceptron")  # fmt: skip
    settings = TrainSettings(
        CompileSettings("Adam", {"learning_rate": float(learning_rate)}, "binary_crossentropy", ["accuracy"]),
        FitSettings(epochs=epochs, batch_size=batch_size, validation_split=0.0, seed=points["seed"]),
    )
    return RunConfig(
        kind=KIND,
        dataset=DATASET,
        train_samples=points["samples"],
        target="classes",
        points=dict(points),
        spec=spec.to_dict(),
        settings=settings,
    )


def grid() -> tuple[np.ndarray, np.ndarray]:
    """The axis values and the (GRID², 2) points the boundary is drawn on."""
    axis = np.linspace(-EXTENT, EXTENT, GRID, dtype="float32")
    xx, yy = np.meshgrid(axis, axis)
    return axis, np.stack([xx.ravel(), yy.ravel()], axis=1)


def frame_epochs(epochs: int) -> set[int]:
    """The (1-based) epochs whose boundary is recorded: evenly spread, always the first and last."""
    step = max(1, math.ceil(epochs / MAX_FRAMES))
    return {1, epochs, *range(step, epochs + 1, step)}


def _frames_callback(store: RunStore, run_id: str, stop: threading.Event, live: Live, epochs: int):
    import keras

    _, points = grid()
    keep = frame_epochs(epochs)

    class Frames(keras.callbacks.Callback):
        """Records the boundary and the first hidden layer's units; streams progress; honours Stop."""

        def on_train_begin(self, logs=None):
            self.started, self.frames = time.monotonic(), {"epoch": [], "boundary": [], "units": []}
            self.history = {"epoch": [], "metrics": {}}

        def on_train_batch_end(self, batch, logs=None):
            live.update(batch=batch + 1, loss=float((logs or {}).get("loss", float("nan"))))
            if stop.is_set():
                self.model.stop_training = True

        def on_epoch_begin(self, epoch, logs=None):
            live.update(epoch=epoch, batch=0, steps=self.params.get("steps") or 1)

        def on_epoch_end(self, epoch, logs=None):
            self.history["epoch"].append(epoch + 1)
            logs = logs or {}
            for name in {*logs, *self.history["metrics"]}:  # validated at the frame epochs only: None between
                self.history["metrics"].setdefault(name, [None] * epoch).append(
                    float(logs[name]) if name in logs else None
                )
            seconds = time.monotonic() - self.started
            sps = (epoch + 1) * self.params.get("steps", 1) * live.now.batch_size / max(seconds, 1e-6)
            live.update(sps=sps)
            if epoch + 1 in keep or stop.is_set():  # epochs take milliseconds: write at the frames only
                self._record(epoch + 1)
                store.write_history(run_id, self.history)
                store.update_status(run_id, epochs_done=epoch + 1, train_seconds=seconds,
                                    samples_per_second=sps)  # fmt: skip

        def _record(self, epoch: int) -> None:
            to_numpy = keras.ops.convert_to_numpy
            self.frames["epoch"].append(epoch)
            self.frames["boundary"].append(to_numpy(self.model(points, training=False))[:, 0].reshape(GRID, GRID))
            if len(self.model.layers) > 1:  # the first hidden layer's units, each over the grid
                units = to_numpy(self.model.layers[0](points))
                self.frames["units"].append(np.moveaxis(units.reshape(GRID, GRID, -1), -1, 0))
            buffer = io.BytesIO()
            np.savez_compressed(buffer, **{k: np.asarray(v, "float32") for k, v in self.frames.items() if v})
            store.write_side(run_id, "frames.npz", buffer.getvalue())

    return Frames()


def fit_playground(
    store: RunStore, run_id: str, config: RunConfig, stop: threading.Event, live: Live, more_epochs: int = 0
) -> Outcome:
    """Train the playground run ``run_id``; its frames, history and model go to the run store."""
    import keras

    from lib.model.analysis import Target, analyse
    from lib.model.builder import build_model

    settings = config.settings
    spec = config.model_spec()
    hidden = [(n.config.get("units"), n.config.get("activation")) for n in spec.nodes[:-1]]
    try:  # the worker checks again what the page checked: a config may come from anywhere
        _check(config.points, hidden, settings.fit.epochs, settings.compile.optimizer_params["learning_rate"])
    except (PlaygroundError, KeyError, TypeError) as err:
        return Outcome("failed", "invalid_model", str(err)[:60])
    x_train, y_train, x_test, y_test = split_points(config.points)
    keras.utils.set_random_seed(settings.fit.seed)
    model = build_model(spec, analyse(spec, Target("classes", 2)))
    model.compile(
        optimizer=keras.optimizers.Adam(settings.compile.optimizer_params["learning_rate"]),
        loss="binary_crossentropy",
        metrics=["accuracy"],
        # A whole epoch of these tiny batches per call: per-step overhead, not arithmetic, is the cost.
        steps_per_execution=math.ceil(len(x_train) / settings.fit.batch_size),
    )
    epochs = settings.fit.epochs
    store.update_status(run_id, state="running", device=device_name(), backend=keras.config.backend(),
                        epochs_target=epochs)  # fmt: skip
    live.update(initial_epoch=0, epochs=epochs, batch_size=settings.fit.batch_size)
    model.fit(
        x_train,
        y_train.astype("float32"),
        epochs=epochs,
        batch_size=settings.fit.batch_size,
        validation_data=(x_test, y_test.astype("float32")),  # val_accuracy is the held-out 25%
        validation_freq=sorted(frame_epochs(epochs)),
        callbacks=[_frames_callback(store, run_id, stop, live, epochs), keras.callbacks.TerminateOnNaN()],
        verbose=0,
    )
    model.save(store.model_path(run_id, "model"))
    return STOPPED if stop.is_set() else Outcome("done")


def frames(store: RunStore, run_id: str) -> dict[str, np.ndarray] | None:
    """The recorded frames: ``epoch`` (F,), ``boundary`` (F, GRID, GRID), ``units`` (F, units, GRID, GRID)."""
    saved = store.read_side(run_id, "frames.npz")
    if saved is None:
        return None
    try:
        with np.load(io.BytesIO(saved)) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError):
        return None


def script(config: RunConfig) -> str:
    """The run as a standalone Keras script: the same point generators, split, model and fit."""
    import inspect

    from lib.model.analysis import Target, analyse
    from lib.model.codegen import export_script

    points = config.points
    sources = "\n\n".join(inspect.getsource(f) for f in (_spiral, _xor, make_points))
    data_code = (
        "\n\n" + sources + "\n\ndef load_data():\n"
        "    from sklearn.model_selection import train_test_split\n\n"
        f"    x, y = make_points({points['shape']!r}, {int(points['samples'])}, {float(points['noise'])!r}, "
        f"{int(points['seed'])})\n"
        f"    x_train, x_test, y_train, y_test = train_test_split(\n"
        f"        x, y, test_size={TEST_FRACTION}, stratify=y, random_state={int(points['seed'])}\n"
        "    )\n"
        "    return (x_train, y_train), (x_test, y_test)\n"
    )
    spec = config.model_spec()
    target = Target("classes", 2)
    return export_script(spec, analyse(spec, target), DATASET, target, config.settings, filename="playground.py",
                         data_code=data_code)  # fmt: skip
