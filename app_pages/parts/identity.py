"""Who is using this browser: a login or a nickname that holds, and teacher mode.

- **With a login configured** (an ``[auth]`` section in ``.streamlit/secrets.toml``; the
  README says how), a person signs in with ``st.login`` and is their account: nothing else
  is asked, and nobody can claim to be them.
- **Without one**, a nickname belongs to the browser that took it first. Each browser keeps a
  random secret (``localStorage`` and a cookie, set by the small script below); the server
  keeps its digest beside the nickname (``lib.classroom.Identities``). The ``nick`` in the
  address is only a wish: another browser asking for a taken nickname is refused with a
  message and keeps its own. The secret never appears in the address, so neither share links
  nor the class link carry it.
- **Teacher mode**: the passphrase, with few tries per minute per browser and per server and
  a growing delay (``lib.classroom.PassphraseGuard``); the server then remembers this
  browser's secret as a teacher's for some hours, so a reload (F5) keeps teacher mode
  without the passphrase ever being in the address.

Until the browser's secret reaches the server (a fraction of a second on a first visit; at
once on a reload, through the cookie) the session holds a stand-in secret of its own; what it
claimed with it passes to the browser's secret when that arrives.
"""

from __future__ import annotations

import secrets as random_secrets
import uuid

import streamlit as st

from app_pages.parts.shared import tr
from lib.classroom import (
    Identities,
    PassphraseGuard,
    clean_nickname,
    configured_passphrase,
    key_digest,
    passphrase_matches,
    suggested_nickname,
    valid_browser_key,
)
from lib.train.runstore import runs_dir

NICK_KEY = "app.nickname"
TEACHER_KEY = "app.teacher"
BROWSER_KEY = "app.browser_key"  # the secret in use for this session (tests may set one)
COOKIE = "kp_browser_key"
_SOURCE = "app.browser_key_source"  # "browser" (it keeps the secret), "offered" or "session" (a stand-in)
_OFFER = "app.browser_key_offer"  # the secret a first visit is given to keep
_CLAIMED = "app.nicks_claimed"
_WANTED = "app.nick_wanted"
_VERIFIED = "app.nick_verified"  # the nickname this run has checked against the registry

# The browser's secret: kept in localStorage (and mirrored in a cookie, so the server has it
# from the first request of a reload). A first visit (no cookie) is offered one the server
# made, so the page shows at once; the browser sends a secret back (one rerun) only when it
# already keeps another. That rerun is avoided on purpose: it carries the page the browser
# showed when it was sent, and Streamlit lets it replace a page link clicked just before, so
# a student who clicked "Training" as the app opened stayed on the start page (4 clicks of 8
# in Chromium). Inline and fixed: no user text ever reaches it.
_KEY_JS = """
export default function (component) {
  const { data, setStateValue } = component;
  const name = "kp_browser_key";
  const ok = (value) => typeof value === "string" && /^[0-9a-f]{32}$/.test(value);
  const match = document.cookie.match(/(?:^|; )kp_browser_key=([0-9a-f]{32})/);
  const inCookie = match ? match[1] : null;
  const offer = data && ok(data.offer) ? data.offer : null;
  let key = null;
  try { key = window.localStorage.getItem(name); } catch (e) { key = null; }
  if (!ok(key)) key = inCookie;
  if (!ok(key)) key = offer;
  if (!ok(key)) {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    key = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  try { window.localStorage.setItem(name, key); } catch (e) { /* private mode: the cookie still holds it */ }
  document.cookie = `${name}=${key}; path=/; max-age=31536000; SameSite=Strict`;
  // The server already has it (opened with this cookie, or the secret it offered): no rerun.
  if (!((data && data.fromCookie && inCookie === key) || key === offer)) setStateValue("secret", key);
}
"""


@st.cache_resource(show_spinner=False)
def _key_component():
    return st.components.v2.component("kp_browser_key", js=_KEY_JS)


@st.cache_resource(show_spinner=False)
def passphrase_guard() -> PassphraseGuard:
    """The server's one count of passphrase tries (shared by every session)."""
    return PassphraseGuard()


def identities() -> Identities:
    """Who holds which nickname, and which browsers are a teacher's (kept beside the runs)."""
    return Identities(runs_dir())


# --- a login (st.login), when the server is configured for one --------------------------------


def login_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section (OpenID Connect)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets.toml (or a broken one): no login
        return False


def login_name() -> str | None:
    """The signed-in account (its e-mail, else its subject id), or None."""
    if not login_configured():
        return None
    try:
        user = st.user
        if not user.is_logged_in:
            return None
        return str(user.get("email") or user.get("sub") or "") or None
    except Exception:  # noqa: BLE001 - a half-configured [auth]: treated as signed out
        return None


# --- the browser's secret -------------------------------------------------------------------


