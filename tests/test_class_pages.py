"""Two students (two AppTest sessions) on one server: ownership, continue, share links."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lib.train.run_config import Continues
from lib.train.runstore import config_hash
from lib.train.setup_link import setup_from_token
from lib.train.training import make_config
from tests.apptest_helpers import APP, TIMEOUT, as_browser, page_path, rerun_until, texts


def open_as(nick: str, page: str, lang: str = "en", **params: str) -> AppTest:
    """The app as the student ``nick`` (the ``nick`` query parameter) on ``page``."""
    at = as_browser(AppTest.from_file(APP, default_timeout=TIMEOUT), nick)
    at.query_params.update({"lang": lang, "nick": nick, **params})
    at.run()
    at.session_state["test.first_texts"] = texts(at)  # what the address's first page said
    at.switch_page(page_path(page)).run()
    assert not at.exception, at.exception
    return at


def _train(at: AppTest, seed: int, epochs: int = 1) -> str:
    at.number_input(key="train.w.epochs").set_value(epochs).run()
    at.number_input(key="train.w.seed").set_value(seed).run()
    at.button(key="train.start").click().run()
    done = {"en": "· **done** ·", "pt": "· **concluído** ·"}[at.session_state["app.lang"]]
    rerun_until(at, lambda a: done in texts(a))
    return at.session_state["train.run_id"]


def _runs_table(at: AppTest) -> list[str]:
    frame = at.dataframe[0].value
    return list(frame[frame.columns[0]])


def test_a_student_cannot_delete_another_students_run_and_the_owner_can_restore_it():
    ana = open_as("ana", "training")
    run = _train(ana, seed=31)
    from app_pages.parts.shared import manager

    bia = open_as("bia", "runs")
    assert "You have no runs yet" in texts(bia)  # "my runs" is the default view
    bia.toggle(key="runs.whole_class").set_value(True).run()
    assert run in _runs_table(bia)
    bia.multiselect(key="runs.chosen").set_value([run]).run()
    assert bia.button(key="runs.delete").disabled
    assert "belong to someone else" in texts(bia)
    assert manager().store.exists(run)

    ana.switch_page(page_path("runs")).run()
    assert run in _runs_table(ana)
    ana.multiselect(key="runs.chosen").set_value([run]).run()
    ana.button(key="runs.delete").click().run()
    assert "Move 1 run(s) to the trash" in texts(ana) and manager().store.exists(run)  # asked first
    ana.button(key="runs.confirm_yes").click().run()
    assert not manager().store.exists(run) and "Moved 1 run(s) to the trash" in texts(ana)
    bia.run()
    assert not any(b.key and b.key.startswith("runs.restore.") for b in bia.button)  # not hers to restore
    restore = next(b for b in ana.button if b.key and b.key.startswith(f"runs.restore.{run}."))
    restore.click().run()
    assert manager().store.exists(run) and "The run is back" in texts(ana)


def test_continue_is_a_new_run_and_the_cached_answer_is_unchanged():
    from app_pages.parts.shared import manager

    ana = open_as("ana", "training", "pt")
    parent = _train(ana, seed=32)
    ana.number_input(key="train.more").set_value(2).run()
    ana.button(key="train.resume").click().run()
    child = ana.session_state["train.run_id"]
    assert child != parent and f"`{child}`" in texts(ana)
    assert ana.button(key="train.stop") or "· **concluído** ·" in texts(ana)  # the view follows the new run
    rerun_until(ana, lambda a: "· **concluído** ·" in texts(a))
    store = manager().store
    assert store.status(child).epochs_done == 3 and store.config(child).continues == Continues(parent, 1)
    assert store.status(parent).epochs_done == 1 and store.history(parent)["epoch"] == [1]

    bia = open_as("bia", "training", "pt")  # asks for ana's 1-epoch settings: trains her own copy
    bia.number_input(key="train.w.epochs").set_value(1).run()
    bia.number_input(key="train.w.seed").set_value(32).run()
    bia.button(key="train.start").click().run()
    own = bia.session_state["train.run_id"]
    assert own != parent and store.owner(own)["owner"] == "bia"
    rerun_until(bia, lambda a: "· **concluído** ·" in texts(a))
    bia.button(key="train.start").click().run()  # the same again: her own cached answer
    assert bia.session_state["train.run_id"] == own and bia.session_state["train.cached"]
    assert store.status(parent).state == "done" and store.owner(parent)["owner"] == "ana"
    bia.switch_page(page_path("runs")).run()
    assert _runs_table(bia) == [own]
    ana.switch_page(page_path("runs")).run()
    ana.multiselect(key="runs.chosen").set_value([child]).run()
    assert f"{parent} → {child}" in texts(ana)  # lineage
    labels = [b.proto.label for b in ana.get("download_button")]
    assert "Baixar os pesos (.weights.h5)" in labels and "Baixar o modelo (.keras)" in labels
    assert "Carregar pesos (.weights.h5) na arquitetura de uma execução" in [e.label for e in ana.expander]


def test_a_share_link_reopens_exactly_the_same_setup():
    ana = open_as("ana", "architecture")
    ana.selectbox(key="arch.preset").set_value("fashion_mlp").run()
    ana.button(key="arch.load").click().run()
    assert "The dataset switched from Digits 8×8 (scikit-learn) to Fashion-MNIST" in texts(ana)
    assert ana.session_state["data.name"] == "fashion_mnist" and "203,530" in texts(ana)
    ana.number_input(key="arch.p.dense_1.units").set_value(128).run()  # an edit after opening the page
    ana.switch_page(page_path("training")).run()
    ana.number_input(key="train.w.epochs").set_value(3).run()
    ana.number_input(key="train.w.batch").set_value(64).run()
    ana.selectbox(key="train.w.optimizer").set_value("SGD").run()
    link = next(c.value for c in ana.code if "setup=" in c.value)
    token = link.split("setup=")[1]
    shared = setup_from_token(token)
    assert shared["spec"]["layers"][1]["config"]["units"] == 128 and shared["dataset"] == "fashion_mnist"

    bia = open_as("bia", "training", "pt", setup=token)
    assert not bia.exception and bia.query_params["setup"]  # kept in the address: a reload reopens it
    assert "Configuração compartilhada aberta" in bia.session_state["test.first_texts"]
    for key in ("data.name", "train.backend"):
        assert bia.session_state[key] == ana.session_state[key]
    assert bia.session_state["arch.spec"].to_json() == ana.session_state["arch.spec"].to_json()
    assert bia.session_state["train.settings"] == ana.session_state["train.settings"]
    params = "101.770"  # 784·128+128 + 128·10+10, in Portuguese
    assert params in texts(bia) and params.replace(".", ",") in texts(ana)

    def config(at: AppTest) -> dict:
        state = at.session_state
        return make_config(state["arch.spec"], state["data.name"], 0, "classes", state["train.settings"],
                           state["train.backend"])  # fmt: skip

    assert config_hash(config(bia)) == config_hash(config(ana))  # the same link is the same run


def test_teacher_mode_needs_the_configured_passphrase_and_then_manages_every_run(monkeypatch):
    from app_pages.parts.shared import manager

    ana = open_as("ana", "training")
    run = _train(ana, seed=33)
    prof = open_as("prof", "runs", "pt")
    assert "está desligado neste servidor" in texts(prof)  # no passphrase configured: no teacher mode
    monkeypatch.setenv("KP_TEACHER_PASSPHRASE", "quadro negro 42")
    import itertools

    from app_pages.parts import identity
    from lib.classroom import PassphraseGuard

    # A minute passes between tries here (the growing delay after a wrong try is tested in test_identities.py).
    patient = PassphraseGuard(clock=itertools.count(0, 60).__next__)
    monkeypatch.setattr(identity, "passphrase_guard", lambda: patient)
    prof.run()
    prof.text_input(key="widget.passphrase").input("quadro negro").run()
    assert "Essa não é a senha" in texts(prof) and "A turma" not in texts(prof)
    prof.text_input(key="widget.passphrase").input("quadro negro 42").run()
    assert "Modo professor: você vê" in texts(prof)
    table = prof.dataframe[0].value  # the class table: nickname, model, dataset, epochs, best, state, progress
    mine = table[table["Apelido"] == "ana"]
    assert not mine.empty and "concluído" in set(mine["Estado"]) and "1/1" in set(mine["Épocas"])
    prof.toggle(key="runs.whole_class").set_value(True).run()
    prof.multiselect(key="runs.chosen").set_value([run]).run()
    prof.button(key="runs.delete").click().run()
    prof.button(key="runs.confirm_yes").click().run()
    assert not manager().store.exists(run)  # a teacher may delete a student's run
    next(b for b in prof.button if b.key and b.key.startswith(f"runs.restore.{run}.")).click().run()
    assert manager().store.exists(run)
    prof.button(key="app.teacher_leave").click().run()
    assert "A turma" not in texts(prof)


def test_the_draw_page_starts_on_the_students_own_newest_run():
    ana = open_as("ana", "training")
    _train(ana, seed=34)
    bia = open_as("bia", "training")
    own = _train(bia, seed=35)
    newest = _train(ana, seed=36)  # someone else's run, newer than bia's
    bia.switch_page(page_path("draw")).run()
    assert bia.selectbox(key="draw.run").value == own
    ana.switch_page(page_path("draw")).run()
    assert ana.selectbox(key="draw.run").value == newest
    assert any(o.endswith("· ana") for o in bia.selectbox(key="draw.run").options)  # others' runs name their owner
