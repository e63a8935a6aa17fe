"""Checked exports of a run's model: TF SavedModel, ONNX and LiteRT, each verified in its runtime.

Keras 3 writes the three formats (``model.export(path, format=...)``, TensorFlow backend;
ONNX through ``tf2onnx``). An export is kept only when its own runtime loads it (TensorFlow
for the SavedModel, ONNX Runtime, the LiteRT interpreter of ``ai-edge-litert``) and gives the
same outputs as Keras on :data:`CHECK_INPUTS` test inputs, at most :data:`TOLERANCE` apart.

Augmentation layers do nothing at inference, but their random ops reach the exported graph
(ONNX Runtime refuses ``StatelessRandomUniformV2``), so they are left out of every export.
When a format cannot be made, each layer is exported alone to name the one that fails.

This module imports Keras, TensorFlow and the runtimes only inside its functions; it runs in
its own process (``python -m lib.train.export_main``), never in the Streamlit server.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

CHECK_INPUTS = 100
TOLERANCE = 1e-4


@dataclass(frozen=True)
class ExportFormat:
    """One export format: Keras's name for it, the file it downloads as, and its runtime."""

    name: str  # the key of ``runs.export.fmt.<name>`` and of the snippets
    keras_format: str  # ``model.export(..., format=...)``
    suffix: str  # the downloaded file: ``<run>.<suffix>``
    mime: str
    runtime: str  # shown beside the check: what ran the exported model


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("saved_model", "tf_saved_model", "savedmodel.zip", "application/zip", "TensorFlow"),
        ExportFormat("onnx", "onnx", "onnx", "application/octet-stream", "ONNX Runtime"),
        ExportFormat("litert", "litert", "tflite", "application/octet-stream", "LiteRT"),
    )
}

# How to run each file, for the page (``{file}`` is the downloaded name, ``{shape}`` one input's shape);
# the page says in the user's language what to install and that ``x`` is scaled as in training.
SNIPPETS: dict[str, str] = {
    "saved_model": """import zipfile, numpy as np, tensorflow as tf
zipfile.ZipFile("{file}").extractall("model_savedmodel")
model = tf.saved_model.load("model_savedmodel")
x = np.zeros((1, {shape}), dtype="float32")
print(np.asarray(model.serve(x)))""",
    "onnx": """import numpy as np, onnxruntime as ort
session = ort.InferenceSession("{file}")
x = np.zeros((1, {shape}), dtype="float32")
print(session.run(None, {{session.get_inputs()[0].name: x}})[0])""",
    "litert": """import numpy as np
from ai_edge_litert.interpreter import Interpreter
interpreter = Interpreter(model_path="{file}")
interpreter.allocate_tensors()
x = np.zeros((1, {shape}), dtype="float32")
interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
interpreter.invoke()
print(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))""",
}


