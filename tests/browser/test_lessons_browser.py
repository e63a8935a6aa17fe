"""A lesson led live: a teacher and two students in three browser contexts; the presenter view at 1024×768.

The teacher leads lesson 1 and advances three steps: both students' pages follow. At the fit
step both students train (their own runs); the teacher's live table shows both results.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import become_teacher, new_tab, screenshot, settle
from tests.waiting import wait_until

pytestmark = pytest.mark.browser


def _open(browser, app_url, nick: str, lang: str, step: int = 1, size=(1280, 900), extra: str = ""):
    tab = new_tab(browser, "pt-BR" if lang == "pt" else "en-US", *size)
    tab.goto(f"{app_url}/lessons?lang={lang}&nick={nick}&lesson=1&step={step}{extra}", wait_until="commit")
    _on_step(tab, step)
    return tab.context, tab


def _on_step(tab, step: int) -> None:
    """Wait (up to the deadline; how fast a page follows is for bench/) until ``tab`` shows step 1.``step``."""
    tab.get_by_role("heading", name=re.compile(rf"^1\.{step} ·")).wait_for()


def _train_quickly(tab, lang: str) -> None:
    """Open the step's settings, take 1,000 images and 1 epoch, press Train, wait until done."""
    tab.get_by_text("Testar outros valores" if lang == "pt" else "Try other settings", exact=True).click()
    for label, value in (("Imagens de treino (0 = todas)" if lang == "pt" else "Training images (0 = all)", 1000),
                         ("Épocas" if lang == "pt" else "Epochs", 1)):  # fmt: skip
        field = tab.get_by_label(label, exact=True)
        field.fill(str(value))
        field.press("Enter")
        settle(tab)
    tab.get_by_role("button", name="Treinar" if lang == "pt" else "Train", exact=True).click()
    tab.get_by_text("· concluído ·" if lang == "pt" else "· done ·").first.wait_for()


def test_teacher_leads_two_students_follow_and_both_results_reach_the_teachers_table(browser, app_url, runs_dir):
    contexts = []
    try:
        context, teacher = _open(browser, app_url, "prof", "en")
        contexts.append(context)
        become_teacher(teacher)
        teacher.get_by_text("Lead the class", exact=True).click()
        teacher.get_by_text("The class, step by step").wait_for()
        students = []
        for nick, lang in (("fabi", "pt"), ("gabi", "en")):
            context, tab = _open(browser, app_url, nick, lang)
            contexts.append(context)
            students.append((tab, lang))
        for step in (2, 3, 4):  # the teacher advances three steps; both students follow
            settle(teacher)
            teacher.get_by_role("button", name="Next →").click()
            _on_step(teacher, step)
            for tab, _ in students:
                _on_step(tab, step)
        # The teacher sees both students on step 4.
        teacher.get_by_role("cell", name="fabi, gabi").wait_for()
        screenshot(teacher, "lessons-teacher-class")
        for step in range(5, 10):  # on to the fit step
            settle(teacher)
            teacher.get_by_role("button", name="Next →").click()
            _on_step(teacher, step)
        for tab, lang in students:
            _on_step(tab, 9)
            _train_quickly(tab, lang)
        for nick in ("fabi", "gabi"):
            teacher.get_by_role("cell", name=nick, exact=True).wait_for()
        teacher.get_by_text("The class's results · 2", exact=True).wait_for()
        screenshot(teacher, "lessons-teacher-results")
        screenshot(students[0][0], "lessons-student-pt-fit")
        # The teacher lets the class go: a student's page is no longer pulled to the teacher's step.
        settle(teacher)
        teacher.get_by_text("Lead the class", exact=True).click()
        teacher.get_by_text("The class, step by step").wait_for(state="detached")
        wait_until(lambda: not (runs_dir / "lesson_state.json").exists(), "the teacher's step to be withdrawn")
    except Exception:
        for i, context in enumerate(contexts):  # what each page showed when it failed
            screenshot(context.pages[0], f"lessons-failed-{i}")
        raise
    finally:
        for context in contexts:
            context.close()


@pytest.mark.parametrize(("lang", "step"), [("pt", 3), ("en", 4), ("pt", 9)])
def test_presenter_view_at_1024x768(browser, app_url, lang, step):
    context, tab = _open(browser, app_url, f"proj{lang}{step}", lang, step, size=(1024, 768), extra="&present=1")
    try:
        # The presenter view hides the sidebar (its style may arrive just after the heading).
        tab.locator('[data-testid="stSidebar"]').wait_for(state="hidden")
        settle(tab)
        size = tab.evaluate("() => parseFloat(getComputedStyle(document.querySelector("
                            "'[data-testid=stMarkdownContainer] p')).fontSize)")  # fmt: skip
        assert size >= 22
        tab.screenshot(path=str(screenshot(tab, f"lessons-present-{lang}-{step}").with_name(
            f"lessons-present-{lang}-{step}-window.png")))  # fmt: skip
    finally:
        context.close()
