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

from lib.data import datasets

STATES = ("queued", "running", "stopped", "done", "failed", "interrupted")
FINISHED = ("stopped", "done", "failed", "interrupted")


def runs_dir() -> Path:
    """Where runs live: ``$KP_RUNS_DIR``, else ``runs/`` beside the app."""
    path = Path(os.environ.get("KP_RUNS_DIR") or Path(__file__).resolve().parents[2] / "runs")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # an unwritable place: pages still open, and each write explains the failure
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
    backend: str = ""  # the Keras backend that trained it
    node: str = ""  # the Ray node that trained it last ("" for this server: lib/train/ray_executor.py)


class RunStore:
    """Read and write runs under one folder."""

    def __init__(self, root: Path | None = None):
        self.root = root or runs_dir()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # see runs_dir

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
        """The run's status (a damaged or wrongly typed status file reads as failed)."""
        return parse_status(read_json(self.path(run_id) / "status.json"))

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
        data = read_json(self.path(run_id) / "history.json")
        return data if _series_ok(data, "epoch", "metrics") else {"epoch": [], "metrics": {}}

    def write_history(self, run_id: str, history: dict[str, Any]) -> None:
        """Replace the per-epoch history."""
        write_json(self.path(run_id) / "history.json", history)

    def batches(self, run_id: str) -> dict[str, list]:
        """Thinned per-batch loss: ``{"x": [epoch + fraction], "loss": [...]}``."""
        data = read_json(self.path(run_id) / "batches.json")
        return data if _series_ok(data, "x", "loss") else {"x": [], "loss": []}

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

    def _folders(self) -> list[str]:
        try:
            return [p.name for p in self.root.iterdir() if p.name.isalnum() and p.is_dir()]
        except OSError:
            return []

    def problem(self, run_id: str) -> str | None:
        """Why a run folder cannot be shown (a ``runs.damage.*`` code), or None when it is sound."""
        config = read_json(self.path(run_id) / "config.json")
        if config is None:
            return "config_unreadable"
        if not isinstance(config, dict) or not _config_complete(config):
            return "config_incomplete"
        status = read_json(self.path(run_id) / "status.json")
        if status is not None and parse_status(status).message == "damaged":
            return "status_damaged"
        return None

    def list(self) -> list[str]:
        """Ids of all sound runs, newest first (see :meth:`damaged` for the others)."""
        ids = [i for i in self._folders() if (self.root / i / "config.json").exists() and self.problem(i) is None]
        return sorted(ids, key=lambda i: self.status(i).created, reverse=True)

    def damaged(self) -> list[tuple[str, str]]:
        """``(run_id, reason code)`` of run folders that cannot be read, to show and delete."""
        out = []
        for run_id in self._folders():
            if (reason := self.problem(run_id)) is not None:
                out.append((run_id, reason))
        return sorted(out)

    def delete(self, run_id: str) -> None:
        """Delete a run's folder."""
        shutil.rmtree(self.path(run_id), ignore_errors=True)

    def mark_interrupted(self) -> list[str]:
        """Runs left queued or running by a previous server process become interrupted."""
        changed = []
        for run_id in self.list():
            if self.status(run_id).state in ("queued", "running"):
                # Only a run with a saved epoch can be continued; say so either way.
                message = "interrupted" if self.best_model_path(run_id) else "interrupted_early"
                try:
                    self.update_status(run_id, state="interrupted", message=message)
                except OSError:
                    continue  # an unwritable folder stays as it is; the job manager's watchdog reports it
                changed.append(run_id)
        return changed


def _number_list(values: Any) -> bool:
    return isinstance(values, list) and all(v is None or isinstance(v, (int, float)) for v in values)


def _series_ok(data: Any, axis: str, values: str) -> bool:
    """True for a well-formed history (``{axis: [...], values: {...} or [...]}``) a chart can draw."""
    if not isinstance(data, dict) or not _number_list(data.get(axis)):
        return False
    inner = data.get(values)
    if isinstance(inner, dict):
        return all(isinstance(k, str) and _number_list(v) for k, v in inner.items())
    return _number_list(inner)


def _config_complete(config: dict[str, Any]) -> bool:
    """True when a config has what every page reads: a dataset, a target, a spec and settings."""
    spec, settings = config.get("spec"), config.get("settings")
    return (
        isinstance(config.get("dataset"), str)
        and isinstance(config.get("target"), str)
        and config["dataset"] in datasets.REGISTRY
        and isinstance(spec, dict)
        and isinstance(spec.get("name"), str)
        and isinstance(settings, dict)
        and isinstance(settings.get("fit"), dict)
        and isinstance(settings.get("compile"), dict)
    )


def parse_status(data: Any) -> Status:
    """A :class:`Status` from parsed JSON; any missing-type or unknown state reads as damaged."""
    if not isinstance(data, dict):
        return Status(state="failed", message="damaged")
    fields = {}
    for name in Status.__dataclass_fields__:
        if name not in data:
            continue
        value, default = data[name], getattr(Status(), name)
        numeric = isinstance(default, (int, float)) and isinstance(value, (int, float)) and not isinstance(value, bool)
        if not (numeric or type(value) is type(default)):
            return Status(state="failed", message="damaged", detail=f"{name}: {type(value).__name__}")
        fields[name] = value
    status = Status(**fields)
    if status.state not in STATES:
        return Status(state="failed", message="damaged", detail=f"state: {status.state[:20]}")
    return status
