"""An opt-in log of what each script run costs the server (``KP_TIMINGS=/path/to/log.jsonl``).

One JSON line per page run: the page, the session, wall seconds and the script thread's
CPU seconds, and how the run ended (``ok``, ``stop``, ``rerun`` when a newer request cut it
short, or the exception's name). ``./scripts/bench.sh class`` reads it for the server-side
figures; unset, nothing is measured or written.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable

_LOCK = threading.Lock()


def timed(run: Callable[[], None], page: str, session: Callable[[], str], kind: str = "page") -> None:
    """Call ``run()`` (a page's script run); with ``$KP_TIMINGS`` set, append its cost to that file."""
    path = os.environ.get("KP_TIMINGS")
    if not path:
        run()
        return
    wall, cpu, how = time.perf_counter(), time.thread_time(), "ok"
    try:
        run()
    except BaseException as exc:  # st.stop / st.rerun end a run by raising: name how it ended
        how = {"StopException": "stop", "RerunException": "rerun"}.get(type(exc).__name__, type(exc).__name__)
        raise
    finally:
        line = {"t": time.time(), "page": page, "session": session(), "wall": time.perf_counter() - wall,
                "cpu": time.thread_time() - cpu, "how": how, "kind": kind}  # fmt: skip
        _append(path, line)


def timed_part(run: Callable[[], None], page: str, session: Callable[[], str]) -> None:
    """Call ``run()``, a fragment's body; timed as a run of its own only in a fragment-only rerun.

    A full run that draws the fragment is timed whole by :func:`timed`; a rerun of the fragment
    alone (a widget in it changed, e.g. a stroke on the Draw page) is logged with ``kind="fragment"``.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not ctx.fragment_ids_this_run:
        run()
        return
    timed(run, page, session, kind="fragment")


def note(event: str, session: str, **fields: object) -> None:
    """With ``$KP_TIMINGS`` set, append one event (e.g. a live view's poll) to the same log."""
    if path := os.environ.get("KP_TIMINGS"):
        _append(path, {"t": time.time(), "event": event, "session": session, **fields})


def _append(path: str, line: dict) -> None:
    with _LOCK, open(path, "a", encoding="utf-8") as log:
        log.write(json.dumps(line) + "\n")
