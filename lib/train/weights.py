"""Weights files: a run's weights alone (``.weights.h5``), and loading one into a run's architecture.

A ``.keras`` file holds the architecture, the weights and the optimizer state; a
``.weights.h5`` file holds only the weight values, layer by layer, so it loads only into
the same architecture. Loading one makes a new finished run (the source run is left as it
is), named by the source run's config and the file's hash.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from lib.errors import CodedError
from lib.model.analysis import analyse
from lib.model.labels import encoding
from lib.train.runstore import RunStore, Status
from lib.train.training import clean_detail

MAX_WEIGHTS_BYTES = 50 * 2**20
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


class WeightsError(CodedError):
    """A weights file was refused; ``code`` keys ``runs.weights_err.<code>``."""


def weights_file(store: RunStore, run_id: str) -> bytes:
    """The run's weights as the bytes of a ``.weights.h5`` file (``model.save_weights``)."""
    from lib.train.evaluation import load_run_model

    model = load_run_model(store, run_id)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.weights.h5"
        model.save_weights(path)
        return path.read_bytes()


def load_weights(store: RunStore, run_id: str, data: bytes, nickname: str = "") -> str:
    """Build ``run_id``'s architecture, load the uploaded weights into it, store it as a new run.

    Raises:
        WeightsError: ``too_big``, ``not_h5`` (not an HDF5 file), ``mismatch`` (another
            architecture; the detail says where) or ``disk``.
    """
    import keras

    from lib.model.builder import build_model
    from lib.train.training import compile_model

    if len(data) > MAX_WEIGHTS_BYTES:
        raise WeightsError("too_big", mb=MAX_WEIGHTS_BYTES // 2**20)
    if not data.startswith(HDF5_SIGNATURE):
        raise WeightsError("not_h5")
    source = store.config(run_id)
    settings, target, spec = source.settings, source.run_target(), source.model_spec()
    model = build_model(spec, analyse(spec, target, settings.fit.batch_size))
    compile_model(model, settings, encoding(settings.compile.loss, target))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.weights.h5"
        path.write_bytes(data)
        try:
            model.load_weights(path)
        except Exception as exc:
            raise WeightsError("mismatch", detail=clean_detail(f"{type(exc).__name__}: {exc}", 240)) from exc
    config = source.replace(continues=None, weights=hashlib.sha256(data).hexdigest()[:16])
    try:
        new_id = store.create(config, nickname)
        model.save(store.model_path(new_id, "model"))
        store.set_status(new_id, Status(state="done", epochs_target=0, device="—", backend=keras.config.backend()))
    except OSError as exc:
        raise WeightsError("disk", detail=clean_detail(str(exc), 160)) from exc
    return new_id
