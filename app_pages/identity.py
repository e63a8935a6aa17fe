"""Who is using this browser: a nickname (kept in the URL like the language) and teacher mode.

The rules (what a nickname may be, where the passphrase comes from, who may manage a run)
are in ``lib/classroom.py``; this is their sidebar.
"""

from __future__ import annotations

import uuid

import streamlit as st

from app_pages.shared import tr
from lib.classroom import clean_nickname, configured_passphrase, passphrase_matches, suggested_nickname

NICK_KEY = "app.nickname"
TEACHER_KEY = "app.teacher"


def nickname() -> str:
    """The nickname of this browser: from the ``nick`` query parameter, else a suggested one."""
    if NICK_KEY not in st.session_state:
        given = clean_nickname(st.query_params.get("nick"))
        st.session_state["app.nick_suggested"] = given is None
        st.session_state[NICK_KEY] = given or suggested_nickname(tr("class.nick_word"), uuid.uuid4().hex)
    return st.session_state[NICK_KEY]


def is_teacher() -> bool:
    """True once this session gave the teacher passphrase configured on the server."""
    return bool(st.session_state.get(TEACHER_KEY))


def _passphrase() -> str:
    try:
        secrets = dict(st.secrets)
    except Exception:  # noqa: BLE001 - no secrets.toml (or a broken one): teacher mode is off
        secrets = {}
    return configured_passphrase(secrets=secrets)


def _rename() -> None:
    name = clean_nickname(st.session_state.get("widget.nickname"))
    if name is None:
        st.session_state["app.nick_error"] = True
        st.session_state.pop("widget.nickname", None)
        return
    st.session_state[NICK_KEY] = name
    st.session_state["app.nick_suggested"] = False


def _teacher_login() -> None:
    given = st.session_state.pop("widget.passphrase", "") or ""
    if not given and is_teacher():
        # A stale, emptied passphrase field the browser still reports (seen after a fragment
        # rerun on the Lessons page) must not end teacher mode: leaving is its own button.
        return
    st.session_state[TEACHER_KEY] = passphrase_matches(given, _passphrase())
    st.session_state["app.teacher_failed"] = not st.session_state[TEACHER_KEY]
    if st.session_state[TEACHER_KEY]:
        st.session_state["runs.whole_class"] = True  # a teacher starts on everyone's runs


def identity_sidebar() -> None:
    """Nickname (asked once, kept in the ``nick`` query parameter) and teacher mode, in the sidebar."""
    bar = st.sidebar
    current = nickname()
    if st.session_state.get("app.nick_suggested"):
        bar.info(tr("class.nick_ask"))
    bar.text_input(tr("class.nickname"), current, max_chars=24, key="widget.nickname", on_change=_rename,
                   help=tr("class.nickname_help"))  # fmt: skip
    if st.session_state.pop("app.nick_error", False):
        bar.error(tr("class.nick_invalid"))
    st.query_params["nick"] = st.session_state[NICK_KEY]
    if is_teacher():
        bar.success(tr("class.teacher_on"))
        bar.button(tr("class.teacher_leave"), key="app.teacher_leave", on_click=st.session_state.pop,
                   args=(TEACHER_KEY,))  # fmt: skip
        return
    with bar.expander(tr("class.teacher")):
        if not _passphrase():
            st.caption(tr("class.teacher_off"))
            return
        st.text_input(tr("class.passphrase"), type="password", key="widget.passphrase", on_change=_teacher_login)
        if st.session_state.pop("app.teacher_failed", False):
            st.error(tr("class.teacher_wrong"))
