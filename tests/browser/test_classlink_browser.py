"""The class reaches the teacher's setup and keeps it, in real browsers.

Every page keeps its setup across a reload (F5); a student joins by class code in a
second context and lands on the teacher's page and setup; their Train is their own run;
screenshots at 1024×768 and 150 % zoom (device scale factor 1.5 over a 683×512 CSS
viewport: what a 1024×768 projector shows at 150 %).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from lib.train.setup_link import restore_parts
from tests.browser.conftest import DEADLINE_MS, TEACHER_PASSPHRASE, screenshot, settle
from tests.waiting import wait_until

pytestmark = pytest.mark.browser
PROJECTOR = {"viewport": {"width": 683, "height": 512}, "device_scale_factor": 1.5, "locale": "pt-BR"}


def _wait_address(tab, part: str) -> None:
    tab.wait_for_function("part => window.location.search.includes(part)", arg=part)


def _set(tab, label: str, value: str) -> None:
    field = tab.get_by_label(label, exact=True)
    field.fill(value)
    field.press("Enter")


def _href(tab) -> str:
    """The page's address now (Playwright's ``page.url`` misses ``history.replaceState``, which Streamlit uses)."""
    return tab.evaluate("() => window.location.href")


def _setup_in_address(tab) -> dict:
    """The setup the page's address holds now (decoded as the app decodes it)."""
    token = parse_qs(urlsplit(_href(tab)).query).get("setup", [""])[0]
    parts, _ = restore_parts(token) if token else ({}, [])
    return parts


def _edit(tab, label: str, value: str, written) -> None:
    """Change a field, then wait until the address holds the change (``written(parts)``)."""
    field = tab.get_by_label(label, exact=True)
    field.wait_for()
    _idle(tab)
    field.fill(value)
    field.press("Tab")  # leaving the field commits it (Enter alone was not always sent on a busy page)
    try:
        wait_until(lambda: written(_setup_in_address(tab)), f"{label} = {value} in the address", poll=0.3,
                   seen=lambda: _setup_in_address(tab))  # fmt: skip
    except AssertionError:
        screenshot(tab, "address-edit-lost")
        raise


def _idle(tab) -> None:
    """Wait until the page's script run has ended (a busy machine makes first runs slow)."""
    settle(tab)


def test_every_page_keeps_its_setup_across_a_reload(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="pt-BR")
    try:
        tab = context.new_page()
        tab.set_default_timeout(DEADLINE_MS)  # the hang guard of every browser wait
        tab.goto(f"{app_url}/datasets?lang=pt&nick=caio")
        _edit(tab, "Amostras de treino a usar (0 = todas)", "500", lambda p: p.get("train_samples") == 500)
        tab.reload()
        tab.get_by_label("Amostras de treino a usar (0 = todas)", exact=True).wait_for()
        assert tab.get_by_label("Amostras de treino a usar (0 = todas)", exact=True).input_value() == "500"

        tab.goto(_href(tab).replace("/datasets", "/training"))
        _edit(tab, "Épocas", "7", lambda p: p.get("settings", {}).get("fit", {}).get("epochs") == 7)
        _edit(tab, "Semente aleatória", "123", lambda p: p.get("settings", {}).get("fit", {}).get("seed") == 123)
        tab.reload()
        tab.get_by_label("Épocas", exact=True).wait_for()
        assert tab.get_by_label("Épocas", exact=True).input_value() == "7"
        assert tab.get_by_label("Semente aleatória", exact=True).input_value() == "123"
        assert "/training" in _href(tab)

        tab.goto(_href(tab).replace("/training", "/architecture"))
        tab.get_by_text("Configuração compartilhada aberta").first.wait_for()
        tab.reload()
        tab.get_by_text("Configuração compartilhada aberta").first.wait_for()  # the setup came back from the address
        tab.goto(_href(tab).replace("/architecture", "/experiments"))
        tab.get_by_text("Validação cruzada", exact=True).click()
        _wait_address(tab, "exp=folds")
        tab.reload()
        tab.get_by_text("Validação cruzada", exact=True).wait_for()
        checked = tab.locator("[data-testid=stMain] [data-testid=stRadio] label:has(input:checked)").first
        assert checked.inner_text().strip().startswith("Validação cruzada")  # (the sidebar's radio is the language)
        tab.goto(_href(tab).replace("/experiments", "/training"))
        assert tab.get_by_label("Épocas", exact=True).input_value() == "7"  # still the same setup
        tab.goto(_href(tab).replace("/training", "/demos"))
        tab.get_by_role("tab", name="Dropout").click()
        _wait_address(tab, "demo=dropout")
        tab.reload()
        tab.get_by_role("tab", name="Dropout", selected=True).wait_for()
        screenshot(tab, "address-demos-reloaded-pt")
    finally:
        context.close()


