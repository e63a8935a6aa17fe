"""The own-data path through the real pages: upload a zip or a CSV, look at it, train on it, in both languages."""

from __future__ import annotations

import pytest

from lib.data import datasets, own_store
from tests.apptest_helpers import open_page, page_path, plotly_specs, rerun_until, texts
from tests.own_fixtures import class_zip, survey_csv

FOUND = {"en": "Found **36 pictures** in **3 classes**", "pt": "Encontradas **36 imagens** em **3 classes**"}
CREATED = {"en": "Created **formas (own data)** in", "pt": "**formas (dados próprios)** criado em"}


pytestmark = pytest.mark.usefixtures("own_data_dir")  # every upload lands in a private, empty folder


def _upload(at, key: str, name: str, data: bytes, mime: str):
    uploader = next(u for u in at.get("file_uploader") if u.proto.id.endswith(key) or key in u.proto.id)
    uploader.set_value((name, data, mime))
    return at.run()


def _created(at) -> str:
    """Wait for the background ingest; the page opens the new dataset: return its name."""
    rerun_until(at, lambda a: a.session_state["data.name"].startswith(own_store.PREFIX))
    at.run()
    assert at.selectbox(key="widget.data.name.1").value == at.session_state["data.name"]  # the list shows it
    return at.session_state["data.name"]


def _train(at, epochs: int = 2) -> None:
    at.switch_page(page_path("training")).run()
    assert not at.exception, at.exception
    at.number_input(key="train.w.epochs").set_value(epochs).run()  # (the fitted Boston MLP trains 80)
    at.button(key="train.start").click().run()
    rerun_until(at, lambda a: "· **done** ·" in texts(a) or "· **concluído** ·" in texts(a))


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_upload_a_zip_of_pictures_look_at_it_and_train_on_it(lang):
    at = open_page("datasets", lang)
    at = _upload(at, "own.zip", "formas.zip", class_zip(("barra", "anel", "cruz"), per_class=12), "application/zip")
    assert not at.exception, at.exception
    assert FOUND[lang] in texts(at)
    at.button(key="own.create_images").click().run()
    name = _created(at)
    shown = texts(at)
    assert "formas" in shown and CREATED[lang] in shown, shown
    info = datasets.REGISTRY[name]
    assert info.class_names == ("anel", "barra", "cruz") and info.input_shape == (28, 28, 1)
    grid = plotly_specs(at)[0]
    assert "anel" in grid and "cruz" in grid  # the sample grid is labelled with the folders' names
    at.switch_page(page_path("architecture")).run()
    assert not at.exception and at.session_state["arch.spec"].nodes[-1].config["units"] == 3
    _train(at)
    assert "formas" in texts(at)


@pytest.mark.parametrize("lang", ["en", "pt"])
def test_upload_a_brazilian_csv_choose_the_target_and_train(lang):
    at = open_page("datasets", lang)
    at = _upload(at, "own.csv", "pesquisa.csv", survey_csv(150), "text/csv")
    assert not at.exception, at.exception
    shown = texts(at)
    assert ("semicolons" if lang == "en" else "pontos e vírgulas") in shown
    assert at.selectbox(key="widget.own.target").value == "aprovado"
    assert at.radio(key="widget.own.task").value == "classification"
    at.button(key="own.create_table").click().run()
    name = _created(at)
    info = datasets.REGISTRY[name]
    assert info.kind == "tabular" and info.class_names == ("não", "sim")
    mapping = " ".join(str(df.value.to_dict()) for df in at.dataframe)
    assert "Recife" in mapping
    _train(at)


def test_a_bad_upload_is_explained_and_the_page_stays_usable():
    at = open_page("datasets", "pt")
    at = _upload(at, "own.zip", "fotos.zip", b"isto nao e um zip", "application/zip")
    assert not at.exception
    assert "fotos.zip não é um arquivo .zip" in " ".join(e.value for e in at.error)
    at = _upload(at, "own.csv", "dados.csv", b"a,b,c\n1,2,3\n4,5\n", "text/csv")
    assert "A linha 3 de dados.csv tem 2 campos" in " ".join(e.value for e in at.error)
    assert at.selectbox(key="widget.data.name").value == datasets.DEFAULT_DATASET


def test_an_uploaded_dataset_is_deleted_by_its_owner_only():
    at = open_page("datasets", "en", nick="ana")
    at = _upload(at, "own.zip", "s.zip", class_zip(per_class=4), "application/zip")
    at.button(key="own.create_images").click().run()
    name = _created(at)
    other = open_page("datasets", "en", nick="bia")
    other.selectbox(key="widget.data.name").set_value(name).run()
    assert not other.exception and not any(t.label == "Delete this dataset" for t in other.toggle)
    at.toggle(key=f"own.delete.{name}").set_value(True).run()
    at.button(key="own.delete_now").click().run()
    assert name not in datasets.REGISTRY
    assert "Deleted **s (own data)**." in texts(at) and at.session_state["data.name"] == datasets.DEFAULT_DATASET
    other.run()  # the other session had it open: it falls back, with no traceback
    assert not other.exception


def test_runs_of_a_deleted_dataset_stay_and_no_page_breaks():
    at = open_page("datasets", "en", nick="ana")
    at = _upload(at, "own.csv", "p.csv", survey_csv(60), "text/csv")
    at.button(key="own.create_table").click().run()
    name = _created(at)
    _train(at)
    at.switch_page(page_path("runs")).run()
    assert not at.exception and "non" not in [m.label for m in at.metric]
    assert any("Confusion" in spec or "confusion" in spec for spec in plotly_specs(at))
    datasets.delete_cache(name)
    at.switch_page(page_path("runs")).run()
    assert not at.exception, at.exception
    labels = " ".join(at.selectbox(key="runs.eval").options)
    assert f"deleted dataset ({name})" in labels  # the run stays, its evaluation (cached, still true) too
    at.switch_page(page_path("draw")).run()
    assert not at.exception
    at.switch_page(page_path("training")).run()
    assert not at.exception and "Digits 8×8" in texts(at)  # the session falls back to the default dataset


def test_a_zip_and_a_csv_waiting_side_by_side_keep_their_own_options():
    at = open_page("datasets", "en")
    at = _upload(at, "own.csv", "p.csv", survey_csv(40), "text/csv")
    at.slider(key="widget.own.csv_test").set_value(30).run()
    at = _upload(at, "own.zip", "s.zip", class_zip(per_class=4), "application/zip")
    assert not at.exception, at.exception
    at.slider(key="widget.own.img_test").set_value(25).run()
    at.run()
    assert at.slider(key="widget.own.csv_test").value == 30 and at.slider(key="widget.own.img_test").value == 25
    assert at.session_state["own.csv_test"] == 0.3 and at.session_state["own.img_test"] == 0.25
