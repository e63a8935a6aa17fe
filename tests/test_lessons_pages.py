"""The Lessons page: every step of every lesson in both languages, training inside a step, follow mode."""

from __future__ import annotations

import pytest

from lib.i18n import number, pick
from lib.lessons import follow, lessons
from lib.lessons.code import step_code
from tests.apptest_helpers import open_page, rerun_until, texts

# What each live part puts on the page before anything is trained: ("kind", key or None).
PART_SHOWS = {
    "keras_datasets": ("dataframe", None), "samples": ("plotly", None), "normalise": ("plotly", None),
    "summary": ("dataframe", None), "flatten": ("plotly", None), "dense": ("plotly", None),
    "dropout": ("plotly", None), "compile": ("dataframe", None), "fit": ("button", "les.train.{preset}"),
    "overfitting": ("button", "les.train.{preset}.here"), "predict": ("button", "les.train.{preset}.here"),
    "draw": ("button", "les.train.{preset}.here"), "playground": ("button", "demo.pg.train"),
    "activations": ("plotly", None), "backprop": ("dataframe", None), "split": ("plotly", None),
    "onehot": ("dataframe", None), "crossentropy": ("dataframe", None), "fit3": ("button", "les.fit3.long"),
    "curves3": ("button", "les.train.{preset}.here"), "report": ("metric", None), "convolution": ("plotly", None),
    "pooling": ("plotly", None), "networks": ("dataframe", None), "gan": ("button", "demo.gan.train"),
    "autoencoder": ("button", "demo.ae.train"), "dense_params": ("number_input", "les.dp.in"),
    "batchnorm": ("plotly", None), "regression_losses": ("plotly", None), "classification_losses": ("plotly", None),
    "baseline": ("button", "exp.base.run"), "splits": ("plotly", None), "augmentation": ("plotly", None),
    "transfer": ("button", "demo.tl.run"), "sweep": ("button", "sweep.run"), "folds": ("button", "exp.cv.run"),
    "imbalance": ("button", "exp.imb.run"),
}  # fmt: skip
STEPS = [
    (n, i, lang) for n, lesson in lessons().items() for i in range(1, len(lesson.steps) + 1) for lang in ("en", "pt")
]


def _shows(at, step) -> bool:
    kind, key = PART_SHOWS[step.part]
    if step.part == "baseline" and at.metric:  # computed by an earlier test: cached in the shared run store
        return True
    if kind == "plotly":
        return bool(at.get("plotly_chart"))
    if kind in ("dataframe", "metric"):
        return bool(getattr(at, kind))
    key = key.format(preset=step.params.get("preset", ""))
    return key in [w.key for w in getattr(at, kind)]


def _page_text(at) -> str:
    return texts(at) + "\n".join(c.value for c in at.code)


@pytest.mark.parametrize(("lesson", "number_", "lang"), STEPS, ids=[f"{n}.{i}-{lang}" for n, i, lang in STEPS])
def test_every_step_opens_from_its_address_with_its_live_part_and_numbers(lesson, number_, lang):
    step = lessons()[lesson].steps[number_ - 1]
    at = open_page("lessons", lang, lesson=str(lesson), step=str(number_))
    assert not at.exception, at.exception
    assert at.title[0].value == f"{lesson}.{number_} · {pick(step.title, lang)}"
    assert pick(step.text, lang) in texts(at)
    if step_code(step):
        assert at.code[0].value == step_code(step)
    assert _shows(at, step), f"{step.part} shows nothing"
    shown = _page_text(at)
    for figure in step.numbers:
        text = figure if isinstance(figure, str) else number(figure[0], lang, figure[1])
        assert text in shown, (text, step.id)
    assert (at.query_params["lesson"], at.query_params["step"]) == (str(lesson), str(number_))


