"""A job's progress: :class:`Progress` (a frozen snapshot) and :class:`Live` (where it changes).

The trainer (in a worker process, a Ray task or a thread of the server) sets fields on its
:class:`Live` as it trains; whoever reads takes :attr:`Live.now`, a frozen :class:`Progress`
that no later batch changes under the reader. Across a process boundary (the worker pipe, the
Ray hub) a snapshot travels as :meth:`Progress.to_dict`, and the server's side merges it into
its own :class:`Live` with :meth:`Live.merge`: only the fields the worker knows, so where the
job runs (set by the server's executor) is kept.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import Any

from lib.train.outcome import Outcome


@dataclass(frozen=True)
class Progress:
    """What a running job has told so far (None: not told yet).

    Attributes:
        where: ``local`` (this server's workers) or ``cluster`` (Ray).
        backend: the Keras backend it trains on.
        worker_pid: the worker process (0 while a warm worker is still starting).
        node, node_id: the Ray node it runs on.
        memory_mb: the worker's resident memory (Ray).
        initial_epoch: the epoch it started from (a continued run's parent's).
        epoch: the epoch under way (0-based), None before the first one begins.
        epochs: the epoch it ends at.
        batch: batches done in this epoch.
        steps: batches per epoch (None until the first epoch begins).
        batch_size: samples per batch.
        loss: the last batch's loss.
        sps: samples per second (None until the first execution after compiling is timed).
        nan: a batch's loss was not a number.
        diverged: the loss grew far past its first value (``lib.train.training.diverged``).
        previous_seconds: training time before this job (a continued run's).
        outcome: how it ended, once it has.
    """

    where: str | None = None
    backend: str | None = None
    worker_pid: int | None = None
    node: str | None = None
    node_id: str | None = None
    memory_mb: float | None = None
    initial_epoch: int = 0
    epoch: int | None = None
    epochs: int = 0
    batch: int = 0
    steps: int | None = None
    batch_size: int = 0
    loss: float | None = None
    sps: float | None = None
    nan: bool = False
    diverged: bool = False
    previous_seconds: float = 0.0
    outcome: Outcome | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: every field that was told (None fields are left out)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = value.to_dict() if isinstance(value, Outcome) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Progress:
        """Read :meth:`to_dict`'s form (unknown keys ignored)."""
        return cls(**_fields(data))


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    """The known fields of a progress dict, the outcome read into its type."""
    names = {f.name for f in dataclasses.fields(Progress)}
    out = {k: v for k, v in data.items() if k in names}
    if "outcome" in out:
        out["outcome"] = Outcome.from_dict(out["outcome"])
    return out


class Live:
    """A job's progress as it changes: the trainer sets fields, readers take frozen snapshots.

    One lock guards the swap, so a reader never sees half of an update (the trainer's thread,
    a reporting thread and the job manager's read all touch it).
    """

    def __init__(self, progress: Progress | None = None) -> None:
        self._now = progress or Progress()
        self._lock = threading.Lock()

    @property
    def now(self) -> Progress:
        """The progress as it is now (frozen: later updates make a new one)."""
        return self._now

    def update(self, **changes: Any) -> None:
        """Set fields (``live.update(epoch=3, batch=0)``); an unknown field is an error."""
        with self._lock:
            self._now = dataclasses.replace(self._now, **changes)

    def merge(self, data: dict[str, Any]) -> None:
        """Set the fields a snapshot from elsewhere told (:meth:`Progress.to_dict`'s form)."""
        self.update(**_fields(data))
