"""Getting a class onto the teacher's setup: the teacher's class code and QR code, a student's code box.

The rules (codes, the public address, QR codes) are in ``lib/classcode.py``; this is the
sidebar. A teacher's code follows their setup while "the class follows me" is on: each
edit republishes it, so a student who joins (or joins again) lands on the teacher's page
with the teacher's current setup. Joining gives the student the setup, never the
teacher's runs: their Train makes their own run (``JobManager.submit(personal=True)``).
"""

from __future__ import annotations

import streamlit as st

from app_pages.parts import address, keys
from app_pages.parts.arch_tools import use_parts
from app_pages.parts.identity import is_teacher, nickname
from app_pages.parts.presses import press
from app_pages.parts.shared import configured_address, lang, public_address, tr
from lib.classcode import PARAM, ClassBoard, clean_base, clean_code, is_local, join_url, qr_png, spaced
from lib.train.setup_link import restore_parts

CODE_KEY = "class.code"  # the code this teacher published
FOLLOW_KEY = "class.follow"


def board() -> ClassBoard:
    """The server's class codes (beside its runs)."""
    return ClassBoard()


def _join(text: str) -> bool:
    """Put the setup behind a class code into this session; False when no class has that code."""
    code = clean_code(text)
    entry = board().lookup(code) if code else None
    if entry is None:
        return False
    parts, dropped = restore_parts(entry["setup"])
    use_parts(parts)
    st.session_state[address.SEEN] = entry["setup"]
    st.query_params[address.PARAM] = entry["setup"]  # this session's address is the teacher's setup now
    if dropped:
        st.session_state.setdefault(address.DROPPED, []).extend(dropped)
    st.session_state["class.goto"] = entry["page"]
    model = parts["model"][0].name if "model" in parts else "—"
    st.session_state[keys.ARCH_NOTE] = tr("class.joined", code=spaced(code), by=entry.get("by") or "—", model=model)
    return True


def _typed() -> None:
    text = st.session_state.get("widget.class_code", "")
    if text and not _join(text):
        st.session_state["class.join_error"] = True


def join_from_address() -> None:
    """A QR code's address (``?class=CODE``): join once, then drop the code (the setup stays in the address)."""
    if code := st.query_params.get(PARAM):
        del st.query_params[PARAM]
        if not _join(code):
            st.session_state.setdefault(address.DROPPED, []).append("class")


def go_to_the_teachers_page(pages: dict) -> None:
    """After joining: open the page the teacher is on (``pages``: URL path → ``st.Page``)."""
    page = st.session_state.pop("class.goto", None)
    if page in pages and page != st.session_state.get(keys.APP_PAGE):
        st.switch_page(pages[page])


def class_sidebar() -> None:
    """The teacher's class panel, or a student's box to type a class code."""
    if is_teacher():
        _teacher_panel()
        return
    st.sidebar.text_input(tr("class.code_box"), key="widget.class_code", on_change=_typed, max_chars=9,
                          placeholder="K7M X3P", help=tr("class.code_help"))  # fmt: skip
    if st.session_state.pop("class.join_error", False):
        st.sidebar.error(tr("class.code_unknown"))


def _set_base() -> None:
    text = st.session_state.get("widget.class_base", "")
    base = clean_base(text)
    if text and base is None:
        st.session_state["class.base_error"] = True
        return
    board().set_public_address(base or "")


def publish() -> None:
    """After every run of a teacher's page: republish their setup while the class follows them."""
    if not (is_teacher() and st.session_state.get(FOLLOW_KEY, True) and CODE_KEY in st.session_state):
        return
    token, page = st.session_state.get(address.SEEN), st.session_state.get(keys.APP_PAGE, "home")
    if token and st.session_state.get("class.published") != (token, page):
        st.session_state[CODE_KEY] = board().publish(nickname(), token, page, lang())
        st.session_state["class.published"] = (token, page)


def _teacher_panel() -> None:
    with st.sidebar.expander(tr("class.panel"), expanded=CODE_KEY in st.session_state):
        if CODE_KEY not in st.session_state and (code := board().code_of(nickname())):
            st.session_state[CODE_KEY] = code  # a teacher who reloaded keeps their code
        if CODE_KEY not in st.session_state:
            # A callback could be stopped at its first session-state access by a newer request,
            # before it published anything (a full test run saw the code never appear): the
            # press is kept (press()), and between taking it and publishing nothing touches the
            # session. A code published and then cut short is found again above, on the next run.
            token, page = st.session_state.get(address.SEEN) or "", st.session_state.get(keys.APP_PAGE, "home")
            name, language, classes = nickname(), lang(), board()
            offer = st.empty()  # the help and the button, gone in the run that takes the press
            with offer.container():
                st.caption(tr("class.panel_help"))
                pressed = press(st, tr("class.start"), "class.start", type="primary")
            if not pressed:
                return
            offer.empty()
            st.session_state[CODE_KEY] = classes.publish(name, token, page, language)
            st.session_state["class.published"] = (token, page)
        code = st.session_state[CODE_KEY]
        base = public_address()
        link = join_url(base, code, lang())
        st.markdown(f"<div class='kp-class-code'>{spaced(code)}</div>", unsafe_allow_html=True)
        st.image(qr_png(link), width="stretch", caption=tr("class.scan"))  # never wider than the sidebar
        st.code(link, language=None, wrap_lines=True)
        st.toggle(tr("class.follow"), key=FOLLOW_KEY, value=st.session_state.get(FOLLOW_KEY, True),
                  help=tr("class.follow_help"))  # fmt: skip
        if is_local(base):
            st.warning(tr("class.local_address"))
        st.text_input(tr("class.public_address"), configured_address(), key="widget.class_base", on_change=_set_base,
                      placeholder="http://192.168.0.12:8501", help=tr("class.public_address_help"))  # fmt: skip
        if st.session_state.pop("class.base_error", False):
            st.error(tr("class.base_invalid"))
