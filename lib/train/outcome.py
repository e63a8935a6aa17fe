"""How a job ended, in one shape: :class:`Outcome` (state, message code, detail).

A trainer returns one, ``run_training`` puts it in the job's progress, an executor that had
to end a job itself (a crashed worker, a hard Stop, a lost Ray task) makes one, and the job
manager writes it into the run's status. It crosses a process boundary (the worker pipe, a
Ray result) as :meth:`Outcome.to_dict`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Outcome:
    """A job's end: ``state`` (``done``, ``stopped``, ``failed``), a ``train.msg.<message>`` code, a detail."""

    state: str
    message: str = ""
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        """JSON form (also the run status's fields of the same names)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Outcome | None:
        """Read :meth:`to_dict`'s form (None when it is not one)."""
        if not isinstance(data, dict) or not isinstance(data.get("state"), str):
            return None
        return cls(data["state"], str(data.get("message", "")), str(data.get("detail", "")))


STOPPED = Outcome("stopped", "stopped_by_user")
WORKER_LOST = Outcome("failed", "worker_lost")
