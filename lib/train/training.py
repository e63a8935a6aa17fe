"""One training run, start to finish: data, model, compile, fit with live progress.

Runs in a job-manager thread, never in a Streamlit script run. Every outcome ends in a
status on disk (done, stopped or failed with a message code); nothing escapes.
"""

from __future__ import annotations

import math
import os
import re
import threading
import time

import numpy as np

from lib.data import datasets
from lib.model.builder import build_model
from lib.model.compile_registry import OPTIMIZERS, metric_object
from lib.model.labels import encode, encoding
from lib.model.spec import ModelSpec
from lib.model.train_config import TrainSettings
from lib.train.config_check import class_ids, run_target
from lib.train.device import device_name
from lib.train.folds import fold_split, label_ids
from lib.train.imbalance import balanced_class_weight, kept_indices, oversample
from lib.train.kinds import trainer_for
from lib.train.outcome import STOPPED, Outcome
from lib.train.progress import Live
from lib.train.run_config import InitFrom, RunConfig
from lib.train.runstore import RunStore

__all__ = ["class_ids", "make_config", "run_target", "run_training", "test_labels", "training_arrays"]

JOB_KINDS = {"fit": "fit_run"}  # this module trains the default kind: model.fit of a spec (lib/train/kinds.py)
MAX_BATCH_POINTS = 400  # per-batch curve points kept per run
# Batches per call into the backend: the same updates in the same order (same results),
# with far less Python between them; a lesson MLP at batch 32 trains about twice as fast.
# Progress and Stop are then seen every 32 batches (milliseconds for these models).
STEPS_PER_EXECUTION = 32
# A loss this many times its first batch's value means training diverged: it will not come
# back, and a run that "finishes" at 1e28 must not look done (see ``train.msg.diverged``).
DIVERGENCE_FACTOR = 1000.0
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PATHS = re.compile(r"(/[\w.+-]+){2,}/?")


def make_config(
    spec: ModelSpec, dataset: str, train_samples: int, target_kind: str, settings: TrainSettings, backend: str = "auto"
) -> RunConfig:
    """Everything that decides a run's result (its JSON form's hash names the run).

    ``backend`` is the Keras backend asked for (``auto``, ``tensorflow`` or ``jax``): the
    same settings on another backend give other numbers, so it is part of the run's name.
    """
    return RunConfig(
        spec=spec.to_dict(),
        dataset=dataset,
        train_samples=int(train_samples or 0),
        target=target_kind,
        settings=settings,
        backend=backend,
    )


def lesson_config(dataset: str) -> RunConfig | None:
    """The config of the dataset's first lesson classifier with its lesson settings (None if it has none).

    An uploaded dataset (or one made in the app) gets the first lesson network that fits it.
    """
    from lib.model.presets import PRESETS, fitting, for_dataset

    info = datasets.REGISTRY[dataset]
    for preset_id in fitting(info):
        fitted = for_dataset(PRESETS[preset_id], info)
        if fitted is not None and fitted.target_kind == "classes":
            return make_config(fitted.spec, dataset, 0, "classes", fitted.settings)
    return None