def _secret_from_browser() -> str | None:
    cookie = (st.context.cookies or {}).get(COOKIE)
    cookie = cookie if valid_browser_key(cookie) else None
    if cookie is None and not valid_browser_key(st.session_state.get(BROWSER_KEY)):
        st.session_state.setdefault(_OFFER, random_secrets.token_hex(16))
    data = {"fromCookie": cookie is not None, "offer": st.session_state.get(_OFFER)}
    try:
        result = _key_component()(key="app.browser_key_widget", data=data, on_secret_change=lambda: None)
        from_script = result.get("secret") if result is not None else None
    except Exception:  # noqa: BLE001 - no component runtime (a bare script run): the cookie, or a stand-in
        from_script = None
    return from_script if valid_browser_key(from_script) else cookie


def browser_key() -> str:
    """The secret of this browser: its cookie's, the one it sent, or the one this visit offered it.

    A first visit (no cookie) uses the secret offered to the browser at once (see ``_KEY_JS``);
    when the browser turns out to keep another one, what the offered secret claimed passes to it.
    """
    state = st.session_state
    from_browser = _secret_from_browser()
    current = state.get(BROWSER_KEY)
    if from_browser and from_browser != current:
        if current and state.get(_SOURCE) in ("offered", "session"):
            # The same person: what the stand-in claimed passes to the browser's secret.
            identities().hand_over(list(state.get(_CLAIMED, [])), current, from_browser)
        state[BROWSER_KEY], state[_SOURCE] = from_browser, "browser"
        _retry_wanted(from_browser)
        if state.get(NICK_KEY) and identities().holder(state[NICK_KEY]) == key_digest(from_browser):
            identities().remember_nickname(from_browser, state[NICK_KEY])
    elif not valid_browser_key(current):
        state[BROWSER_KEY], state[_SOURCE] = state[_OFFER], "offered"  # the browser keeps it (see _KEY_JS)
    elif _SOURCE not in state:
        state[_SOURCE] = "given"  # set before the first run (tests)
    return state[BROWSER_KEY]


def _stand_in() -> None:
    """A secret of this session only (a run with no secret found, e.g. a test's bare run)."""
    st.session_state[BROWSER_KEY], st.session_state[_SOURCE] = random_secrets.token_hex(16), "session"


def _key() -> str:
    """The secret in use this session (found by :func:`identity_sidebar` at the top of each run)."""
    if not valid_browser_key(st.session_state.get(BROWSER_KEY)):
        _stand_in()
    return st.session_state[BROWSER_KEY]


def _retry_wanted(key: str) -> None:
    """A nickname refused to the stand-in secret may be this browser's own: take it now."""
    wanted = st.session_state.get(_WANTED)
    if wanted and st.session_state.get(NICK_KEY) != wanted and identities().claim(wanted, key):
        _use(wanted)
        st.session_state.pop("app.nick_taken", None)


# --- the nickname -----------------------------------------------------------------------------


def _use(name: str) -> None:
    st.session_state[NICK_KEY] = name
    st.session_state[_VERIFIED] = name
    claimed = st.session_state.setdefault(_CLAIMED, [])
    if name not in claimed:
        claimed.append(name)
    if st.session_state.get(_SOURCE) != "session":  # a stand-in secret has no browser to remember
        identities().remember_nickname(st.session_state[BROWSER_KEY], name)


def _suggest(key: str) -> str:
    for _ in range(20):
        name = suggested_nickname(tr("class.nick_word"), uuid.uuid4().hex)
        if identities().claim(name, key):
            return name
    return suggested_nickname(tr("class.nick_word"), uuid.uuid4().hex)  # (20 collisions: never seen)


def nickname() -> str:
    """Who this browser is: the signed-in account, else the nickname this browser holds.

    The ``nick`` query parameter is taken when it is free or already this browser's; a
    nickname another browser holds is refused (``app.nick_taken`` says which), and a suggested
    one, held from then on by this browser, is used instead.
    """
    if (account := login_name()) is not None:
        return account
    key = _key()
    state = st.session_state
    current = state.get(NICK_KEY)
    if current and state.get(_VERIFIED) == current:  # checked once per run, by the sidebar
        return current
    state[_VERIFIED] = None
    if current and identities().holder(current) not in (None, key_digest(key)):
        state["app.nick_taken"] = current  # held by another browser since (never expected)
        current = None
    if current and identities().claim(current, key):
        state[_VERIFIED] = current
        return current
    wanted = clean_nickname(st.query_params.get("nick"))
    if wanted is None and (last := identities().last_nickname(key)) and identities().claim(last, key):
        _use(last)  # a visit without a nickname in the address (a bookmark): this browser's own
        return last
    state["app.nick_suggested"] = wanted is None
    if wanted is not None:
        state.setdefault(_WANTED, wanted)
        if identities().claim(wanted, key):
            _use(wanted)
            return wanted
        state["app.nick_taken"] = wanted
    _use(_suggest(key))
    return state[NICK_KEY]


