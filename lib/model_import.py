"""Import an uploaded ``.keras`` model as a run, safely (size limit, ``safe_mode=True``)."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from lib import datasets
from lib.runstore import RunStore, Status
from lib.train_config import CompileSettings, TrainSettings

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ModelImportError(ValueError):
    """The upload was refused; ``code`` and ``values`` name the explanation."""

    def __init__(self, code: str, **values):
        super().__init__(code)
        self.code = code
        self.values = values


def import_model(store: RunStore, data: bytes, dataset: str) -> str:
    """Check and store an uploaded model as a finished run; returns the run id."""
    import keras

    if len(data) > MAX_UPLOAD_BYTES:
        raise ModelImportError("too_big", mb=MAX_UPLOAD_BYTES // 2**20)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.keras"
        path.write_bytes(data)
        try:
            model = keras.saving.load_model(path, safe_mode=True, compile=False)
        except Exception as exc:
            raise ModelImportError("bad", detail=f"{type(exc).__name__}: {str(exc)[:160]}") from exc
    info = datasets.REGISTRY[dataset]
    got = tuple(model.inputs[0].shape[1:])
    if got != tuple(info.input_shape):
        raise ModelImportError("shape", got=str(got), want=str(info.input_shape), dataset=dataset)
    units = int(model.outputs[0].shape[-1])
    loss = (
        "binary_crossentropy"
        if units == 1 and info.num_classes == 2
        else ("sparse_categorical_crossentropy" if info.is_classification else "mean_squared_error")
    )
    settings = TrainSettings(CompileSettings(loss=loss, metrics=["accuracy"] if info.is_classification else ["mae"]))
    config = {
        "version": 1,
        "imported": hashlib.sha256(data).hexdigest()[:16],
        "spec": {"name": model.name},
        "dataset": dataset,
        "train_samples": 0,
        "target": "classes" if info.is_classification else "value",
        "settings": settings.to_dict(),
    }
    run_id = store.create(config)
    model.save(store.model_path(run_id, "model"))
    store.set_status(run_id, Status(state="done", message="", epochs_target=0, device="—"))
    return run_id
