"""Export a model and its training settings as a standalone Python script (keras + numpy).

The script loads the dataset with the same preprocessing as the app (lib.data.datasets.prepare),
builds the same model, compiles, fits and evaluates, then prints one ``RESULT`` JSON line.

No user text ever becomes code: every string a person chose (the model's and layers' names,
an uploaded dataset's title, class names and column names, the nickname that exported it)
enters the script only as a ``repr`` string literal, in the constants block at its top or as
a ``name=`` argument; never in a comment, a docstring or an identifier (variables are
``x0``, ``x1``, ... whatever the layers are called). ``tests/test_codegen_injection.py``
throws arbitrary Unicode at every such field and runs the result.
"""

from __future__ import annotations

import keyword
import re

from lib.data import datasets
from lib.model.analysis import Analysis, Target
from lib.model.builder import input_dtype, keras_config
from lib.model.compile_registry import LOSSES, METRICS, OPTIMIZERS, metric_code
from lib.model.labels import encoding
from lib.model.layers import REGISTRY
from lib.model.spec import INPUT_ID, ModelSpec, safe_name
from lib.model.train_config import TrainSettings

_HEADER = '''"""A model exported from Keras Playground, with the settings chosen in the app.

Trains the model on the dataset named below. Run it as-is:
    python <this file>                          # all the data
    python <this file> --samples 500 --epochs 1 # a quick check
"""

import argparse
import json

import keras
import numpy as np

# What this script was made from, as the app showed it.
MODEL_NAME = {model_name}
DATASET = {dataset}
DATASET_TITLE = {title}
CLASS_NAMES = {class_names}
FEATURE_NAMES = {feature_names}
EXPORTED_BY = {exported_by}
'''

_MAIN = """

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default={epochs})
    parser.add_argument("--samples", type=int, default={samples}, help="training samples to use (0 = all)")
    args = parser.parse_args()
    keras.utils.set_random_seed({seed})
    (x_train, y_train), (x_test, y_test) = load_data()
    if args.samples:
        x_train, y_train = x_train[: args.samples], y_train[: args.samples]
        x_test, y_test = x_test[: max(args.samples // 4, 10)], y_test[: max(args.samples // 4, 10)]
{encode}{held_out}{class_weight_code}
    model = build_model()
    model.compile(
        optimizer=keras.optimizers.{optimizer}({optimizer_args}),
        loss={loss},
        metrics=[{metrics}],
    )
    model.summary()
    model.fit(
        x_train, y_train, epochs=args.epochs, batch_size={batch_size},{fit_extra}
        callbacks=[{callbacks}],
    )
    test = model.evaluate(x_test, y_test, return_dict=True, verbose=0)
    shapes = {{layer.name: list(layer.output.shape[1:]) for layer in model.layers}}
    result = {{"model": MODEL_NAME, "params": model.count_params(), "shapes": shapes, "test": test}}
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
"""


class ExportError(ValueError):
    """A value cannot be written into a script safely (never expected from a checked spec)."""


def _identifier(name: str) -> str:
    """``name`` if it is a plain Python identifier (it becomes a variable), else refuse."""
    if not (isinstance(name, str) and name.isidentifier() and name.isascii() and not keyword.iskeyword(name)):
        raise ExportError(f"not an identifier: {name!r}")
    return name


def _literal(value: object) -> str:
    """``repr`` of plain JSON-like data only: anything else could be code in disguise."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        items = ", ".join(_literal(v) for v in value)
        return f"({items},)" if len(value) == 1 else f"({items})"
    raise ExportError(f"not a plain value: {type(value).__name__}")


def script_filename(name: str) -> str:
    """A download name for the script of model ``name`` (no path separators or quotes)."""
    return re.sub(r"[^\w.-]", "_", safe_name(name)) + ".py"


_POOL = """    # Train and test pooled and split again, stratified, as the app does (test_fraction={fraction}).
    from sklearn.model_selection import train_test_split

    x_all, y_all = np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test])
    x_train, x_test, y_train, y_test = train_test_split(
        x_all, y_all, test_size={fraction}, stratify={stratify}, random_state={seed}
    )
"""

_HELD_OUT = """    # A stratified random share of the training data held out as validation_data, as the app does.
    from sklearn.model_selection import train_test_split

    labels = y_train.argmax(axis=-1) if y_train.ndim == 2 and y_train.shape[-1] > 1 else y_train
    stratify = labels if labels.ndim == 1 and np.issubdtype(labels.dtype, np.integer) else None
    x_train, x_val, y_train, y_val = train_test_split(
        x_train, y_train, test_size={fraction}, stratify=stratify, random_state={seed}
    )
"""


_CLASS_WEIGHT = """    # Balanced class weights, as the app computes them: n / (classes present × the class's count).
    labels = y_train.argmax(axis=-1) if y_train.ndim == 2 and y_train.shape[-1] > 1 else y_train.reshape(-1)
    counts = np.bincount(labels.astype(int), minlength={classes})
    class_weight = {{c: float(len(labels) / ((counts > 0).sum() * k)) if k else 1.0 for c, k in enumerate(counts)}}
