"""Import an uploaded ``.keras`` model as a run, safely.

A ``.keras`` file is a zip (``config.json``, ``metadata.json``, ``model.weights.h5``). It is
inspected as a zip before Keras sees it, so a small file that unpacks to gigabytes, a
config nested to exhaust the parser, or a layer that carries code is refused cheaply;
only then is it loaded with ``safe_mode=True``. The model must fit the chosen dataset's
input and output.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from lib.data import datasets
from lib.errors import CodedError
from lib.model.spec import json_depth_ok, safe_name
from lib.model.train_config import CompileSettings, TrainSettings
from lib.train.run_config import NO_BACKEND_KEYS, RunConfig
from lib.train.runstore import RunStore, Status
from lib.train.training import clean_detail

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Limits of the zip inside a .keras file. Weights hardly compress, so a real model unpacks
# to about its own size; Keras's own guard only starts at 4 GiB per member.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 32
MAX_CONFIG_BYTES = 2 * 1024 * 1024
MAX_CONFIG_DEPTH = 64
MAX_RATIO = 100  # uncompressed / compressed size of any member
CODE_LAYERS = ("Lambda", "TFSMLayer")


class ModelImportError(CodedError):
    """The upload was refused; ``code`` and ``values`` name the explanation."""


def inspect_archive(data: bytes) -> None:
    """Refuse a ``.keras`` upload that is not a sane Keras archive, without unpacking it.

    Raises:
        ModelImportError: ``not_keras``, ``zip_bomb`` (sizes, member count or compression
            ratio over the limits) or ``code_layer`` (a layer that would run code).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ModelImportError("not_keras") from exc
    total = sum(m.file_size for m in members)
    ratio = max((m.file_size / max(m.compress_size, 1) for m in members), default=0)
    if len(members) > MAX_MEMBERS or total > MAX_UNPACKED_BYTES or ratio > MAX_RATIO:
        raise ModelImportError("zip_bomb", mb=MAX_UNPACKED_BYTES // 2**20, members=MAX_MEMBERS)
    names = {m.filename: m for m in members}
    config = names.get("config.json")
    if config is None or "model.weights.h5" not in names:
        raise ModelImportError("not_keras")
    if config.file_size > MAX_CONFIG_BYTES:
        raise ModelImportError("zip_bomb", mb=MAX_UNPACKED_BYTES // 2**20, members=MAX_MEMBERS)
    try:
        text = archive.read(config).decode("utf-8")
        parsed = json.loads(text) if json_depth_ok(text, MAX_CONFIG_DEPTH) else None
    except (ValueError, RecursionError, zipfile.BadZipFile, OSError) as exc:
        raise ModelImportError("not_keras") from exc
    if parsed is None:
        raise ModelImportError("zip_bomb", mb=MAX_UNPACKED_BYTES // 2**20, members=MAX_MEMBERS)
    if layer := _code_layer(parsed):
        raise ModelImportError("code_layer", layer=layer)


def _code_layer(config: Any) -> str | None:
    """The first layer class in a Keras config that carries code (Lambda, custom objects)."""
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack += item
        elif isinstance(item, dict):
            class_name, module = item.get("class_name"), item.get("module")
            if class_name in CODE_LAYERS or (isinstance(module, str) and not module.startswith("keras")):
                return str(class_name)[:40]
            stack += item.values()
    return None


def _load(data: bytes):
    """Load checked archive bytes with ``safe_mode``; any Keras failure becomes ``bad``."""
    import keras

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.keras"
        path.write_bytes(data)
        try:
            model = keras.saving.load_model(path, safe_mode=True, compile=False)
            got_input = tuple(model.inputs[0].shape[1:])
            got_output = tuple(model.outputs[0].shape[1:])
        except Exception as exc:
            raise ModelImportError("bad", detail=clean_detail(f"{type(exc).__name__}: {exc}", 160)) from exc
    return model, got_input, got_output


def output_fits(output_shape: tuple, info: datasets.DatasetInfo) -> bool:
    """True when a model's output shape fits the dataset's task (classes, or one value)."""
    if len(output_shape) != 1:
        return False
    if info.is_classification:
        return output_shape[0] == info.num_classes or (info.num_classes == 2 and output_shape[0] == 1)
    return output_shape[0] == 1


def import_model(store: RunStore, data: bytes, dataset: str) -> str:
    """Check and store an uploaded model as a finished run; returns the run id."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ModelImportError("too_big", mb=MAX_UPLOAD_BYTES // 2**20)
    inspect_archive(data)
    model, got, out = _load(data)
    info = datasets.REGISTRY[dataset]
    if got != tuple(info.input_shape):
        raise ModelImportError("shape", got=str(got), want=str(info.input_shape), dataset=dataset)
    if not output_fits(out, info):
        want = f"({info.num_classes},)" if info.is_classification else "(1,)"
        raise ModelImportError("output", got=str(out), want=want, dataset=dataset)
    units = int(out[-1])
    loss = (
        "binary_crossentropy"
        if units == 1 and info.num_classes == 2
        else ("sparse_categorical_crossentropy" if info.is_classification else "mean_squared_error")
    )
    settings = TrainSettings(CompileSettings(loss=loss, metrics=["accuracy"] if info.is_classification else ["mae"]))
    config = RunConfig(
        imported=hashlib.sha256(data).hexdigest()[:16],
        spec={"name": safe_name(model.name)},
        dataset=dataset,
        target="classes" if info.is_classification else "value",
        settings=settings,
        written=NO_BACKEND_KEYS,
    )
    try:
        run_id = store.create(config)
        model.save(store.model_path(run_id, "model"))
        store.set_status(run_id, Status(state="done", message="", epochs_target=0, device="—"))
    except OSError as exc:
        raise ModelImportError("disk", detail=clean_detail(str(exc), 160)) from exc
    return run_id
