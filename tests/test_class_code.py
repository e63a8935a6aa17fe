"""A class joins the teacher's setup by its code, and each student's Train is their own run."""

from __future__ import annotations

from tests.apptest_helpers import page_path, rerun_until, texts
from tests.test_class_pages import open_as


def test_a_student_joins_by_code_lands_on_the_teachers_setup_and_trains_their_own_run(monkeypatch):
    from app_pages.parts.shared import manager

    monkeypatch.setenv("KP_TEACHER_PASSPHRASE", "quadro negro 42")
    prof = open_as("Prof Ana", "training", "pt")
    prof.text_input(key="widget.passphrase").input("quadro negro 42").run()
    prof.number_input(key="train.w.epochs").set_value(1).run()
    prof.number_input(key="train.w.seed").set_value(77).run()
    prof.button(key="class.start").click().run()
    code = prof.session_state["class.code"]
    assert len(code) == 6 and f"{code[:3]} {code[3:]}" in "".join(m.value for m in prof.markdown)
    assert any(f"?class={code}&lang=pt" in c.value for c in prof.code)
    assert not [b for b in prof.button if b.key == "class.start"]  # the offer is gone once the code is shown
    prof.button(key="train.start").click().run()
    teachers = prof.session_state["train.run_id"]
    rerun_until(prof, lambda a: "· **concluído** ·" in texts(a))

    bia = open_as("bia", "home", "pt")
    bia.text_input(key="widget.class_code").input(code.lower()).run()  # typed in lower case
    assert "Você entrou na turma" in texts(bia) and bia.session_state["app.page"] == "training"
    bia.switch_page(page_path("training")).run()  # AppTest reruns its own page (a browser stays where it was sent)
    assert bia.session_state["arch.spec"].to_json() == prof.session_state["arch.spec"].to_json()
    assert bia.session_state["train.settings"] == prof.session_state["train.settings"]
    bia.button(key="train.start").click().run()
    own = bia.session_state["train.run_id"]
    assert own != teachers and manager().store.owner(own)["owner"] == "bia"
    assert manager().store.owner(teachers)["owner"] == "Prof Ana"

    scanned = open_as("caio", "home", "pt", **{"class": code})  # the QR code's address
    assert "class" not in scanned.query_params and scanned.session_state["train.settings"].fit.seed == 77
    unknown = open_as("duda", "home", "pt", **{"class": "ZZZZZZ"})
    assert "o código da turma" in unknown.session_state["test.first_texts"]
    prof.switch_page(page_path("architecture")).run()  # the class follows the teacher
    again = open_as("eva", "home", "pt")
    again.text_input(key="widget.class_code").input(code).run()
    assert again.session_state["app.page"] == "architecture"
