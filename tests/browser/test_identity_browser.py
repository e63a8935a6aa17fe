"""Issue 27 (finding 2) and issue 25 in real browsers: a nickname holds, teacher mode survives F5.

The attack from the report: a second browser opens ``?nick=<a classmate>`` to delete or train
again that classmate's run. Now the nickname belongs to the browser that took it first (a
secret in its localStorage and cookie, never in the address), so the second browser is
refused the name and cannot act as its holder. A teacher's browser keeps teacher mode after
``page.reload()`` without the passphrase ever being in the address.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DEADLINE_MS, TEACHER_PASSPHRASE, screenshot, settle, train_from_training_page
from tests.waiting import wait_until

pytestmark = pytest.mark.browser


def _context(browser, locale: str = "en-US"):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    tab = context.new_page()
    tab.set_default_timeout(DEADLINE_MS)  # the hang guard of every browser wait
    return context, tab


def _run_id(tab) -> str:
    """The run the Training page shows ("Run `<id>` · done · ...")."""
    line = tab.get_by_text(re.compile(r"^Run `?\w{16}")).first.inner_text()
    return re.search(r"Run `?(\w{16})", line)[1]


def _nickname(tab) -> str:
    return tab.get_by_role("textbox", name="Your nickname").input_value()


def test_a_second_browser_cannot_act_as_the_first_ones_nickname(browser, app_url):
    yara_context, yara = _context(browser)
    other_context, other = _context(browser)
    try:
        yara.goto(f"{app_url}/training?lang=en&nick=yara")
        train_from_training_page(yara, epochs=1, seed=77)
        assert _nickname(yara) == "yara"
        secret = yara.evaluate("() => window.localStorage.getItem('kp_browser_key')")
        assert re.fullmatch(r"[0-9a-f]{32}", secret or ""), secret
        assert secret not in yara.url  # the secret is never in the address

        other.goto(f"{app_url}/training?lang=en&nick=yara")
        other.get_by_text("belongs to another browser").first.wait_for()
        assert _nickname(other) != "yara"
        screenshot(other, "identity-refused-en")
        # The same settings do not hand out yara's run: this browser trains a run of its own.
        yaras = _run_id(yara)
        train_from_training_page(other, epochs=1, seed=77)
        assert _run_id(other) != yaras

        # A visit with no nickname in the address keeps this browser's own name, not yara's.
        fallback = _nickname(other)
        other.goto(f"{app_url}/runs?lang=en")
        other.get_by_role("textbox", name="Your nickname").wait_for()
        settle(other)
        assert _nickname(other) == fallback
        # (That a run of someone else's cannot be deleted is proven on the Runs page itself by
        # tests/test_class_pages.py::test_a_student_cannot_delete_another_students_run_and_the_owner_can_restore_it.)

        # Typing the name in the sidebar is refused too.
        field = other.get_by_role("textbox", name="Your nickname")
        field.fill("yara")
        field.press("Enter")
        other.get_by_text("belongs to another browser").first.wait_for()
        settle(other)
        assert _nickname(other) != "yara"

        # The holder, after a reload (and in a new tab of the same browser), is still yara.
        yara.reload()
        yara.get_by_role("textbox", name="Your nickname").wait_for()
        settle(yara)
        assert _nickname(yara) == "yara"
        assert yara.get_by_text("belongs to another browser").count() == 0
        second_tab = yara_context.new_page()
        second_tab.set_default_timeout(DEADLINE_MS)
        second_tab.goto(f"{app_url}/runs?lang=en&nick=yara")
        second_tab.get_by_role("textbox", name="Your nickname").wait_for()
        settle(second_tab)
        assert _nickname(second_tab) == "yara"
        assert second_tab.get_by_role("button", name=re.compile(r"^Delete the selected runs \(1\)")).count() == 1
    finally:
        yara_context.close()
        other_context.close()


def test_teacher_mode_is_kept_after_a_reload(browser, app_url):
    context, teacher = _context(browser, "pt-BR")
    stranger_context, stranger = _context(browser, "pt-BR")
    try:
        teacher.goto(f"{app_url}/runs?lang=pt&nick=prof-rita")
        settle(teacher)  # the first run drawn: a click on the sidebar's expander during it missed once
        teacher.get_by_text("Modo professor", exact=True).click()
        passphrase = teacher.get_by_label("Senha do professor")
        passphrase.fill(TEACHER_PASSPHRASE)
        passphrase.press("Enter")
        teacher.get_by_text("Modo professor: você vê e gerencia todas as execuções.").wait_for()
        teacher.reload()
        teacher.get_by_text("Modo professor: você vê e gerencia todas as execuções.").wait_for()
        assert TEACHER_PASSPHRASE not in teacher.url
        teacher.goto(f"{app_url}/runs?lang=pt")  # a new visit from the bookmark, no nickname in it
        teacher.get_by_text("Modo professor: você vê e gerencia todas as execuções.").wait_for()
        screenshot(teacher, "identity-teacher-after-reload-pt")
        # Another browser opening the very same address is not a teacher.
        stranger.goto(teacher.url)
        stranger.get_by_text("pertence a outro navegador").first.wait_for()  # (its nickname is the teacher's)
        settle(stranger)
        assert stranger.get_by_text("Teacher mode: you see and manage every run.").count() == 0
        assert stranger.get_by_text("Modo professor: você vê e gerencia todas as execuções.").count() == 0
        # Leaving teacher mode is remembered too.
        teacher.get_by_role("button", name="Sair do modo professor").click()
        teacher.get_by_text("Modo professor", exact=True).wait_for()
        teacher.reload()
        teacher.get_by_role("textbox", name="Seu apelido").wait_for()
        settle(teacher)
        assert teacher.get_by_text("Modo professor: você vê e gerencia todas as execuções.").count() == 0
    finally:
        context.close()
        stranger_context.close()


def test_a_page_link_clicked_as_the_app_opens_is_followed_and_the_secret_is_kept(browser, app_url):
    """A first visit clicks Training at once, five browsers in a row: each reaches the Training page.

    The browser's secret used to reach the server in a rerun of its own, which carried the
    start page and replaced the click (4 of 8 clicks lost). The browser now keeps the secret
    the server offered, so a reload is the same browser (its nickname stays).
    """
    for _ in range(5):
        context, tab = _context(browser)
        try:
            tab.goto(f"{app_url}/?lang=en")
            tab.get_by_role("link", name="Training").first.click()
            tab.get_by_role("button", name="Train", exact=True).wait_for()
            assert "/training" in tab.url
        finally:
            context.close()
    context, tab = _context(browser)
    try:
        tab.goto(f"{app_url}/training?lang=en")
        settle(tab)
        # The first visit's nickname is given by its first run: read it once it is there (read
        # at once on a loaded machine, it was still empty).
        nick = wait_until(lambda: _nickname(tab), "the nickname the first visit was given")
        tab.goto(f"{app_url}/training?lang=en")  # the address without the nickname: the browser's secret says who
        tab.get_by_role("button", name="Train", exact=True).wait_for()
        # (the field is empty until the run that gives it a value is drawn, as on the first visit)
        assert wait_until(lambda: _nickname(tab), "the nickname the reload was given") == nick
    finally:
        context.close()
