"""One checked export in its own process: ``python -m lib.train.export_main RUNS_DIR RUN_ID FORMAT FOLDER``.

The exporters need Keras's TensorFlow backend (LiteRT has no other) and ``tf2onnx``;
in a process of its own, the server keeps whatever backend it runs, never holds the
interpreter for a conversion, and loads none of the converters. Writes ``result.json``
(an :class:`lib.train.exports.ExportResult`) into FOLDER, atomically, as its last act.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(runs_dir: str, run_id: str, fmt: str, folder: str) -> int:
    """Export and check; the result is written even when the model or its data cannot be read."""
    os.environ["KERAS_BACKEND"] = "tensorflow"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from lib.train.evaluation import load_run_model
    from lib.train.export_jobs import write_result
    from lib.train.exports import ExportResult, export_checked
    from lib.train.runstore import RunStore
    from lib.train.training import clean_detail, training_arrays

    store, out = RunStore(Path(runs_dir)), Path(folder)
    try:
        model = load_run_model(store, run_id)
        x_test = training_arrays(store.config(run_id))[2]
        result = export_checked(model, fmt, x_test, out)
    except Exception as exc:  # noqa: BLE001 - a model or dataset that cannot be read: a message
        result = ExportResult(fmt, False, code="failed", detail=clean_detail(f"{type(exc).__name__}: {exc}", 300))
    write_result(out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
