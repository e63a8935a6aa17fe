"""Helpers for AppTest: open the real app on a page, in a language."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.waiting import DEADLINE, wait_until

APP = str(Path(__file__).resolve().parents[1] / "app.py")

RECHECK_S = 30.0  # the longest a page waits for the jobs to end before it looks again (rerun_until)
TIMEOUT = DEADLINE  # a hang guard: pages that import TensorFlow need far more than AppTest's default 3 s


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


def rerun_until(at: AppTest, done, timeout: float = DEADLINE) -> None:
    """Rerun the page until ``done(at)`` holds (background jobs finish between reruns).

    Every wait here is for a job's end (done, stopped, results shown), so while the server's
    jobs train the page is not rerun at all (a rerun of a page costs CPU that the training
    needs: rerun twice a second, the GAN page's reruns cost more than its training); it is
    rerun when no job is left, or every ``RECHECK_S`` when one outlives that.
    """
    from app_pages.parts.shared import manager

    def between() -> None:
        time.sleep(0.5)  # work outside the job manager (an upload's ingest): look twice a second
        with contextlib.suppress(AssertionError):
            wait_until(manager().idle, "the jobs to end", RECHECK_S, poll=0.1)
        at.run()

    wait_until(lambda: done(at), "the page to show the awaited state", timeout,
               seen=lambda: texts(at)[-2000:], poll=0, between=between)  # fmt: skip


def use_manager(monkeypatch, replacement) -> None:
    """Every page part calls ``replacement`` for the job manager until the test ends.

    A part holds ``manager`` from ``from app_pages.parts.shared import manager``; one imported for
    the first time while only some are patched would keep the test's manager (and its
    cluster, shut down after the test) for the rest of the session, and every later run in
    that process would fail. So every part is imported first, then each one is patched.
    (Page scripts, beside ``parts/``, are run afresh by Streamlit on each rerun: importing one
    would run it, so only ``app_pages/parts/`` is imported here.)
    """
    import importlib
    import pkgutil
    import sys

    from app_pages import parts
    from app_pages.parts import shared

    for info in pkgutil.iter_modules(parts.__path__):
        importlib.import_module(f"app_pages.parts.{info.name}")
    original = shared.manager
    for name, module in list(sys.modules.items()):
        if name.startswith("app_pages.") and getattr(module, "manager", None) is original:
            monkeypatch.setattr(module, "manager", lambda: replacement)
