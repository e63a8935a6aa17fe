"""Uploads become datasets in the background: the page shows progress and a rerun loses nothing.

One ingest per session at a time, in a thread owned by a cached :class:`Ingests` (outside
any script run); the page polls :meth:`Ingests.current`. An ingest ends with a report or a
translated error, never an exception.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from lib.own.upload_checks import Progress, Report, UploadError

KEEP_FINISHED_S = 3600.0


@dataclass
class Ingest:
    """One upload being made into a dataset."""

    file: str
    started: float
    progress: float = 0.0
    report: Report | None = None
    error: UploadError | None = None
    finished: float | None = None

    @property
    def done(self) -> bool:
        """True once it ended, well or not."""
        return self.finished is not None

    @property
    def seconds(self) -> float:
        """How long it took (so far)."""
        return (self.finished or time.time()) - self.started


class Ingests:
    """The ingests of every session, keyed by session."""

    def __init__(self) -> None:
        self._jobs: dict[str, Ingest] = {}
        self._lock = threading.Lock()

    def start(self, session: str, file: str, work: Callable[[Progress], Report]) -> Ingest | None:
        """Run ``work(progress)`` in a thread for ``session``; None while its previous one still runs."""
        with self._lock:
            running = self._jobs.get(session)
            if running is not None and not running.done:
                return None
            job = self._jobs[session] = Ingest(file, time.time())
            self._forget_old()
        threading.Thread(target=self._run, args=(job, work), name="kp-ingest", daemon=True).start()
        return job

    def _run(self, job: Ingest, work: Callable[[Progress], Report]) -> None:
        def progress(fraction: float) -> None:
            job.progress = max(job.progress, min(1.0, fraction))

        try:
            job.report = work(progress)
        except UploadError as err:
            job.error = err
        except MemoryError:
            job.error = UploadError("out_of_memory")
        except OSError as exc:  # the data folder is unwritable or the disk is full
            job.error = UploadError("save_failed", detail=str(exc)[:200])
        except Exception as exc:  # noqa: BLE001 - whatever else: a message, never a dead thread
            job.error = UploadError("ingest_failed", detail=f"{type(exc).__name__}: {exc}"[:200])
        job.progress, job.finished = 1.0, time.time()

    def current(self, session: str) -> Ingest | None:
        """The session's latest ingest (running or finished), if any."""
        return self._jobs.get(session)

    def clear(self, session: str) -> None:
        """Forget the session's finished ingest (its report was shown)."""
        with self._lock:
            job = self._jobs.get(session)
            if job is not None and job.done:
                del self._jobs[session]

    def _forget_old(self) -> None:
        now = time.time()
        for key in [k for k, j in self._jobs.items() if j.done and now - (j.finished or now) > KEEP_FINISHED_S]:
            del self._jobs[key]
