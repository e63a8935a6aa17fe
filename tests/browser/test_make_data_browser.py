"""A class makes its own dataset in real browsers (#30): two students draw into the class's dataset,
the teacher sees who drew what, trains split by who drew beside a random split, and exports a model."""

from __future__ import annotations

import math
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import become_teacher, ink_at, new_tab, screenshot, settle
from tests.waiting import wait_until

pytestmark = pytest.mark.browser

MAKE = {"en": "Make a dataset: draw, photograph or upload each sample",
        "pt": "Crie um dataset: desenhe, fotografe ou envie cada amostra"}  # fmt: skip
ADD_TO = {"en": "Add to class", "pt": "Adicionar à classe"}
ADD = {"en": "Add 1 to", "pt": "Adicionar 1 a"}
PER_CLASS = 3  # each student draws 3 lines and 3 circles: 6 of each in all, past the minimum of 5


def _open_datasets(tab, app_url: str, nick: str, lang: str) -> None:
    # The default page first, then the link (a page opened at its own address can leave an
    # invisible overlay that swallows the canvas's mouse events: STACK.md).
    tab.goto(f"{app_url}/?lang={lang}&nick={nick.replace(' ', '%20')}")
    tab.get_by_role("link", name={"en": "Datasets", "pt": "Conjuntos de dados"}[lang]).first.click()
    settle(tab)
    tab.get_by_text(MAKE[lang]).click()
    settle(tab)


def _steady_box(tab, locator) -> dict:
    """``locator``'s box once it stops moving: two reads two animation frames apart agree.

    A box read while something above the canvas is still being laid out puts the stroke
    where the canvas was, not where it is.
    """

    def steady() -> dict | None:
        before = locator.bounding_box()
        tab.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        after = locator.bounding_box()
        return after if after and after == before else None

    return wait_until(steady, "the canvas to stop moving", seen=locator.bounding_box)


def _stroke(tab, points: list[tuple[float, float]]) -> None:
    """One stroke through ``points`` (canvas fractions), mouse down to mouse up."""
    canvas = tab.locator("canvas.upper-canvas").first
    canvas.wait_for()
    box = _steady_box(tab, canvas)
    at = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    tab.mouse.move(*at[0])
    tab.mouse.down()
    for x, y in at[1:]:
        tab.mouse.move(x, y, steps=2)
    tab.mouse.up()


def _line(shift: float) -> list[tuple[float, float]]:
    return [(0.4 + shift + 0.02 * (i % 2), 0.15 + 0.07 * i) for i in range(11)]


def _circle(shift: float) -> list[tuple[float, float]]:
    return [(0.5 + shift + 0.28 * math.cos(a / 16 * 2 * math.pi), 0.5 + 0.28 * math.sin(a / 16 * 2 * math.pi))
            for a in range(17)]  # fmt: skip


def _drawn(tab) -> None:
    """Wait until the pictures and tables are drawn (they load after the page's script ends), then settle."""
    settle(tab)
    tab.locator("[data-testid=stImage] img").last.wait_for()
    if tab.locator("[data-testid=stDataFrame]").count():
        tab.locator("[data-testid=stDataFrame] canvas").first.wait_for()
    tab.evaluate("() => Promise.all(Array.from(document.images, i => i.complete ? 0 : i.decode().catch(() => 0)))")


def _own_samples(tab) -> int:
    return tab.get_by_role("button", name="✕").count()


def _draw_samples(tab, lang: str, seed: int) -> None:
    """Draw PER_CLASS lines and circles, adding each; wait until the student's grid shows it."""
    added = 0
    for i in range(PER_CLASS):
        for name, shape in (("line", _line), ("circle", _circle)):
            tab.locator("[data-testid=stRadio]").filter(has_text=ADD_TO[lang]).get_by_text(name, exact=True).click()
            settle(tab)
            points = shape(0.04 * ((i + seed) % 3) - 0.04)
            _stroke(tab, points)
            button = tab.get_by_role("button", name=re.compile(f"^{ADD[lang]} “{name}”"))
            try:
                expect(button).to_be_enabled()  # the drawing reached the server
            except AssertionError as err:  # say whether the stroke was on the canvas (a lost stroke) or missed it
                raise AssertionError(f"{sum(ink_at(tab, points))} of the stroke's {len(points)} points have ink "
                                     f"on the canvas; the Add button stayed disabled") from err  # fmt: skip
            button.click()
            added += 1
            wait_until(lambda n=added: _own_samples(tab) == n, f"{added} samples in the grid",
                       seen=lambda: _own_samples(tab))  # fmt: skip
            settle(tab)