"""


def _pool_code(info: datasets.DatasetInfo, fraction: float, seed: int) -> str:
    if not fraction:
        return ""
    stratify = "y_all" if info.is_classification else "None"
    return _POOL.format(fraction=float(fraction), stratify=stratify, seed=int(seed))


def _load_code(info: datasets.DatasetInfo, fraction: float = 0.0, seed: int = 0, raw_pixels: bool = False) -> str:
    """``load_data()``: the dataset's own loader, the pooled split if asked, then the app's preprocessing.

    ``raw_pixels`` keeps an image dataset's pixels as stored (0-255), as the normalisation
    lesson's raw run trains on them.
    """
    pool = _pool_code(info, fraction, seed)
    if info.is_own:  # an uploaded dataset: its arrays file, downloaded from the Datasets page
        body = (
            "    # DATASET_TITLE's arrays file, from the Datasets page (Download the arrays).\n"
            f"    data = np.load({_literal(info.name + '.npz')})\n"
            '    x_train, y_train, x_test, y_test = (data[k] for k in ("x_train", "y_train", "x_test", "y_test"))\n'
        ) + pool
        if info.kind == "tabular":  # standardised and one-hot encoded when it was uploaded
            return "\n\ndef load_data():\n" + body + "    return (x_train, y_train), (x_test, y_test)\n"
    elif info.name == "digits":
        body = (
            "    from sklearn.datasets import load_digits\n"
            "    from sklearn.model_selection import train_test_split\n\n"
            "    digits = load_digits()\n"
            "    x_train, x_test, y_train, y_test = train_test_split(\n"
            "        digits.images, digits.target, test_size=0.2, stratify=digits.target, random_state=0\n"
            "    )\n"
        ) + pool
    elif info.kind == "text":
        body = (
            f"    (x_train, y_train), (x_test, y_test) = keras.datasets.{_identifier(info.name)}.load_data("
            f"num_words={datasets.TEXT_NUM_WORDS})\n"
            + pool
            + f"    x_train = keras.utils.pad_sequences(x_train, maxlen={datasets.TEXT_MAXLEN})\n"
            f"    x_test = keras.utils.pad_sequences(x_test, maxlen={datasets.TEXT_MAXLEN})\n"
        )
        return "\n\ndef load_data():\n" + body + "    return (x_train, y_train), (x_test, y_test)\n"
    elif info.kind == "tabular":
        body = (
            f"    (x_train, y_train), (x_test, y_test) = keras.datasets.{_identifier(info.name)}.load_data()\n"
            + pool
            + "    mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-7\n"
            "    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std\n"
        )
        return "\n\ndef load_data():\n" + body + "    return (x_train, y_train), (x_test, y_test)\n"
    else:
        loader = f"keras.datasets.{_identifier(info.name)}.load_data()"
        body = f"    (x_train, y_train), (x_test, y_test) = {loader}\n" + pool
    if raw_pixels:  # the same pixels, not divided: what the normalisation lesson compares against
        scale = (
            "    # Pixels kept as stored (0-255, not divided), with a channel axis, as this run trained.\n"
            '    x_train, x_test = x_train.astype("float32"), x_test.astype("float32")\n'
        )
    else:
        scale = (
            "    # Pixels scaled to [0, 1] with a channel axis, as in the app.\n"
            f'    x_train = x_train.astype("float32") / {float(info.pixel_max)!r}\n'
            f'    x_test = x_test.astype("float32") / {float(info.pixel_max)!r}\n'
        )
    body += scale + (
        "    if x_train.ndim == 3:\n"
        "        x_train, x_test = x_train[..., None], x_test[..., None]\n"
        "    y_train, y_test = y_train.reshape(-1), y_test.reshape(-1)\n"
    )
    return "\n\ndef load_data():\n" + body + "    return (x_train, y_train), (x_test, y_test)\n"


def _layer_code(class_name: str, config: dict, name: str) -> str:
    layer = REGISTRY[class_name]
    args = [
        f"{_identifier(k)}={_literal(v)}"
        for k, v in keras_config(class_name, config).items()
        if v != layer.defaults.get(k) or layer.param(k).required
    ]
    return f"keras.layers.{_identifier(class_name)}({', '.join([*args, f'name={_literal(name)}'])})"


def _model_code(spec: ModelSpec, analysis: Analysis) -> str:
    """``build_model()``.

    Variables are ``inputs``, ``x0``, ``x1``, ... by position: a layer's own name (any text) is
    only ever its ``name=`` string.
    """
    lines = ["\n\ndef build_model():"]
    shape = tuple(spec.input_shape)
    inputs = (
        f"keras.Input(shape={_literal(tuple(int(d) for d in shape))}, dtype={_literal(input_dtype(spec))}, "
        f"name={_literal(INPUT_ID)})"
    )
    if spec.mode == "sequential":
        lines.append("    model = keras.Sequential(name=MODEL_NAME)")
        lines.append(f"    model.add({inputs})")
        lines += [f"    model.add({_layer_code(n.class_name, n.config, n.id)})" for n in spec.nodes]
        lines.append("    return model")
        return "\n".join(lines) + "\n"
    variable = {INPUT_ID: "inputs"}
    lines.append(f"    inputs = {inputs}")
    for index in analysis.order:
        node = spec.nodes[index]
        sources = [variable[s] for s in spec.inputs_of(index)]
        arg = f"[{', '.join(sources)}]" if REGISTRY[node.class_name].merge else sources[0]
        variable[node.id] = f"x{len(variable) - 1}"
        lines.append(f"    {variable[node.id]} = {_layer_code(node.class_name, node.config, node.id)}({arg})")
    lines.append(f"    return keras.Model(inputs, {variable[analysis.output_id]}, name=MODEL_NAME)")
    return "\n".join(lines) + "\n"


def _encode_code(how: str, num_classes: int) -> str:
    if how == "onehot":
        return (
            f"    y_train = keras.utils.to_categorical(y_train, {num_classes})\n"
            f"    y_test = keras.utils.to_categorical(y_test, {num_classes})\n"
        )
    if how == "binary":
        return '    y_train, y_test = y_train.astype("float32"), y_test.astype("float32")\n'
    if how == "input":
        return "    y_train, y_test = x_train, x_test  # an autoencoder learns to give back its input\n"
    return ""


def _fit_extra(fit, held_out: bool, weighted: bool) -> str:
    """The ``fit`` arguments that differ from Keras's defaults (a student reads only what was chosen)."""
    extra = []
    if held_out:
        extra.append("validation_data=(x_val, y_val)")
    elif fit.validation_split > 0:
        extra.append(f"validation_split={float(fit.validation_split)}")
    if not fit.shuffle:
        extra.append("shuffle=False")
    if weighted:
        extra.append("class_weight=class_weight")
    return "".join(f" {arg}," for arg in extra)


