"""No lost click (#26): a value typed and Train clicked at once, 20 times over 3 students, 20 jobs.

Each press comes within 0.2 s of typing the value (the field commits on the click's blur)
and is followed 0.1 s later by another edit, as a student who keeps typing does: the press
then arrives during one rerun and the next interrupts it. Before app_pages/parts/presses.py,
Streamlit reset the interrupted run's press and no job started, with no message; after it,
two more ways were logged at the server (a press written into session state inside its
callback, a trigger dropped with a replaced script runner or before its states applied): see
app_pages/parts/presses.py, app_pages/parts/streamlit_fix.py and runner.fastReruns in .streamlit/config.toml.
"""

from __future__ import annotations

import time

import pytest

from lib.train.runstore import RunStore
from tests.browser.conftest import new_tab, screenshot, settle
from tests.waiting import wait_until

pytestmark = pytest.mark.browser

PRESSES = 20
STUDENTS = 3


def _open_training(tab, app_url: str) -> None:
    tab.goto(f"{app_url}/?lang=en")  # the default page first (STACK.md), then the Training page
    tab.get_by_role("link", name="Training").first.click()
    tab.get_by_role("button", name="Train", exact=True).wait_for()
    settle(tab)


def _press(tab, seed: int) -> None:
    """Type a seed and click Train at once (well within 0.2 s), then keep editing."""
    tab.get_by_label("Random seed", exact=True).fill(str(seed))
    tab.get_by_role("button", name="Train", exact=True).click()
    time.sleep(0.1)
    patience = tab.get_by_label("Patience (epochs)", exact=True)
    patience.fill(str(1 + seed % 5))
    patience.press("Enter")


def _done(store: RunStore, expected: int) -> bool:
    runs = store.list()
    return len(runs) >= expected and all(store.status(r).state == "done" for r in runs)


def test_twenty_type_then_click_presses_over_three_students_make_twenty_jobs(browser, app_url, runs_dir):
    tabs = [new_tab(browser) for _ in range(STUDENTS)]
    store = RunStore(runs_dir)
    before = set(store.list()) if runs_dir.exists() else set()
    try:
        for tab in tabs:
            _open_training(tab, app_url)
            tab.get_by_label("Epochs", exact=True).fill("1")
            tab.get_by_label("Epochs", exact=True).press("Enter")
            settle(tab)
        seeds = []
        for press_no in range(PRESSES):
            tab = tabs[press_no % STUDENTS]
            seed = 100 + press_no
            _press(tab, seed)
            seeds.append(seed)
            if press_no % STUDENTS == STUDENTS - 1 or press_no == PRESSES - 1:
                # One run per student at a time: every press of this round has a job, all done.
                wait_until(lambda: _done(store, len(before) + len(seeds)), f"{len(seeds)} jobs in the run store",
                           seen=lambda: {r: store.status(r).state for r in store.list()})  # fmt: skip
                for each in tabs:
                    settle(each)
        new = [r for r in store.list() if r not in before]
        assert sorted(store.config(r).settings.fit.seed for r in new) == seeds  # every press, its own value
    finally:
        for number, tab in enumerate(tabs):
            screenshot(tab, f"no-lost-click-{number}")
        for tab in tabs:
            tab.context.close()