def _keep_classes(x: np.ndarray, y: np.ndarray, classes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    keep = np.isin(y, classes)
    remap = np.zeros(int(y.max()) + 1, dtype="int32")
    remap[classes] = np.arange(len(classes))
    return x[keep], remap[y[keep].astype(int)]


def run_dataset(config: RunConfig) -> datasets.Dataset:
    """The run's dataset as loaded, split the run's way (its own test set, or pooled and split again)."""
    raw = datasets.load(config.dataset)
    fraction = config.fit.test_fraction
    return datasets.repool(raw, fraction, config.fit.seed) if fraction else raw


def test_labels(config: RunConfig) -> np.ndarray:
    """The test set's class ids as the run numbers them (0..k-1)."""
    y = run_dataset(config).y_test.reshape(-1).astype(int)
    return _keep_classes(y, y, config.class_ids())[1] if config.classes else y


def training_arrays(config: RunConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The inputs and encoded targets a run trains and is evaluated on."""
    settings = config.settings
    seed = settings.fit.seed
    raw = run_dataset(config)  # the lessons' own split of the pooled data (e.g. 75/25), if asked
    if config.classes:  # keep some classes, then take the subset among them
        classes = list(config.classes)
        data = datasets.prepare(raw, None, seed)
        data.x_train, data.y_train = _keep_classes(data.x_train, data.y_train, classes)
        data.x_test, data.y_test = _keep_classes(data.x_test, data.y_test, classes)
        if config.train_samples and config.train_samples < len(data.y_train):
            keep = datasets.subset_indices(data.y_train, config.train_samples, seed)
            data.x_train, data.y_train = data.x_train[keep], data.y_train[keep]
    else:
        data = datasets.prepare(raw, config.train_samples or None, seed)
    if config.pixels == "raw":  # the normalisation lesson: the same pixels, not divided (0-255)
        scale = datasets.REGISTRY[config.dataset].pixel_max
        data.x_train, data.x_test = data.x_train * scale, data.x_test * scale
    if imbalance := config.imbalance:  # fewer training samples of some classes, on purpose
        keep = kept_indices(data.y_train, list(imbalance.classes), imbalance.keep, seed)
        data.x_train, data.y_train = data.x_train[keep], data.y_train[keep]
    target = config.run_target()
    how = encoding(settings.compile.loss, target)
    if how == "input":
        return data.x_train, data.x_train, data.x_test, data.x_test
    n = target.num_classes
    return data.x_train, encode(data.y_train, how, n), data.x_test, encode(data.y_test, how, n)


def validation_set(x: np.ndarray, y: np.ndarray, fit) -> tuple[np.ndarray, np.ndarray, tuple | None]:
    """``(x, y, validation_data)`` for ``model.fit``.

    With ``fit.validation == "held_out"``, a stratified random ``validation_split`` share is set
    aside as ``validation_data``; else the data is unchanged and None is returned (Keras's
    ``validation_split`` then takes the last share).
    """
    if fit.validation != "held_out" or not fit.validation_split:
        return x, y, None
    from sklearn.model_selection import train_test_split

    labels = y.argmax(axis=-1) if y.ndim == 2 and y.shape[-1] > 1 else y
    stratify = labels if labels.ndim == 1 and np.issubdtype(labels.dtype, np.integer) else None
    x_fit, x_val, y_fit, y_val = train_test_split(
        x, y, test_size=fit.validation_split, stratify=stratify, random_state=fit.seed
    )
    return x_fit, y_fit, (x_val, y_val)


def fit_data(config: RunConfig, x: np.ndarray, y: np.ndarray, fit) -> tuple[np.ndarray, np.ndarray, tuple | None]:
    """``(x, y, validation_data)`` for ``model.fit``: validation (or the run's fold) set aside, then oversampling.

    The rare classes are oversampled after the validation data is set aside, so no copy of
    a training sample is ever validated on.
    """
    if fold := config.fold:
        x, y, validation = fold_split(x, y, fold, fit.seed, stratify=config.target == "classes")
    else:
        x, y, validation = validation_set(x, y, fit)
    how = (config.imbalance.oversample if config.imbalance else None) or "none"
    x, y = oversample(x, y, how, fit.seed)
    return x, y, validation


def class_weight(y: np.ndarray, fit, num_classes: int) -> dict[int, float] | None:
    """Keras ``class_weight`` for the labels trained on (``fit.class_weight == "balanced"``), else None."""
    labels = label_ids(y) if fit.class_weight == "balanced" else None
    return None if labels is None else balanced_class_weight(labels, max(num_classes, 2))


def _initialise_from(model, store: RunStore, init: InitFrom) -> None:
    """Copy named layers' weights from another run's model; freeze them if asked (transfer)."""
    import keras

    base = keras.saving.load_model(store.best_model_path(init.run), safe_mode=True)
    for name in init.layers:
        layer = model.get_layer(name)
        layer.set_weights(base.get_layer(name).get_weights())
        layer.trainable = not init.freeze


def compile_model(model, settings: TrainSettings, how: str) -> None:
    """Compile with the optimizer, loss and metrics named in ``settings``."""
    import keras

    opt = OPTIMIZERS[settings.compile.optimizer]
    allowed = {p.name for p in opt.params}
    optimizer = getattr(keras.optimizers, opt.name)(
        **{k: v for k, v in settings.compile.optimizer_params.items() if k in allowed}
    )
    metrics = [metric_object(m, how) for m in settings.compile.metrics]
    model.compile(
        optimizer=optimizer, loss=settings.compile.loss, metrics=metrics, steps_per_execution=STEPS_PER_EXECUTION
    )


class SpeedClock:
    """Samples per second, timed from the end of the first execution (it includes compiling)."""

    def __init__(self) -> None:
        self.start: tuple[float, int] | None = None

    def update(self, seen: int) -> dict[str, float]:
        """``{"sps": ...}`` once there is a speed to tell, else ``{}``."""
        now = time.monotonic()
        if self.start is None:
            self.start = (now, seen)
            return {}
        started, seen_then = self.start
        return {"sps": (seen - seen_then) / (now - started)} if now > started else {}


def progress_callback(store: RunStore, run_id: str, stop: threading.Event, live: Live):
    import keras

    class Progress(keras.callbacks.Callback):
        """Streams progress to ``live`` and the run store; honours stop requests."""

        def on_train_begin(self, logs=None):
            self.steps = self.params.get("steps") or 1
            calls = math.ceil(self.steps / STEPS_PER_EXECUTION) * max(
                1, self.params.get("epochs", 1) - live.now.initial_epoch
            )
            self.every = max(1, math.ceil(calls / MAX_BATCH_POINTS))
            self.calls = 0
            self.batches = store.batches(run_id)
            self.history = store.history(run_id)
            self.started = time.monotonic()
            self.seen_before = 0
            self.seen = 0
            self.first_loss = None
            self.speed = SpeedClock()

        def on_epoch_begin(self, epoch, logs=None):
            live.update(epoch=epoch, batch=0, steps=self.steps)
            self.seen_before = self.seen
            self.epoch_start = time.monotonic()

        def on_train_batch_end(self, batch, logs=None):
            logs = logs or {}
            loss = float(logs.get("loss", float("nan")))
            if not math.isfinite(loss):
                live.update(nan=True)
            elif self.first_loss is None:
                self.first_loss = loss
            elif diverged(self.first_loss, loss):
                live.update(diverged=True)
                self.model.stop_training = True
            # Batches arrive STEPS_PER_EXECUTION at a time: count samples from the batch index,
            # never past the epoch's last batch (the last execution's index can run over).
            done = min(batch + 1, self.steps)
            self.seen = self.seen_before + done * live.now.batch_size
            live.update(batch=done, loss=loss, **self.speed.update(self.seen))
            self.calls += 1
            if self.calls % self.every == 0:
                self.batches["x"].append(live.now.epoch + (batch + 1) / self.steps)
                self.batches["loss"].append(loss if math.isfinite(loss) else None)
            if stop.is_set():
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            self.history["epoch"].append(epoch + 1)
            for name, raw in (logs or {}).items():
                value = float(raw)
                self.history["metrics"].setdefault(name, []).append(value if math.isfinite(value) else None)
            store.write_history(run_id, self.history)
            store.write_batches(run_id, self.batches)
            if epoch + 1 < self.params.get("epochs", 0) or stop.is_set():
                # Not after the last epoch: the final model is saved right after it anyway.
                save_atomic(self.model, store.model_path(run_id, "checkpoint"))
            elapsed = time.monotonic() - self.started
            train_seconds = live.now.previous_seconds + elapsed
            sps = live.now.sps or self.seen / max(elapsed, 1e-6)  # too short to time apart from compiling
            status = store.update_status(run_id, epochs_done=epoch + 1, train_seconds=train_seconds,
                                         samples_per_second=sps)  # fmt: skip
            _give_up_if_interrupted(status, self.model, stop)
            store.log(run_id, f"epoch {epoch + 1}: " + ", ".join(f"{k}={v:.4g}" for k, v in (logs or {}).items()))

    return Progress()


def _give_up_if_interrupted(status, model, stop: threading.Event) -> None:
    """A newer server marked this run interrupted (it thought its worker gone): stop writing to it."""
    if status.state == "interrupted":
        model.stop_training = True
        stop.set()


def diverged(first_loss: float, loss: float) -> bool:
    """True when ``loss`` has grown to ``DIVERGENCE_FACTOR`` times its first value: training diverged."""
    return loss > DIVERGENCE_FACTOR * max(first_loss, 1e-3)


def clean_detail(text: str, limit: int = 400) -> str:
    """An error text fit to show a student: no terminal colour codes, no server paths."""
    text = _ANSI.sub("", text)
    return _PATHS.sub(lambda m: "…/" + m.group().rstrip("/").rsplit("/", 1)[-1], text)[:limit]


def save_atomic(model, path) -> None:
    tmp = path.with_name(path.stem + ".part.keras")
    model.save(tmp)
    os.replace(tmp, path)


def fit_callbacks(settings: TrainSettings, progress) -> list:
    import keras

    f = settings.fit
    callbacks = [progress, keras.callbacks.TerminateOnNaN()]
    if f.early_stopping:
        callbacks.append(keras.callbacks.EarlyStopping(patience=f.patience, restore_best_weights=True))
    if f.reduce_lr:
        callbacks.append(keras.callbacks.ReduceLROnPlateau(patience=max(1, f.patience // 2)))
    return callbacks


def run_training(store: RunStore, run_id: str, stop: threading.Event, live: Live, more_epochs: int = 0) -> str:
    """Train run ``run_id`` (or resume it for ``more_epochs``); return its final state (its outcome: in ``live``)."""
    try:
        outcome = _dispatch(store, run_id, stop, live, more_epochs)
    except datasets.DatasetError as err:
        outcome = Outcome("failed", f"dataset_{err.code}", err.name)
    except MemoryError:
        outcome = Outcome("failed", "oom")
    except OSError as exc:  # the run folder became unwritable, or the disk is full
        outcome = Outcome("failed", "disk", clean_detail(f"{type(exc).__name__}: {exc}"))
    except Exception as exc:  # noqa: BLE001 - a job's failure must never reach the app
        oom = "ResourceExhausted" in type(exc).__name__ or "out of memory" in str(exc).lower()
        outcome = Outcome("failed", "oom" if oom else "exception", clean_detail(f"{type(exc).__name__}: {exc}"))
    live.update(outcome=outcome)
    try:
        store.update_status(run_id, **outcome.to_dict())
        store.log(run_id, f"{outcome.state} {outcome.message} {outcome.detail}".strip())
    except OSError as exc:  # the job manager keeps the outcome in memory and shows it
        live.update(outcome=Outcome("failed", "disk", clean_detail(str(exc))))
        return "failed"
    return outcome.state


def _dispatch(store: RunStore, run_id: str, stop: threading.Event, live: Live, more_epochs: int) -> Outcome:
    """Train with the function declared for the run's kind (``lib.train.kinds``).

    The config is read here, once, and handed down: the job manager checked it (and analysed
    its model) when the run was asked for, so the trainers trust it. A config file damaged
    since then is refused here.
    """
    config = store.sound_config(run_id)
    if config is None:
        return Outcome("failed", "config_damaged")
    trainer = trainer_for(config)
    if trainer is None:
        return Outcome("failed", "unknown_kind", str(config.kind)[:40])
    return trainer(store, run_id, config, stop, live, more_epochs)


def fit_run(
    store: RunStore, run_id: str, config: RunConfig, stop: threading.Event, live: Live, more_epochs: int
) -> Outcome:
    """Train run ``run_id`` (its ``config``, checked at submit) with ``model.fit`` (the ``fit`` kind)."""
    import keras

    settings = config.settings
    target = config.run_target()
    spec = config.model_spec()
    status = store.update_status(
        run_id, state="running", device=device_name(), backend=keras.config.backend(), message="", detail=""
    )
    x_train, y_train, _, _ = training_arrays(config)
    how = encoding(settings.compile.loss, target)
    keras.utils.set_random_seed(settings.fit.seed)
    initial = status.epochs_done if more_epochs else 0
    if more_epochs:
        model = keras.saving.load_model(store.best_model_path(run_id))
    else:
        model = build_model(spec)
        if init := config.init_from:
            if store.best_model_path(init.run) is None:
                return Outcome("failed", "base_missing", init.run)  # deleted since it was chosen
            _initialise_from(model, store, init)
        compile_model(model, settings, how)
    epochs = initial + (more_epochs or settings.fit.epochs)
    store.update_status(run_id, epochs_target=epochs)
    live.update(
        initial_epoch=initial,
        epochs=epochs,
        batch_size=settings.fit.batch_size,
        nan=False,
        diverged=False,
        previous_seconds=status.train_seconds if more_epochs else 0.0,
    )
    progress = progress_callback(store, run_id, stop, live)
    x_train, y_train, validation = fit_data(config, x_train, y_train, settings.fit)
    model.fit(
        x_train,
        y_train,
        epochs=epochs,
        initial_epoch=initial,
        batch_size=settings.fit.batch_size,
        validation_split=0.0 if validation else settings.fit.validation_split,
        validation_data=validation,
        class_weight=class_weight(y_train, settings.fit, target.num_classes),
        shuffle=settings.fit.shuffle,
        callbacks=fit_callbacks(settings, progress),
        verbose=0,
    )
    if live.now.nan:
        return Outcome("failed", "nan")
    if live.now.diverged:
        return Outcome("failed", "diverged")
    checkpoint = store.model_path(run_id, "checkpoint")
    if stop.is_set() and checkpoint.exists():
        # The epoch that Stop cut short was just checkpointed (Keras ends the epoch): keep
        # that file as it is, so Stop returns at once instead of saving the model again.
        return STOPPED
    save_atomic(model, store.model_path(run_id, "model"))
    # One copy per run: the final model also carries the optimizer state that resuming needs.
    checkpoint.unlink(missing_ok=True)
    if stop.is_set():
        return STOPPED
    done = store.status(run_id).epochs_done
    return Outcome("done", "early_stopping" if done < epochs else "")
