"""Checked exports in the background: one process per export, one at a time, results kept on disk.

An export of a run's saved model lives in ``<runs>/.exports/<run>-<model stamp>/<format>/``
(outside the run's folder: a finished run is never changed; a folder name with a dash is
not a run). Its ``result.json`` is written last, so a folder without it is an export under
way or one that died; the server's :class:`ExportJobs` knows which. Every session sees the
same exports: the second student asking for one gets the first one's file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from lib.train.exports import FORMATS, ExportResult
from lib.train.runstore import RunStore, read_json, write_json

EXPORTS = ".exports"
RESULT = "result.json"
ROOT = Path(__file__).resolve().parents[2]


def export_folder(store: RunStore, run_id: str, fmt: str) -> Path | None:
    """Where ``run_id``'s model is exported as ``fmt`` (None: the run has no model yet)."""
    path = store.best_model_path(run_id)
    if path is None or fmt not in FORMATS:
        return None
    return store.root / EXPORTS / f"{run_id}-{path.stat().st_mtime_ns}" / fmt


def write_result(folder: Path, result: ExportResult) -> None:
    """Record how an export ended (the last file written in its folder)."""
    write_json(folder / RESULT, result.to_dict())


def read_result(folder: Path) -> ExportResult | None:
    """How the export in ``folder`` ended, or None while none has (or its checked file is gone)."""
    data = read_json(folder / RESULT)
    result = ExportResult.from_dict(data) if isinstance(data, dict) else None
    if result is not None and result.ok and not (folder / result.file).is_file():
        return None  # (a file removed by hand: made again on request)
    return result


@dataclass
class ExportState:
    """What a page shows for one run and format."""

    state: str  # ``none``, ``queued``, ``running`` or ``done``
    result: ExportResult | None = None
    folder: Path | None = None

    @property
    def file(self) -> Path | None:
        """The checked file to download (only for a result that passed)."""
        if self.result is None or not self.result.ok or self.folder is None:
            return None
        path = self.folder / self.result.file
        return path if path.is_file() else None


class ExportJobs:
    """The server's exports under way; one export process at a time (the machine trains too)."""

    def __init__(self, python: str = sys.executable) -> None:
        self._python = python
        self._lock = threading.Lock()
        self._one_at_a_time = threading.Semaphore(1)
        self._jobs: dict[Path, str] = {}  # folder -> "queued" | "running"

    def state(self, store: RunStore, run_id: str, fmt: str) -> ExportState:
        """The export of ``run_id`` as ``fmt``: not asked, under way, or its result."""
        folder = export_folder(store, run_id, fmt)
        if folder is None:
            return ExportState("none")
        with self._lock:
            under_way = self._jobs.get(folder)
        if under_way:
            return ExportState(under_way, folder=folder)
        result = read_result(folder)
        return ExportState("done" if result else "none", result, folder)

    def start(self, store: RunStore, run_id: str, fmt: str) -> bool:
        """Start exporting (False when it is under way or done already, or the run has no model)."""
        folder = export_folder(store, run_id, fmt)
        if folder is None or read_result(folder) is not None:
            return False
        with self._lock:
            if folder in self._jobs:
                return False
            self._jobs[folder] = "queued"
        args = (store.root, run_id, fmt, folder)
        threading.Thread(target=self._run, args=args, name="kp-export", daemon=True).start()
        return True

    def retry(self, store: RunStore, run_id: str, fmt: str) -> bool:
        """Forget a failed export's result and start it again."""
        state = self.state(store, run_id, fmt)
        if state.state == "done" and state.result and not state.result.ok and state.folder:
            (state.folder / RESULT).unlink(missing_ok=True)
        return self.start(store, run_id, fmt)

    def busy(self) -> bool:
        """True while an export is queued or running."""
        with self._lock:
            return bool(self._jobs)

    def _run(self, root: Path, run_id: str, fmt: str, folder: Path) -> None:
        with self._one_at_a_time:
            with self._lock:
                self._jobs[folder] = "running"
            try:
                self._export(root, run_id, fmt, folder)
            finally:
                with self._lock:
                    self._jobs.pop(folder, None)

    def _export(self, root: Path, run_id: str, fmt: str, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        command = [self._python, "-m", "lib.train.export_main", str(root), run_id, fmt, str(folder)]
        env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
        try:
            done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
            tail = (done.stderr or "").strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        except OSError as exc:
            tail = [f"{type(exc).__name__}: {exc}"]
        if read_result(folder) is None:  # the process died before it could say why (memory, a crash)
            write_result(folder, ExportResult(fmt, False, code="failed", detail=tail[0][:300]))