@dataclass
class ExportResult:
    """What an export ended with: a checked file, or a reason (``runs.export.err.<code>``)."""

    format: str
    ok: bool
    file: str = ""  # the artifact's name in the export folder
    max_abs_diff: float | None = None
    inputs: int = 0
    code: str = ""  # why not: ``mismatch``, ``layer``, ``runtime``, ``backend``, ``failed``
    layer: str = ""  # the layer that cannot be exported (``code == "layer"``)
    layer_type: str = ""
    detail: str = ""  # the converter's or runtime's own words, shortened
    why: str = ""  # a known reason (``runs.export.why.<why>``): ``flex`` or ``no_op``
    op: str = ""  # the operation the format lacks

    def to_dict(self) -> dict:
        """JSON-ready."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ExportResult:
        """Back from :meth:`to_dict`; unknown keys are ignored."""
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class ExportFailed(RuntimeError):
    """A format could not be written or loaded by its runtime; ``detail`` says what went wrong."""

    def __init__(self, stage: str, detail: str):
        super().__init__(detail)
        self.stage, self.detail = stage, detail


def without_augmentation(model):
    """The same model (same weights) without its augmentation layers, which are identities at inference."""
    import keras

    if not any(_is_augmentation(layer) for layer in model.layers):
        return model
    if isinstance(model, keras.Sequential):
        kept = [layer for layer in model.layers if not _is_augmentation(layer)]
        return keras.Sequential([keras.Input(model.input_shape[1:], dtype=model.inputs[0].dtype), *kept])
    return keras.models.clone_model(
        model, clone_function=lambda layer: keras.layers.Identity() if _is_augmentation(layer) else layer
    )


def _is_augmentation(layer) -> bool:
    from lib.model.layers import REGISTRY

    info = REGISTRY.get(type(layer).__name__)
    return bool(info and info.augmentation)


def write(model, fmt: str, folder: Path) -> Path:
    """Export ``model`` as ``fmt`` into ``folder``; the file to download (a SavedModel is zipped)."""
    spec = FORMATS[fmt]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / ("model" if fmt == "saved_model" else f"model.{spec.suffix}")
    try:
        model.export(str(target), format=spec.keras_format, verbose=False)
    except Exception as exc:  # (raised again below, the converter's own words to be explained)
        raise ExportFailed("convert", f"{type(exc).__name__}: {exc}") from exc
    if fmt != "saved_model":
        return target
    archive = folder / f"model.{spec.suffix}"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in sorted(target.rglob("*")):
            if path.is_file():
                out.write(path, path.relative_to(target).as_posix())
    return archive


def run_in_runtime(fmt: str, path: Path, x: np.ndarray) -> np.ndarray:
    """Load the exported file in its own runtime and return its outputs for ``x``."""
    try:
        return _RUNNERS[fmt](path, x)
    except Exception as exc:  # (raised again below: a file its runtime refuses is explained)
        raise ExportFailed("runtime", f"{type(exc).__name__}: {exc}") from exc


def _run_saved_model(path: Path, x: np.ndarray) -> np.ndarray:
    import tempfile

    import tensorflow as tf

    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(path) as archive:
            archive.extractall(folder)
        loaded = tf.saved_model.load(folder)
        return np.asarray(loaded.serve(tf.constant(x)))


def _run_onnx(path: Path, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, {session.get_inputs()[0].name: x})[0])


def _run_litert(path: Path, x: np.ndarray) -> np.ndarray:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    given = interpreter.get_input_details()[0]
    interpreter.resize_tensor_input(given["index"], x.shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(given["index"], x)
    interpreter.invoke()
    return np.asarray(interpreter.get_tensor(interpreter.get_output_details()[0]["index"]))


_RUNNERS: dict[str, Callable[[Path, np.ndarray], np.ndarray]] = {
    "saved_model": _run_saved_model,
    "onnx": _run_onnx,
    "litert": _run_litert,
}


def export_checked(model, fmt: str, x: np.ndarray, folder: Path) -> ExportResult:
    """Export ``model`` as ``fmt`` into ``folder`` and check it on ``x`` in its runtime.

    Never raises for a model the format cannot hold: the result says which layer and why.
    """
    import keras

    if keras.config.backend() != "tensorflow":
        return ExportResult(fmt, False, code="backend", detail=keras.config.backend())
    model = without_augmentation(model)
    x = np.asarray(x[:CHECK_INPUTS], dtype=model.inputs[0].dtype)
    expected = np.asarray(model(x, training=False))
    try:
        path = write(model, fmt, folder)
        got = run_in_runtime(fmt, path, x)
    except ExportFailed as failed:
        return _explain(model, fmt, folder, failed)
    finally:
        shutil.rmtree(folder / "model", ignore_errors=True)  # the SavedModel folder (its zip stays)
    if got.shape != expected.shape:
        return ExportResult(fmt, False, code="mismatch", inputs=len(x), detail=f"{got.shape} ≠ {expected.shape}")
    diff = float(np.max(np.abs(got.astype("float64") - expected.astype("float64")))) if len(x) else 0.0
    if not diff <= TOLERANCE:  # (a NaN is refused too)
        path.unlink(missing_ok=True)
        return ExportResult(fmt, False, code="mismatch", max_abs_diff=diff, inputs=len(x))
    return ExportResult(fmt, True, file=path.name, max_abs_diff=diff, inputs=len(x))


def _explain(model, fmt: str, folder: Path, failed: ExportFailed) -> ExportResult:
    """Name the layer that cannot be exported: the first that fails when exported alone."""
    from lib.train.training import clean_detail

    for layer in model.layers:
        alone = _alone(layer)
        if alone is None:
            continue
        probe = folder / "probe"
        try:
            x = np.zeros((2, *alone.input_shape[1:]), dtype=alone.inputs[0].dtype)
            alone(x)  # (Keras exports only a model that has been called)
            run_in_runtime(fmt, write(alone, fmt, probe), x)
        except ExportFailed as layer_failed:
            return ExportResult(
                fmt, False, code="layer", layer=layer.name, layer_type=type(layer).__name__,
                detail=clean_detail(layer_failed.detail, 300), **missing_op(layer_failed.detail),
            )  # fmt: skip
        except Exception:  # noqa: BLE001 - a probe that cannot even be built names nothing
            continue
        finally:
            shutil.rmtree(probe, ignore_errors=True)
    return ExportResult(
        fmt, False, code=failed.stage, detail=clean_detail(failed.detail, 300), **missing_op(failed.detail)
    )


def _alone(layer):
    """A one-layer model of ``layer`` (its own weights) on a fresh input, or None (merges, inputs)."""
    import keras

    try:
        shape = layer.input.shape
    except (AttributeError, ValueError):  # an InputLayer, or a layer with several inputs
        return None
    if isinstance(layer, keras.layers.InputLayer) or not isinstance(shape, tuple):
        return None
    inp = keras.Input(shape[1:], dtype=layer.input.dtype)
    return keras.Model(inp, layer(inp))


_FLEX = re.compile(r"\(Flex(\w+)\)")
_NO_OP = re.compile(r"No Op registered for (\w+)")


def missing_op(detail: str) -> dict[str, str]:
    """The operation a converter's or runtime's error says the format lacks (``why`` and ``op``)."""
    if match := _FLEX.search(detail):  # LiteRT: a TensorFlow op outside its built-in set
        return {"why": "flex", "op": match.group(1)}
    if match := _NO_OP.search(detail):  # ONNX Runtime: an operator ONNX does not define
        return {"why": "no_op", "op": match.group(1)}
    return {}


def input_shape_text(model) -> str:
    """One input's shape as the snippets write it (``28, 28, 1``)."""
    return ", ".join(str(d) for d in model.input_shape[1:])


def failure_text(result: ExportResult, lang: str) -> str:
    """Why an export was refused, in ``lang``: the layer and the missing operation, or the measured difference."""
    from lib.i18n import scientific, t

    detail = t(f"runs.export.why.{result.why}", lang, op=result.op) if result.why else result.detail
    values = {"layer": result.layer, "type": result.layer_type, "detail": detail, "tol": scientific(TOLERANCE, lang, 0)}
    if result.max_abs_diff is not None:
        values["diff"] = scientific(result.max_abs_diff, lang)
    return t(f"runs.export.err.{result.code}", lang, **values)
