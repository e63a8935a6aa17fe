"""Buttons whose press is never lost: a press is remembered until the page acts on it.

Streamlit delivers a button press as a trigger that lasts one script run. When another
request reaches the server while that run is still going (the student edits a field right
after clicking, a second click, a page that takes seconds on a busy class server), the run
is interrupted before it reaches the button, the trigger is reset, and the next run sees
no press: the click is lost with no job and no message (issue #26, reproduced in
Chromium: 3 clicks of 3 lost when a field changed 0.15 s after Train on a slow page).

A callback, by contrast, runs at the very start of the run that carries the trigger, before
anything can interrupt it. So each button here has a callback that only writes down the
press in the session's state; the page body, when it reaches the button in a run that is not
interrupted, takes the press (with the widget values of that same run) and acts on it.
"""

from __future__ import annotations

import time

import streamlit as st

PRESS_TTL_S = 120.0  # a press the page never reached (the student left the page) expires


def _flag(key: str) -> str:
    return f"press.{key}"


def _remember(key: str) -> None:
    st.session_state[_flag(key)] = time.monotonic()


def press(where, label: str, key: str, **kwargs) -> bool:
    """``where.button(label, key=key, ...)`` that returns True once per press, even an interrupted one.

    ``kwargs`` go to ``st.button`` (``type``, ``disabled``, ``help``...), never ``on_click``.
    A press on a button that is disabled in this run returns False: the page shows why.
    """
    where.button(label, key=key, on_click=_remember, args=(key,), **kwargs)
    at = st.session_state.pop(_flag(key), None)
    return at is not None and time.monotonic() - at < PRESS_TTL_S and not kwargs.get("disabled")
