"""Training workers never outlive their server, and a new server stops the ones an old one left.

Two guards, because a server can die in ways that run no clean-up code (``kill -9``, the
kernel's OOM killer, a lost container):

- **In the worker** (:func:`die_with_parent`): on Linux the kernel sends it ``SIGKILL`` the
  moment its parent dies (``PR_SET_PDEATHSIG``), and a watchdog thread checks the parent's pid
  twice a second as well (other systems, and a parent that died before the worker got going).
- **In the run folder** (:func:`write_pid_file`, :func:`stop_orphans`): a worker that trains
  a run keeps a small file ``.workers/<pid>.json`` in the runs folder naming itself and its
  server (pid and start time, so a reused pid is never mistaken for it). A server that starts
  reads them before it marks runs interrupted: a worker whose server is gone is killed and
  waited for; one whose server still lives (a second server on the same folder) is left
  alone, and so is its run.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

FOLDER = ".workers"
WATCH_S = 0.5
PR_SET_PDEATHSIG = 1
STOP_WAIT_S = 15.0
# Tests switch the in-worker guards off to make an orphan on purpose (tests/test_orphans.py).
GUARD_ENV = "KP_WORKER_PARENT_GUARD"


def process_start(pid: int) -> int | None:
    """The start time of process ``pid`` in clock ticks since boot; None when it is gone or a zombie.

    Together with the pid it names one process for good (pids are reused; start times are not).
    """
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields[0] in ("Z", "X"):  # a zombie has finished: nothing left to stop
        return None
    return int(fields[19])


def alive(pid: int, start: int | None) -> bool:
    """True while the process ``pid`` that started at ``start`` still runs."""
    return bool(pid) and start is not None and process_start(pid) == start


def die_with_parent(parent_pid: int) -> None:
    """Make this process end as soon as ``parent_pid`` (its server) does. Call first thing in a worker."""
    if os.environ.get(GUARD_ENV) == "off":
        return
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # it died before the kernel could be told
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(WATCH_S)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def _folder(root: Path) -> Path:
    return Path(root) / FOLDER


def write_pid_file(root: Path, run_id: str) -> Path | None:
    """Record that this worker (and its server) trains ``run_id`` in ``root``; None when unwritable."""
    pid, parent = os.getpid(), os.getppid()
    record = {"pid": pid, "start": process_start(pid), "server": parent, "server_start": process_start(parent),
              "run": run_id}  # fmt: skip
    path = _folder(root) / f"{pid}.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_text(json.dumps(record))
        os.replace(tmp, path)
    except OSError:
        return None  # the run itself will fail on the same folder, with the reason
    return path


def remove_pid_file(root: Path, pid: int | None = None) -> None:
    """Forget the pid file of worker ``pid`` (this process by default)."""
    with contextlib.suppress(OSError):
        (_folder(root) / f"{pid or os.getpid()}.json").unlink()


def _records(root: Path) -> list[tuple[Path, dict]]:
    out = []
    try:
        files = sorted(_folder(root).glob("*.json"))
    except OSError:
        return []
    for path in files:
        try:
            record = json.loads(path.read_text())
            if isinstance(record, dict) and isinstance(record.get("pid"), int):
                out.append((path, record))
                continue
        except (OSError, ValueError):
            pass
        with contextlib.suppress(OSError):
            path.unlink()  # a damaged record names nothing
    return out


def stop_orphans(root: Path, timeout: float = STOP_WAIT_S) -> tuple[list[int], set[str]]:
    """Kill the workers in ``root`` whose server is gone; ``(pids stopped, runs of live servers)``.

    A worker whose server still runs (another server sharing the folder, or this very
    process) is not touched, and its run is returned so it is not marked interrupted.
    """
    stopped, kept = [], set()
    for path, record in _records(root):
        pid, start = record["pid"], record.get("start")
        if not alive(pid, start):
            with contextlib.suppress(OSError):
                path.unlink()
            continue
        server = record.get("server")
        if isinstance(server, int) and (server == os.getpid() or alive(server, record.get("server_start"))):
            kept.add(str(record.get("run", "")))
            continue
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while alive(pid, start) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not alive(pid, start):
            stopped.append(pid)
            with contextlib.suppress(OSError):
                path.unlink()
    return stopped, kept
