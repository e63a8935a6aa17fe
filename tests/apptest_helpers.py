"""Helpers for AppTest: open the real app on a page, in a language."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")

TIMEOUT = 60  # pages that import TensorFlow need far more than AppTest's default 3 s


def browser_key(nick: str) -> str:
    """The secret a test's browser keeps for ``nick`` (the same nickname: the same browser)."""
    return hashlib.sha256(f"test-browser-{nick}".encode()).hexdigest()[:32]


def as_browser(at: AppTest, nick: str | None) -> AppTest:
    """Make ``at`` a browser: the one that holds ``nick``, else a new one (AppTest has no browser to keep a secret)."""
    at.session_state["app.browser_key"] = browser_key(nick) if nick else secrets.token_hex(16)
    return at


def open_page(page: str | None = None, lang: str = "en", **params: str) -> AppTest:
    """Run ``app.py`` (navigation, language, other query ``params``) and switch to ``app_pages/<page>.py``.

    With a ``nick`` parameter, the session is the browser that holds that nickname.
    """
    at = as_browser(AppTest.from_file(APP, default_timeout=TIMEOUT), params.get("nick"))
    at.query_params.update({"lang": lang, **params})
    at.run()
    if page:
        at.switch_page(page_path(page)).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    """All markdown, titles, captions, alerts and headers of the page, joined."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "error"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def plotly_specs(at: AppTest) -> list[str]:
    """The figure JSON of every Plotly chart on the page."""
    return [e.proto.spec for e in at.get("plotly_chart")]


def page_path(page: str) -> str:
    """Absolute path of ``app_pages/<page>.py`` (AppTest resolves relative paths oddly)."""
    return str(Path(APP).parent / "app_pages" / f"{page}.py")


def chart_titles(at: AppTest) -> list[str]:
    """The decoded title of every Plotly chart on the page."""
    import json

    return [json.loads(spec)["layout"].get("title", {}).get("text", "") for spec in plotly_specs(at)]


def rerun_until(at: AppTest, done, timeout: float = 180) -> None:
    """Rerun the page until ``done(at)`` holds (background jobs finish between reruns)."""
    import time

    deadline = time.monotonic() + timeout
    while not done(at):
        assert time.monotonic() < deadline, texts(at)
        time.sleep(0.5)
        at.run()
