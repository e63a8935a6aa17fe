"""Buttons whose press is never lost: a press is remembered until the page acts on it.

Streamlit delivers a button press as a trigger that lasts one script run. When another
request reaches the server while that run is still going (the student edits a field right
after clicking, a second click, a page that takes seconds on a busy class server), the run
is interrupted before it reaches the button, the trigger is reset, and the next run sees
no press: the click is lost with no job and no message (issue #26, reproduced in
Chromium: 3 clicks of 3 lost when a field changed 0.15 s after Train on a slow page).

A callback, by contrast, runs at the very start of the run that carries the trigger. So each
button here has a callback that only writes down the press; the page body, when it reaches
the button in a run that is not interrupted, takes the press (with the widget values of that
same run) and acts on it.

The press is written into a plain dict, not ``st.session_state``: every access to
``st.session_state`` is a point where Streamlit stops the run for a newer request, and that
includes a write made inside a callback. The callback then ends with the write undone, as if
it had asked for a rerun, and the press was lost all the same (seen in Chromium with three
students: 2-4 presses of 12 lost, each with its callback started and no flag left behind).
"""

from __future__ import annotations

import threading
import time

from streamlit.runtime.scriptrunner import get_script_run_ctx

from app_pages.parts import timings

PRESS_TTL_S = 120.0  # a press the page never reached (the student left the page) expires

# (session id, button key) -> when it was pressed. Shared by every session of this server,
# guarded by a lock; entries older than PRESS_TTL_S are dropped on the next press.
_PRESSES: dict[tuple[str, str], float] = {}
_LOCK = threading.Lock()


def _session() -> str:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def _remember(key: str) -> None:
    now = time.monotonic()
    with _LOCK:
        for stale in [k for k, at in _PRESSES.items() if now - at >= PRESS_TTL_S]:
            del _PRESSES[stale]
        _PRESSES[(_session(), key)] = now
    timings.note("press", _session(), key=key)  # (KP_TIMINGS only: the server-side start of a press)


def press(where, label: str, key: str, **kwargs) -> bool:
    """``where.button(label, key=key, ...)`` that returns True once per press, even an interrupted one.

    ``kwargs`` go to ``st.button`` (``type``, ``disabled``, ``help``...), never ``on_click``.
    A press on a button that is disabled in this run returns False: the page shows why.
    """
    where.button(label, key=key, on_click=_remember, args=(key,), **kwargs)
    with _LOCK:
        at = _PRESSES.pop((_session(), key), None)
    return at is not None and time.monotonic() - at < PRESS_TTL_S and not kwargs.get("disabled")
