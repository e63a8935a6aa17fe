"""The run store: one folder per training run, named by the hash of what decides its result.

Files: ``config.json`` (model spec, dataset, subset, target, compile/fit settings),
``status.json``, ``history.json`` (per epoch), ``batches.json`` (thinned per batch),
``checkpoint.keras`` (last finished epoch), ``model.keras`` (final), ``log.txt`` and
``evaluation.json``. Every write is atomic: a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATES = ("queued", "running", "stopped", "done", "failed", "interrupted")
FINISHED = ("stopped", "done", "failed", "interrupted")


def runs_dir() -> Path:
    """Where runs live: ``$KP_RUNS_DIR``, else ``runs/`` beside the app."""
    path = Path(os.environ.get("KP_RUNS_DIR") or Path(__file__).resolve().parents[1] / "runs")
    path.mkdir(parents=True, exist_ok=True)
    return path


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    with os.fdopen(fd, "wb") as out:
        out.write(data.encode() if isinstance(data, str) else data)
    os.replace(tmp, path)


def write_json(path: Path, value: Any) -> None:
    """Atomically write ``value`` as JSON."""
    atomic_write(path, json.dumps(value, indent=1, sort_keys=True))


def read_json(path: Path, default: Any = None) -> Any:
    """Read JSON, or ``default`` when the file is missing or damaged."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return default


def config_hash(config: dict[str, Any]) -> str:
    """The run id: 16 hex digits of the SHA-256 of the canonical config JSON."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


@dataclass
class Status:
    """A run's state and progress, as the pages show it."""

    state: str = "queued"
    epochs_done: int = 0
    epochs_target: int = 0
    message: str = ""  # a catalog key under "train.msg." (failure or stop reason)
    detail: str = ""
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    train_seconds: float = 0.0
    device: str = ""
    samples_per_second: float = 0.0


class RunStore:
    """Read and write runs under one folder."""

    def __init__(self, root: Path | None = None):
        self.root = root or runs_dir()
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, run_id: str) -> Path:
        """The folder of ``run_id``."""
        if not run_id.isalnum():
            raise ValueError(f"Not a run id: {run_id!r}")
        return self.root / run_id

    def create(self, config: dict[str, Any]) -> str:
        """Create (or reset) the run for ``config``; returns its id."""
        run_id = config_hash(config)
        folder = self.path(run_id)
        if folder.exists():
            shutil.rmtree(folder)
        write_json(folder / "config.json", config)
        self.set_status(run_id, Status(epochs_target=config["settings"]["fit"]["epochs"]))
        self.write_history(run_id, {"epoch": [], "metrics": {}})
        return run_id

    def exists(self, run_id: str) -> bool:
        """True when the run has a config."""
        return (self.path(run_id) / "config.json").exists()

    def config(self, run_id: str) -> dict[str, Any]:
        """The run's config."""
        return read_json(self.path(run_id) / "config.json", {})

    def status(self, run_id: str) -> Status:
        """The run's status (a damaged status file reads as failed)."""
        data = read_json(self.path(run_id) / "status.json")
        if not isinstance(data, dict):
            return Status(state="failed", message="damaged")
        return Status(**{k: v for k, v in data.items() if k in Status.__dataclass_fields__})

    def set_status(self, run_id: str, status: Status) -> None:
        """Write the status (stamping its update time)."""
        status.updated = time.time()
        write_json(self.path(run_id) / "status.json", asdict(status))

    def update_status(self, run_id: str, **changes: Any) -> Status:
        """Change some status fields."""
        status = self.status(run_id)
        for key, value in changes.items():
            setattr(status, key, value)
        self.set_status(run_id, status)
        return status

    def history(self, run_id: str) -> dict[str, Any]:
        """Per-epoch history: ``{"epoch": [...], "metrics": {name: [...]}}``."""
        return read_json(self.path(run_id) / "history.json", {"epoch": [], "metrics": {}})

    def write_history(self, run_id: str, history: dict[str, Any]) -> None:
        """Replace the per-epoch history."""
        write_json(self.path(run_id) / "history.json", history)

    def batches(self, run_id: str) -> dict[str, list]:
        """Thinned per-batch loss: ``{"x": [epoch + fraction], "loss": [...]}``."""
        return read_json(self.path(run_id) / "batches.json", {"x": [], "loss": []})

    def write_batches(self, run_id: str, batches: dict[str, list]) -> None:
        """Replace the per-batch history."""
        write_json(self.path(run_id) / "batches.json", batches)

    def log(self, run_id: str, line: str) -> None:
        """Append a line to the run's log (appends are small; not rewritten)."""
        with (self.path(run_id) / "log.txt").open("a") as out:
            out.write(time.strftime("%H:%M:%S ") + line + "\n")

    def model_path(self, run_id: str, which: str = "model") -> Path:
        """``model.keras`` (final) or ``checkpoint.keras`` (last finished epoch)."""
        return self.path(run_id) / f"{which}.keras"

    def best_model_path(self, run_id: str) -> Path | None:
        """The final model if saved, else the last checkpoint, else None."""
        for which in ("model", "checkpoint"):
            path = self.model_path(run_id, which)
            if path.exists():
                return path
        return None

    def list(self) -> list[str]:
        """Ids of all runs, newest first."""
        ids = [p.name for p in self.root.iterdir() if (p / "config.json").exists()]
        return sorted(ids, key=lambda i: self.status(i).created, reverse=True)

    def delete(self, run_id: str) -> None:
        """Delete a run's folder."""
        shutil.rmtree(self.path(run_id), ignore_errors=True)

    def mark_interrupted(self) -> list[str]:
        """Runs left queued or running by a previous server process become interrupted."""
        changed = []
        for run_id in self.list():
            if self.status(run_id).state in ("queued", "running"):
                self.update_status(run_id, state="interrupted", message="interrupted")
                changed.append(run_id)
        return changed
