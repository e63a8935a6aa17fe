"""Make a dataset on the Datasets page (AppTest), drawings injected where the canvas would send them."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from lib.data import datasets
from lib.own import sample_store
from tests.apptest_helpers import page_path, rerun_until, texts
from tests.own_fixtures import shape_picture
from tests.test_class_pages import open_as
from tests.test_draw_page import _canvas_value


def _drawing(shape: str, seed: int) -> np.ndarray:
    """A shape as the canvas sends it: RGBA, light on black, 280 × 280."""
    rgb = np.asarray(shape_picture(shape, np.random.default_rng(seed), size=280))
    return np.dstack([rgb, np.full(rgb.shape[:2], 255, "uint8")])


def _draw_and_add(at, class_name: str, picture: np.ndarray) -> None:
    collection = sample_store.load(at.session_state["make.current"])
    at.radio(key=f"make.class.{collection.id}").set_value(collection.class_of(class_name)).run()
    at.session_state[f"make.canvas.{at.session_state['make.round']}"] = _canvas_value(picture)
    at.run()
    at.button(key="make.add").click().run()
    assert not at.exception, at.exception


def _delete_buttons(at) -> list:
    return [b for b in at.button if b.key and b.key.startswith("make.del.")]


def _start(at, title: str, classes: str) -> None:
    at.text_input(key="make.new_title").input(title)
    at.text_area(key="make.new_classes").input(classes)


@pytest.mark.usefixtures("own_data_dir")
def test_a_student_draws_a_dataset_in_portuguese_and_makes_it(monkeypatch):
    at = open_as("mika", "datasets", "pt")
    assert any("Crie um dataset" in e.label for e in at.expander)
    _start(at, "Formas", "barra\n\nanel\n")
    at.button(key="make.create").click().run()
    assert not at.exception and "Amostras: 0 · classes: 2" in texts(at)
    _draw_and_add(at, "barra", _drawing("bar", 0))
    assert "1 adicionada(s) a “barra”" in texts(at)
    blank = np.dstack([np.zeros((280, 280, 3), "uint8"), np.full((280, 280), 255, "uint8")])
    _draw_and_add(at, "barra", blank)
    assert "1 em branco (nada se destaca): não adicionada(s)" in texts(at)
    assert "Ainda faltam em: barra (1), anel (0)" in texts(at) and at.button(key="make.build").disabled
    for i in range(sample_store.MIN_PER_CLASS):
        _draw_and_add(at, "anel", _drawing("ring", 10 + i))
        if i < sample_store.MIN_PER_CLASS - 1:
            _draw_and_add(at, "barra", _drawing("bar", 20 + i))
    assert "Ainda faltam" not in texts(at)
    bad = _delete_buttons(at)[0]  # a bad sample, deleted from the grid
    bad.click().run()
    assert "Amostras: 9 · classes: 2" in texts(at) and "Ainda faltam em: barra (4)" in texts(at)
    _draw_and_add(at, "barra", _drawing("bar", 30))
    at.button(key="make.build").click().run()
    name = at.session_state["data.name"]
    assert datasets.REGISTRY[name].is_own and list(datasets.REGISTRY[name].class_names) == ["barra", "anel"]
    assert "foi criado e escolhido" in texts(at)
    own = sample_store.load(at.session_state["make.current"])
    assert own.owner == "mika" and own.datasets == [name]
    at.switch_page(page_path("draw")).run()  # it goes wherever a dataset goes: here, its lesson network
    # The offer of its lesson network (worded as "no model yet" or, when other tests' runs of
    # other datasets are listed in this process's run store, "none for this one").
    assert re.search(r"Ainda não há modelo (treinado )?para Formas\b.*Treine a rede da aula", texts(at))


def _as_teacher(at, monkeypatch) -> None:
    from app_pages.parts import identity
    from lib.classroom import PassphraseGuard

    monkeypatch.setenv("KP_TEACHER_PASSPHRASE", "quadro negro 42")
    monkeypatch.setattr(identity, "passphrase_guard", lambda: PassphraseGuard(clock=itertools.count(0, 60).__next__))
    at.run()
    at.text_input(key="widget.passphrase").input("quadro negro 42").run()
    assert "Teacher mode" in texts(at), texts(at)[:500]


@pytest.mark.usefixtures("own_data_dir")
def test_a_class_dataset_in_english_counts_who_drew_and_compares_the_splits(monkeypatch):
    prof = open_as("Prof Rui", "datasets", "en")
    _as_teacher(prof, monkeypatch)
    _start(prof, "Shapes", "bar\nring")
    prof.toggle(key="make.new_for_class").set_value(True)
    prof.button(key="make.create").click().run()
    assert not prof.exception
    collection = sample_store.class_collection()
    assert collection is not None and collection.owner == "Prof Rui"
    for k, student in enumerate(("tito", "vera")):
        at = open_as(student, "datasets", "en")
        assert at.session_state["make.current"] == collection.id  # students land on the class's dataset
        for i in range(3):
            _draw_and_add(at, "bar", _drawing("bar", 100 * k + i))
            _draw_and_add(at, "ring", _drawing("ring", 100 * k + 50 + i))
        assert len(_delete_buttons(at)) == 6  # a student sees (and may delete) her own samples only
    prof.run()
    prof.toggle(key=f"make.closed.{collection.id}").set_value(True).run()  # closed for training
    at.run()
    assert "Closed for training: no more samples can be added." in texts(at) and "make.add" not in {
        b.key for b in at.button
    }
    assert len(_delete_buttons(prof)) == 12  # the teacher sees and may remove every sample
    table = prof.dataframe[0].value
    assert list(table["Student"]) == ["tito", "vera"] and list(table["Total"]) == [6, 6]
    prof.button(key="make.split").click().run()
    assert not prof.exception
    rerun_until(prof, lambda a: "Held out" in texts(a))
    assert "Random split" in texts(prof) and "Split by who drew" in texts(prof)
    held = texts(prof).split("Held out")[1]  # the students the model never saw, named (either way the gap goes)
    assert ("tito" in held) != ("vera" in held)