def export_script(
    spec: ModelSpec,
    analysis: Analysis,
    dataset: str,
    target: Target,
    settings: TrainSettings,
    samples: int = 0,
    filename: str = "model.py",
    data_code: str | None = None,
    exported_by: str = "",
    info: datasets.DatasetInfo | None = None,
    raw_pixels: bool = False,
) -> str:
    """The whole runnable script as text.

    Every value written into it is either checked against a registry, coerced to a number,
    or a ``repr`` string literal: names from a share link, an upload or an imported JSON can
    never become code (see the module docstring; ``tests/test_codegen_injection.py`` tries
    hostile ones). ``filename`` is kept for callers: the script names no file of its own.

    ``data_code`` defines ``load_data()`` for data that is not a registry dataset (the
    2-D playground's generated points). ``info`` describes ``dataset`` when it is not (or no
    longer) in the registry; ``exported_by`` is the nickname or account that exported it.
    ``raw_pixels``: an image dataset's pixels are not divided (a run with ``"pixels": "raw"``).

    Raises:
        ExportError: a value that cannot be written safely (a spec that was never checked).
    """
    c, f = settings.compile, settings.fit
    if c.optimizer not in OPTIMIZERS or c.loss not in LOSSES or not set(c.metrics) <= set(METRICS):
        raise ExportError("unknown optimizer, loss or metric")
    how = encoding(c.loss, target)
    opt_params = {p.name for p in OPTIMIZERS[c.optimizer].params}
    callbacks = []
    if f.early_stopping:
        callbacks.append(f"keras.callbacks.EarlyStopping(patience={int(f.patience)}, restore_best_weights=True)")
    if f.reduce_lr:
        callbacks.append(f"keras.callbacks.ReduceLROnPlateau(patience={max(1, int(f.patience) // 2)})")
    callbacks.append("keras.callbacks.TerminateOnNaN()")
    held_out = f.validation == "held_out" and f.validation_split > 0
    weighted = f.class_weight == "balanced" and target.kind == "classes"
    main = _MAIN.format(
        epochs=int(f.epochs),
        samples=int(samples),
        seed=int(f.seed),
        encode=_encode_code(how, target.num_classes),
        optimizer=c.optimizer,
        loss=repr(c.loss),
        optimizer_args=", ".join(f"{k}={_literal(v)}" for k, v in c.optimizer_params.items() if k in opt_params),
        metrics=", ".join(metric_code(m, how) for m in c.metrics),
        batch_size=int(f.batch_size),
        fit_extra=_fit_extra(f, held_out, weighted),
        held_out=_HELD_OUT.format(fraction=float(f.validation_split), seed=int(f.seed)) if held_out else "",
        callbacks=", ".join(callbacks),
        class_weight_code=_CLASS_WEIGHT.format(classes=max(2, int(target.num_classes))) if weighted else "",
    )
    if info is None and data_code is None:
        info = datasets.REGISTRY[dataset]
    header = _HEADER.format(
        model_name=_literal(str(spec.name)),
        dataset=_literal(str(dataset)),
        title=_literal(str(info.title) if info else ""),
        class_names=_literal([str(c) for c in info.class_names] if info else []),
        feature_names=_literal([str(c) for c in info.feature_names] if info else []),
        exported_by=_literal(str(exported_by)),
    )
    data = data_code if data_code is not None else _load_code(info, f.test_fraction, f.seed, raw_pixels)
    return header + data + _model_code(spec, analysis) + main