def _rename() -> None:
    name = clean_nickname(st.session_state.get("widget.nickname"))
    if name is None:
        st.session_state["app.nick_error"] = True
        st.session_state["widget.nickname"] = st.session_state.get(NICK_KEY, "")  # the field shows the kept name
        return
    if name == st.session_state.get(NICK_KEY):
        return
    if not identities().claim(name, _key()):
        st.session_state["app.nick_taken"] = name
        st.session_state["widget.nickname"] = st.session_state.get(NICK_KEY, "")
        return
    _use(name)
    st.session_state[_WANTED] = name
    st.session_state["app.nick_suggested"] = False
    st.session_state.pop("app.nick_taken", None)


# --- teacher mode ------------------------------------------------------------------------------


def is_teacher() -> bool:
    """True once this browser gave the teacher passphrase (remembered for some hours, reloads included).

    The server's memory of teacher browsers is read once per run (by the sidebar), not per call.
    """
    state = st.session_state
    if TEACHER_KEY not in state:
        key = state.get(BROWSER_KEY)
        state[TEACHER_KEY] = bool(valid_browser_key(key) and _passphrase() and identities().is_teacher(key))
    return bool(state[TEACHER_KEY])


def _passphrase() -> str:
    try:
        secrets = dict(st.secrets)
    except Exception:  # noqa: BLE001 - no secrets.toml (or a broken one): teacher mode is off
        secrets = {}
    return configured_passphrase(secrets=secrets)


def _teacher_login() -> None:
    given = st.session_state.pop("widget.passphrase", "") or ""
    if not given and is_teacher():
        # A stale, emptied passphrase field the browser still reports (seen after a fragment
        # rerun on the Lessons page) must not end teacher mode: leaving is its own button.
        return
    key = _key()
    guard = passphrase_guard()
    if (wait := guard.wait_s(key)) > 0:
        st.session_state["app.teacher_wait"] = wait
        return
    right = passphrase_matches(given, _passphrase())
    guard.record(key, right)
    st.session_state[TEACHER_KEY] = right
    st.session_state["app.teacher_failed"] = not right
    if right:
        identities().remember_teacher(key)
        st.session_state["runs.whole_class"] = True  # a teacher starts on everyone's runs


def _teacher_leave() -> None:
    st.session_state.pop(TEACHER_KEY, None)
    if valid_browser_key(key := st.session_state.get(BROWSER_KEY)):
        identities().forget_teacher(key)


def _sign_in_panel(bar) -> bool:
    if login_name() is not None:
        bar.success(tr("class.signed_in", name=login_name()))
        bar.button(tr("class.sign_out"), key="app.sign_out", on_click=st.logout)
        return True
    bar.button(tr("class.sign_in"), key="app.sign_in", type="primary", on_click=st.login)
    st.info(tr("class.sign_in_needed"))
    return False


def identity_sidebar() -> bool:
    """Sign-in or nickname, and teacher mode, in the sidebar (before any page runs).

    False while a sign-in is awaited: the page is not shown yet (``app.py`` stops after the
    navigation).
    """
    bar = st.sidebar
    with bar:
        browser_key()  # mounts the script that keeps the browser's secret
    if login_configured():
        if not _sign_in_panel(bar):
            return False
    else:
        st.session_state.pop(_VERIFIED, None)  # checked again once in each run
        current = nickname()
        if st.session_state.get("app.nick_suggested") and not st.session_state.get("app.nick_taken"):
            bar.info(tr("class.nick_ask"))
        if taken := st.session_state.get("app.nick_taken"):  # shown until another nickname is chosen
            bar.error(tr("class.nick_taken", name=taken, current=current))
        bar.text_input(tr("class.nickname"), current, max_chars=24, key="widget.nickname", on_change=_rename,
                       help=tr("class.nickname_help"))  # fmt: skip
        if st.session_state.pop("app.nick_error", False):
            bar.error(tr("class.nick_invalid"))
        st.query_params["nick"] = st.session_state[NICK_KEY]
    if not st.session_state.get(TEACHER_KEY):
        st.session_state.pop(TEACHER_KEY, None)  # read the server's memory again: another tab may have logged in
    if is_teacher():
        bar.success(tr("class.teacher_on"))
        bar.button(tr("class.teacher_leave"), key="app.teacher_leave", on_click=_teacher_leave)
        return True
    _teacher_panel(bar)
    return True


def _teacher_panel(bar) -> None:
    with bar.expander(tr("class.teacher"), expanded=bool(st.session_state.get("app.teacher_wait"))):
        if not _passphrase():
            st.caption(tr("class.teacher_off"))
            return
        st.text_input(tr("class.passphrase"), type="password", key="widget.passphrase", on_change=_teacher_login)
        if wait := st.session_state.pop("app.teacher_wait", 0):
            st.error(tr("class.teacher_wait", s=wait))
        elif st.session_state.pop("app.teacher_failed", False):
            st.error(tr("class.teacher_wrong"))
