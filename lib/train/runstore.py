"""The run store: one folder per training run, named by the hash of what decides its result.

Files: ``config.json`` (model spec, dataset, subset, target, compile/fit settings),
``status.json``, ``history.json`` (per epoch), ``batches.json`` (thinned per batch),
``checkpoint.keras`` (last finished epoch), ``model.keras`` (final), ``log.txt``,
``owner.json`` (the nickname that first asked for it, and everyone who asked since), and the
side files of :data:`SIDE_FILES` (an evaluation's cache, a demo's frames). Every write is
atomic: a reader never sees half a file. No other module builds a run's paths or opens its
files (``tests/test_house_rules.py`` keeps it so): they ask the store.

A run continued for more epochs is a new run (its config names the parent and the epoch
it starts from): a finished run is never changed, so its cached answer stays true.
Deleted runs go to ``.trash/`` for a day, from where they can be restored.
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
from lib.train.run_config import RunConfig, as_run_config

STATES = ("queued", "running", "stopped", "done", "failed", "interrupted")
TRASH = ".trash"
TRASH_KEEP_S = 24 * 3600.0
FINISHED = ("stopped", "done", "failed", "interrupted")
# Files other modules keep beside a run, by name (what writes each): read_side / write_side.
SIDE_FILES = {
    "evaluation.json": "lib/train/evaluation.py: the test-set results, keyed by the model file's time",
    "test_outputs.npz": "lib/train/evaluation.py: every test sample's probabilities (confusion cells)",
    "samples.npy": "lib/demos/gan.py: the generator's fixed-noise samples after each epoch",
    "frames.npz": "lib/demos/playground.py: the decision boundary and units after each epoch",
}
# What a worker elsewhere (Ray) gets of its run and sends back: never the config.
WORKER_SEED = ("status.json", "history.json", "batches.json", "log.txt")


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


def config_hash(config: RunConfig | dict[str, Any]) -> str:
    """The run id: 16 hex digits of the SHA-256 of the canonical config JSON (a typed config's ``to_dict``)."""
    data = config.to_dict() if isinstance(config, RunConfig) else config
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


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

    def create(self, config: RunConfig | dict[str, Any], nickname: str = "") -> str:
        """Create (or reset) the run for ``config``; returns its id.

        A reset keeps who owns the run. A config that ``continues`` another run starts
        from that run's saved model, history and time (copied, so the parent stays as
        it is); :class:`ParentMissing` when that model is gone.
        """
        config = as_run_config(config)
        run_id = config_hash(config)
        folder = self.path(run_id)
        owner = self.owner(run_id) if folder.exists() else {}
        start = self._parent_start(config.continues)
        if folder.exists():
            shutil.rmtree(folder)
        write_json(folder / "config.json", config.to_dict())
        status = Status(epochs_target=config.fit.epochs)
        history, batches = {"epoch": [], "metrics": {}}, {"x": [], "loss": []}
        if start is not None:
            parent, epoch = start
            shutil.copyfile(self.best_model_path(parent), self.model_path(run_id, "checkpoint"))
            history, batches = _history_until(self.history(parent), epoch), _batches_until(self.batches(parent), epoch)
            status.epochs_done, status.train_seconds = epoch, self.status(parent).train_seconds
            self.write_batches(run_id, batches)
        self.set_status(run_id, status)
        self.write_history(run_id, history)
        write_json(folder / "owner.json", {"owner": owner.get("owner") or nickname, "users": owner.get("users", [])})
        if nickname:
            self.claim(run_id, nickname)
        return run_id

    def _parent_start(self, continues: Any) -> tuple[str, int] | None:
        """``(parent run id, epoch)`` a continued run starts from (None for a fresh run)."""
        if not continues:
            return None
        parent, epoch = continues.run, continues.epoch
        if not (isinstance(parent, str) and parent.isalnum() and self.best_model_path(parent)):
            raise ParentMissing(str(parent)[:20])
        return parent, int(epoch)

    def owner(self, run_id: str) -> dict[str, Any]:
        """``{"owner": nickname, "users": [nicknames]}`` (empty for runs from before owners)."""
        data = read_json(self.path(run_id) / "owner.json", {})
        if not isinstance(data, dict):
            return {}
        users = data.get("users") if isinstance(data.get("users"), list) else []
        return {"owner": str(data.get("owner") or ""), "users": [str(u) for u in users]}

    def claim(self, run_id: str, nickname: str) -> None:
        """Record that ``nickname`` asked for this run (the first one to ask owns it)."""
        record = self.owner(run_id)
        if not nickname or nickname in record.get("users", []):
            return
        users = [*record.get("users", []), nickname]
        write_json(self.path(run_id) / "owner.json", {"owner": record.get("owner") or nickname, "users": users})

    def exists(self, run_id: str) -> bool:
        """True when the run has a config."""
        return (self.path(run_id) / "config.json").exists()

    def config(self, run_id: str) -> RunConfig:
        """The run's config (all defaults when its folder has none: a deleted parent, a damaged run)."""
        return RunConfig.from_dict(self.config_json(run_id))

    def sound_config(self, run_id: str) -> RunConfig | None:
        """The run's config, or None when its file is unreadable or lacks what a run needs (damaged)."""
        data = read_json(self.path(run_id) / "config.json")
        return RunConfig.from_dict(data) if isinstance(data, dict) and _config_complete(data) else None

    def config_json(self, run_id: str) -> dict[str, Any]:
        """The run's ``config.json`` as it is on disk (a download, a check of a damaged folder)."""
        data = read_json(self.path(run_id) / "config.json", {})
        return data if isinstance(data, dict) else {}

    def status(self, run_id: str) -> Status:
        """The run's status (a damaged or wrongly typed status file reads as failed)."""
        return parse_status(read_json(self.path(run_id) / "status.json"))

    def set_status(self, run_id: str, status: Status) -> None:
        """Write the status (stamping its update time)."""
        status.updated = time.time()
        write_json(self.path(run_id) / "status.json", asdict(status))

    def update_status(self, run_id: str, **changes: Any) -> Status:
        """Change some status fields; a run marked interrupted is never changed again.

        (Only a new run changes what an interrupted one led to: one that continues it, or
        :meth:`create` training its configuration afresh.) Whatever still writes to an
        interrupted run, such as a worker a dead server left behind, is ignored.
        """
        status = self.status(run_id)
        if status.state == "interrupted":
            return status
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

    def curves_version(self, run_id: str) -> tuple[tuple[int, int], ...]:
        """A stamp of the history and batch files (time, size): it changes whenever the curves do.

        Live views poll a run's curves every few seconds; they rebuild the charts only when it changed.
        """
        stamps = []
        for name in ("history.json", "batches.json"):
            try:
                stat = (self.path(run_id) / name).stat()
                stamps.append((stat.st_mtime_ns, stat.st_size))
            except OSError:
                stamps.append((0, 0))
        return tuple(stamps)

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

    def read_side(self, run_id: str, name: str) -> bytes | None:
        """A side file's bytes (one of :data:`SIDE_FILES`), or None when it is not there."""
        try:
            return (self.path(run_id) / _side(name)).read_bytes()
        except OSError:
            return None

    def write_side(self, run_id: str, name: str, data: bytes) -> None:
        """Atomically write a side file (one of :data:`SIDE_FILES`) beside the run."""
        atomic_write(self.path(run_id) / _side(name), data)

    def read_side_json(self, run_id: str, name: str) -> Any:
        """A JSON side file, or None when missing or damaged."""
        return read_json(self.path(run_id) / _side(name))

    def write_side_json(self, run_id: str, name: str, value: Any) -> None:
        """Atomically write a JSON side file."""
        write_json(self.path(run_id) / _side(name), value)

    def seed(self, run_id: str, config: RunConfig, more_epochs: int) -> dict[str, bytes]:
        """What a worker elsewhere needs of the store, keyed by path inside it, with the bytes.

        The run's status, history, per-batch curve and log; for a resume the model it
        continues from; for a transfer (``init_from``) the base run's model. Nothing else.
        """
        folder, out = self.path(run_id), {}
        for name in WORKER_SEED:
            if (folder / name).exists():
                out[f"{run_id}/{name}"] = (folder / name).read_bytes()
        if more_epochs and (best := self.best_model_path(run_id)) is not None:
            out[f"{run_id}/{best.name}"] = best.read_bytes()
        if (init := config.init_from) and (base := self.best_model_path(init.run)) is not None:
            out[f"{init.run}/{base.name}"] = base.read_bytes()
        return out

    def plant(self, run_id: str, config: dict[str, Any], seed: dict[str, bytes]) -> None:
        """A worker's side of :meth:`seed`: the run's config (its JSON form, as sent) and the seeded files."""
        write_json(self.path(run_id) / "config.json", config)
        for key, data in seed.items():
            run, _, name = key.partition("/")
            if "/" not in name and not name.startswith("."):
                atomic_write(self.path(run) / name, data)

    def changed_files(self, run_id: str, seen: dict[str, tuple[int, int]]) -> dict[str, bytes]:
        """The run's files that are new or changed since ``seen`` (updated in place)."""
        out = {}
        for path in sorted(self.path(run_id).iterdir()):
            if path.name.startswith(".") or ".part" in path.name or not path.is_file():
                continue  # atomic writes' temporary files (".status.json.x.part")
            try:
                stat = path.stat()
                stamp = (stat.st_mtime_ns, stat.st_size)
                if seen.get(path.name) != stamp:
                    out[path.name] = path.read_bytes()
                    seen[path.name] = stamp
            except OSError:  # replaced between listing and reading: the next push sends it
                continue
        return out

    def file_names(self, run_id: str) -> list[str]:
        """The names of the run's files (not the temporary ones)."""
        return sorted(p.name for p in self.path(run_id).iterdir() if not p.name.startswith("."))

    def receive(self, run_id: str, files: dict[str, bytes], node: str, present: list[str] | None = None) -> None:
        """Write files a worker sent into the run folder, each atomically; the status last.

        Models first, so a status that names an epoch never points at a model not yet there;
        the status gets the node that trained the run. A worker never writes the config.
        ``present`` (the worker's file names at its end): a model it deleted goes here too
        (the final model replaces the checkpoint).
        """
        folder = self.path(run_id)
        for name in sorted(files, key=lambda n: (n == "status.json", not n.endswith(".keras"), n)):
            if "/" in name or name.startswith(".") or name == "config.json":
                continue
            if name == "status.json":
                try:
                    status = json.loads(files[name])
                except ValueError:
                    status = None
                if isinstance(status, dict):
                    write_json(folder / name, {**status, "node": node})
                    continue
            atomic_write(folder / name, files[name])
        for which in ("model", "checkpoint"):
            if present is not None and f"{which}.keras" not in present:
                self.model_path(run_id, which).unlink(missing_ok=True)

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
        """Delete a run's folder for good (damaged folders; the trash after a day)."""
        shutil.rmtree(self.path(run_id), ignore_errors=True)

    def trash(self, run_id: str, by: str = "") -> None:
        """Move a run to the trash, from where :meth:`restore` brings it back for a day."""
        when = time.time()
        place = self.root / TRASH / f"{run_id}.{int(when * 1000)}"
        place.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.path(run_id), place)
        write_json(place / "trashed.json", {"when": when, "by": by})

    def trashed(self) -> list[dict[str, Any]]:
        """Runs in the trash, newest first: entry, run id, when, by whom, owner and model.

        Entries older than a day are deleted for good first.
        """
        out = []
        try:
            entries = sorted((self.root / TRASH).iterdir())
        except OSError:
            return []
        for folder in entries:
            info = read_json(folder / "trashed.json", {})
            when = info.get("when", 0.0) if isinstance(info, dict) else 0.0
            if not isinstance(when, (int, float)) or time.time() - when > TRASH_KEEP_S:
                shutil.rmtree(folder, ignore_errors=True)
                continue
            owner = read_json(folder / "owner.json", {})
            config = read_json(folder / "config.json", {})
            out.append({
                "entry": folder.name,
                "run": folder.name.split(".", maxsplit=1)[0],
                "when": when,
                "by": str(info.get("by", "")),
                "owner": str(owner.get("owner", "")) if isinstance(owner, dict) else "",
                "model": str(config.get("spec", {}).get("name", "?")) if isinstance(config, dict) else "?",
            })  # fmt: skip
        return sorted(out, key=lambda e: e["when"], reverse=True)

    def restore(self, entry: str) -> bool:
        """Bring a trashed run back; False when it is gone or a run of that config exists again."""
        run_id = entry.split(".", maxsplit=1)[0]
        folder = self.root / TRASH / entry
        if not (run_id.isalnum() and entry.replace(".", "").isalnum() and folder.is_dir()) or self.exists(run_id):
            return False
        (folder / "trashed.json").unlink(missing_ok=True)
        os.replace(folder, self.path(run_id))
        return True

    def mark_interrupted(self, keep: set[str] | frozenset[str] = frozenset()) -> list[str]:
        """Runs left queued or running by a previous server process become interrupted.

        Call it after :func:`lib.train.orphans.stop_orphans`: no worker of a dead server may
        still be writing then. ``keep``: runs that a live server's worker is training.
        """
        changed = []
        for run_id in self.list():
            if run_id not in keep and self.status(run_id).state in ("queued", "running"):
                # Only a run with a saved epoch can be continued; say so either way.
                message = "interrupted" if self.best_model_path(run_id) else "interrupted_early"
                try:
                    self.update_status(run_id, state="interrupted", message=message)
                except OSError:
                    continue  # an unwritable folder stays as it is; the job manager's watchdog reports it
                changed.append(run_id)
        return changed


class ParentMissing(LookupError):
    """A continued run's parent (or its saved model) is gone."""


def _side(name: str) -> str:
    if name not in SIDE_FILES:
        raise ValueError(f"Not a side file of a run: {name!r} (see SIDE_FILES)")
    return name


def _history_until(history: dict[str, Any], epoch: int) -> dict[str, Any]:
    """The first ``epoch`` epochs of a history."""
    return {"epoch": history["epoch"][:epoch], "metrics": {k: v[:epoch] for k, v in history["metrics"].items()}}


def _batches_until(batches: dict[str, list], epoch: int) -> dict[str, list]:
    """The per-batch points of the first ``epoch`` epochs."""
    keep = [i for i, x in enumerate(batches["x"]) if x <= epoch]
    return {"x": [batches["x"][i] for i in keep], "loss": [batches["loss"][i] for i in keep]}


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
        and datasets.is_known(config["dataset"])
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