def test_a_student_joins_by_class_code_and_trains_their_own_run(browser, app_url):
    prof_context = browser.new_context(**PROJECTOR)
    bia_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="pt-BR")
    try:
        prof = prof_context.new_page()
        prof.set_default_timeout(DEADLINE_MS)
        prof.goto(f"{app_url}/training?lang=pt&nick=Prof%20Elisa")
        prof.get_by_label("Épocas", exact=True).wait_for()
        screenshot(prof, "projector-training-pt")
        expanded = not prof.get_by_text("Modo professor").first.is_visible()
        if expanded:
            prof.get_by_test_id("stExpandSidebarButton").click()  # the projector's narrow window collapses it
        settle(prof)  # (a click on a sidebar expander during a run can miss, or the run can close it)
        prof.get_by_text("Modo professor").first.click()
        _set(prof, "Senha do professor", TEACHER_PASSPHRASE)
        _edit(prof, "Épocas", "1", lambda p: p.get("settings", {}).get("fit", {}).get("epochs") == 1)
        _edit(prof, "Semente aleatória", "58", lambda p: p.get("settings", {}).get("fit", {}).get("seed") == 58)
        settle(prof)
        prof.get_by_text("Turma: código e QR code").first.click()
        settle(prof)
        prof.get_by_role("button", name="Criar o código da turma").click()
        code = prof.locator(".kp-class-code").inner_text().replace(" ", "")
        assert re.fullmatch(r"[A-Z2-9]{6}", code)
        prof.locator("[data-testid=stSidebar] img").first.wait_for()  # the QR code
        screenshot(prof, "projector-class-code-pt")
        if expanded:  # on a narrow window the open sidebar lies over the page: close it, as the teacher would
            prof.get_by_role("button", name="Collapse sidebar").click()
        prof.get_by_role("button", name="Treinar", exact=True).click()
        prof.get_by_text("· concluído ·").first.wait_for()
        line = prof.get_by_text(re.compile(r"^Execução \w{16}")).first.inner_text()
        teachers = re.search(r"Execução `?(\w{16})", line)[1]

        bia = bia_context.new_page()
        bia.set_default_timeout(DEADLINE_MS)
        bia.goto(f"{app_url}/?lang=pt&nick=duda")
        _set(bia, "Código da turma", code.lower())
        bia.wait_for_url(re.compile(r"/training"))
        bia.get_by_text("Você entrou na turma").first.wait_for()
        assert bia.get_by_label("Épocas", exact=True).input_value() == "1"
        assert bia.get_by_label("Semente aleatória", exact=True).input_value() == "58"
        bia.get_by_role("button", name="Treinar", exact=True).click()
        bia.get_by_text("· concluído ·").first.wait_for()
        line = bia.get_by_text(re.compile(r"^Execução \w{16}")).first.inner_text()
        own = re.search(r"Execução `?(\w{16})", line)[1]
        assert own != teachers  # her own run, not the teacher's answer
        bia.goto(f"{app_url}/runs?lang=pt&nick=duda")
        bia.get_by_text(re.compile(f"^{own} · ")).first.wait_for()  # listed as hers (her runs are the default)
        screenshot(bia, "class-student-own-run-pt")

        for name in ("architecture", "runs", "demos", "datasets"):
            prof.goto(re.sub(r"/(training|architecture|runs|demos|datasets)\?", f"/{name}?", _href(prof)))
            prof.get_by_role("heading").first.wait_for()
            settle(prof)
            screenshot(prof, f"projector-{name}-pt")
    finally:
        prof_context.close()
        bia_context.close()