def test_next_and_previous_move_through_the_lesson_and_the_address_follows():
    at = open_page("lessons", "en", lesson="1", step="1")
    at.button(key="les.next").click().run()
    assert at.title[0].value.startswith("1.2 ·") and at.query_params["step"] == "2"
    at.button(key="les.next").click().run()
    at.button(key="les.prev").click().run()
    assert at.title[0].value.startswith("1.2 ·")
    last = len(lessons()[1].steps)
    at = open_page("lessons", "en", lesson="1", step=str(last))
    at.button(key="les.next").click().run()  # the last step of a lesson leads to the next lesson
    assert at.title[0].value.startswith("2.1 ·") and at.query_params["lesson"] == "2"


def test_a_bad_address_opens_the_nearest_step():
    at = open_page("lessons", "en", lesson="9", step="x")
    assert at.title[0].value.startswith("5.1 ·")


def test_lesson_1_trains_in_its_fit_step_then_later_steps_use_that_run(tmp_path):
    at = open_page("lessons", "en", lesson="1", step="9", nick="ana-test")
    at.number_input(key="les.fashion_mlp.samples").set_value(600).run()
    at.number_input(key="les.fashion_mlp.epochs").set_value(1).run()
    at.button(key="les.train.fashion_mlp").click().run()
    rerun_until(at, lambda a: "· **done** ·" in texts(a))
    table = at.table[-1].value
    assert "ana-test" in list(table["Student"]) and table["Best validation"].iloc[0].startswith("val_accuracy 0.")
    later = (
        (11, "`argmax` = **"),
        (10, "Best validation at epoch 1 of 1"),
        (6, "With the weights of your trained run"),
    )
    for step, expect in later:  # each step's own address, the same student: their run is found by nickname
        at = open_page("lessons", "en", lesson="1", step=str(step), nick="ana-test")
        assert expect in texts(at), texts(at)
    other = open_page("lessons", "en", lesson="1", step="11", nick="someone-else")
    assert "les.train.fashion_mlp.here" in [b.key for b in other.button]  # not trained yet: train here


def test_a_following_student_jumps_to_the_teachers_step(monkeypatch, tmp_path):
    monkeypatch.setenv("KP_RUNS_DIR", str(tmp_path))  # the class's files, for this test only
    at = open_page("lessons", "pt", lesson="1", step="1", nick="bia-test")
    follow.set_teacher_step(1, 4, by="prof")
    at.run()  # (the follow check runs every second in the browser; here on the next run)
    assert at.title[0].value.startswith("1.4 ·")
    beats = follow.students_per_step(follow.heartbeats(), 1)
    assert "bia-test" in beats.get(4, []) or "bia-test" in beats.get(1, [])
    at.toggle(key="widget.les.follow").set_value(False).run()
    follow.set_teacher_step(1, 6, by="prof")
    at.run()
    assert at.title[0].value.startswith("1.4 ·")  # not following: stays


def test_a_class_the_teacher_let_go_is_not_pulled(monkeypatch, tmp_path):
    monkeypatch.setenv("KP_RUNS_DIR", str(tmp_path))
    follow.set_teacher_step(1, 4, by="prof")
    follow.release()  # the teacher turned "Lead the class" off
    assert follow.active_teacher_step() is None
    at = open_page("lessons", "en", lesson="1", step="2", nick="cris-test")
    at.run()
    assert at.title[0].value.startswith("1.2 ·")
    follow.set_teacher_step(1, 5, by="prof")  # leading again pulls the class again
    at.run()
    assert at.title[0].value.startswith("1.5 ·")


def test_presenter_view_from_the_address_hides_the_sidebar_and_enlarges_charts():
    at = open_page("lessons", "en", lesson="1", step="3", present="1")
    assert any("stSidebar" in str(h.proto) for h in at.get("html"))
    import json

    heights = [json.loads(c.proto.spec)["layout"]["height"] for c in at.get("plotly_chart")]
    assert heights and min(heights) >= 460
    at.toggle(key="widget.les.present").set_value(False).run()
    assert "present" not in at.query_params