def test_two_students_draw_a_class_dataset_and_the_teacher_trains_on_it(browser, app_url):
    prof, kiko, lara = new_tab(browser, "en-US"), new_tab(browser, "pt-BR"), new_tab(browser, "en-US")
    try:
        _open_datasets(prof, app_url, "Prof Mara", "en")
        become_teacher(prof)
        prof.get_by_role("textbox", name="Name", exact=True).fill("Shapes")
        prof.get_by_role("textbox", name="Classes, one per line").fill("line\ncircle")
        prof.get_by_text("For the whole class").click()
        settle(prof)
        prof.get_by_role("button", name="Start", exact=True).click()
        prof.get_by_text("Samples: 0 · classes: 2").wait_for()

        _open_datasets(kiko, app_url, "kiko", "pt")
        kiko.get_by_text("Amostras: 0 · classes: 2").wait_for()  # she lands on the class's dataset
        _draw_samples(kiko, "pt", seed=0)
        _drawn(kiko)
        screenshot(kiko, "make-student-pt")
        _open_datasets(lara, app_url, "lara", "en")
        _draw_samples(lara, "en", seed=1)
        _drawn(lara)
        screenshot(lara, "make-student-en")

        _open_datasets(prof, app_url, "Prof Mara", "en")
        prof.get_by_text("Samples: 12 · classes: 2").wait_for()
        prof.get_by_text("Who drew what").wait_for()
        _drawn(prof)
        screenshot(prof, "make-class-teacher-en")
        assert _own_samples(prof) == 12  # the teacher may remove any of them
        prof.get_by_role("button", name=re.compile("^Train: split by who drew")).click()
        prof.get_by_text(re.compile(r"Held out")).wait_for()  # the gap, said either way it goes
        _drawn(prof)  # (counted once the page's last rerun has ended: a rerun still drawing showed 3)
        assert prof.get_by_text("Test accuracy").count() == 2
        screenshot(prof, "make-class-split-en")
        _open_datasets(prof, app_url, "Prof Mara", "pt")
        prof.get_by_text("Quem desenhou o quê").wait_for()
        prof.get_by_text(re.compile(r"Ficaram de fora")).wait_for()
        _drawn(prof)
        screenshot(prof, "make-class-teacher-pt")

        prof.get_by_role("link", name="Execuções").first.click()
        prof.get_by_text("Leve o modelo para fora").wait_for()
        prof.get_by_role("button", name="Gerar e verificar").nth(1).click()  # ONNX
        prof.get_by_text(re.compile("Verificado no ONNX Runtime")).wait_for()
        settle(prof)
        screenshot(prof, "exports-pt")
        prof.goto(prof.url.replace("lang=pt", "lang=en"))
        prof.get_by_text("Checked in ONNX Runtime").wait_for()  # kept on disk: shown at once
        # (No second format here: each export is a process of its own that imports TensorFlow.
        # LiteRT's job is tested in tests/test_exports.py, its part of the page with the others'
        # in tests/test_exports_page.py.)
        settle(prof)
        offered = prof.get_by_role("button", name="Make and check")
        wait_until(lambda: offered.count() == 2, "the two other formats offered", seen=offered.count)
        screenshot(prof, "exports-en")
    except Exception:
        for name, tab in (("teacher", prof), ("kiko", kiko), ("lara", lara)):  # what each page showed
            screenshot(tab, f"make-failed-{name}")
        raise
    finally:
        for tab in (prof, kiko, lara):
            tab.context.close()
