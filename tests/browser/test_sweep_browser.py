"""A class sweep in real browsers: a teacher opens it, two students (two contexts) take different cells.

Each student's "Train the next cell" takes an untried cell as their own run; both pages
then show the grid filling in with the other's cell too.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import become_teacher, new_tab, screenshot, settle

pytestmark = pytest.mark.browser


def _student(browser, app_url, nick: str, lang: str):
    tab = new_tab(browser, "pt-BR" if lang == "pt" else "en-US")
    tab.goto(f"{app_url}/experiments?lang={lang}&nick={nick}")
    settle(tab)  # the first script run has ended: a click now is not lost in it
    return tab.context, tab


def _panel_drawn(tab, button: str) -> None:
    """Wait until the class-sweep panel shows ``button`` and the run that drew it has ended.

    Not ``settle``: an open class sweep's view keeps polling (it fills in from other
    students' cells) until every cell is tried, so its page never stops polling here.
    """
    tab.get_by_role("button", name=button, exact=True).wait_for()
    tab.locator(".kp-live-polling").first.wait_for(state="attached")  # the panel's live view is drawn
    tab.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(state="attached")


def test_two_students_fill_a_class_sweep_with_different_cells(browser, app_url):
    contexts = []
    try:
        context, teacher = _student(browser, app_url, "prof-sweep", "en")
        contexts.append(context)
        become_teacher(teacher)
        # The page opens on the baseline (lesson 5: a baseline first); the default sweep of the default
        # setup: learning rate × batch size on digits (seconds per cell).
        teacher.get_by_text("Hyperparameter sweep", exact=True).click()
        teacher.get_by_text("4 cells, one run each.").wait_for()
        teacher.get_by_role("button", name="Open for the class", exact=True).click()
        teacher.get_by_text(re.compile("Class sweep “.*” is open")).wait_for()

        context, ana = _student(browser, app_url, "igor", "en")
        contexts.append(context)
        ana.get_by_text("Class sweeps", exact=True).click()
        _panel_drawn(ana, "Train the next cell")
        ana.get_by_role("button", name="Train the next cell", exact=True).click()
        ana.get_by_text("You took cell 1: it trains as your run.").wait_for()

        context, bia = _student(browser, app_url, "juju", "pt")
        contexts.append(context)
        bia.get_by_text("Varreduras da turma", exact=True).click()
        _panel_drawn(bia, "Treinar a próxima célula")
        bia.get_by_role("button", name="Treinar a próxima célula", exact=True).click()
        bia.get_by_text("Você pegou a célula 2: ela treina como sua execução.").wait_for()

        # Both cells train at once in the worker pool; each page sees the other's cell finish.
        ana.get_by_text("2 of 4 cells finished").wait_for()
        bia.get_by_text("2 de 4 células terminadas").wait_for()
        ana.get_by_text("Your cell: 1").wait_for()
        screenshot(ana, "class-sweep-en")
        screenshot(bia, "class-sweep-pt")
    finally:
        for context in contexts:
            context.close()
