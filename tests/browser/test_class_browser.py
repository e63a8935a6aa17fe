"""A class in real browsers: two students (two contexts) on one server.

Continue makes a new run and the live view follows it without leaving the page; another
student cannot delete that run; a share link opened in a fresh context restores the setup.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import new_tab, screenshot, train_from_training_page

pytestmark = pytest.mark.browser


def _status_run(tab) -> str:
    return re.search(r"Run `?(\w{16})", tab.get_by_text(re.compile(r"^Run \w{16}")).first.inner_text())[1]


def test_continue_ownership_and_share_link_across_two_students(browser, app_url):
    ana, bia = new_tab(browser, "en-US"), new_tab(browser, "pt-BR")
    try:
        ana.goto(f"{app_url}/training?lang=en&nick=ana")
        train_from_training_page(ana, epochs=1, seed=41)
        parent = _status_run(ana)

        # "More epochs" keeps its default, 2: typing into it reruns the page, and a click that
        # lands during that rerun can be lost on a busy machine.
        assert ana.get_by_label("More epochs", exact=True).input_value() == "2"
        ana.get_by_role("button", name="Continue", exact=True).click()
        ana.get_by_text("Continuing as a new run").wait_for()
        # The view follows the new run to its end, on the same page (it used to stay "queued").
        ana.get_by_text("3/3 epochs").first.wait_for()
        ana.get_by_text("· done ·").first.wait_for()
        child = _status_run(ana)
        assert child != parent
        screenshot(ana, "class-continue-en")

        bia.goto(f"{app_url}/runs?lang=pt&nick=bia")
        bia.get_by_text("Você ainda não tem execuções").wait_for()
        bia.get_by_text("Mostrar as execuções da turma toda").click()
        bia.get_by_text(re.compile(f"^{child} · ")).first.wait_for()  # its chip in the run picker (a table
        # cell is drawn on a canvas: its DOM text is hidden)
        delete = bia.get_by_role("button", name=re.compile(r"^Apagar as execuções selecionadas"))
        assert delete.inner_text().endswith("(0)") and delete.is_disabled()
        bia.get_by_text("são de outra pessoa").first.wait_for()
        screenshot(bia, "class-runs-other-student-pt")

        ana.get_by_text("Link to this setup").click()
        link = ana.locator("[data-testid=stCode] code").filter(has_text="setup=").first.inner_text().strip()
        assert "setup=" in link and link.startswith(app_url)
        fresh = new_tab(browser, "pt-BR")
        try:
            fresh.goto(link.replace("lang=en", "lang=pt"))
            fresh.get_by_text("Configuração compartilhada aberta").wait_for()
            fresh.get_by_text("4.810 parâmetros").first.wait_for()  # the digits MLP, as ana built it
            assert fresh.get_by_label("Épocas", exact=True).input_value() == "1"
            assert fresh.get_by_label("Semente aleatória", exact=True).input_value() == "41"
            # The same setup, another student: their Train makes a run of their own (not ana's answer).
            fresh.get_by_role("button", name="Treinar", exact=True).click()
            fresh.get_by_text(re.compile(r"^Execução \w{16}")).first.wait_for()
            line = fresh.get_by_text(re.compile(r"^Execução \w{16}")).first.inner_text()
            own = re.search(r"Execução `?(\w{16})", line)[1]
            assert own != parent
            screenshot(fresh, "class-share-link-pt")
        finally:
            fresh.context.close()
    finally:
        ana.context.close()
        bia.context.close()
