"""lib/lessons: the lessons as data, their code, follow-mode files, class results, the lessons' numbers."""

from __future__ import annotations

import numpy as np
import pytest

from lib.lessons import explain, follow, lessons, locate
from lib.lessons.code import excerpt, exported, step_code
from lib.lessons.runs import class_results, fit_config, matches, my_run, personal_seed
from lib.train.config_check import config_problems
from lib.train.runstore import RunStore


def test_five_lessons_each_step_complete_in_both_languages():
    all_lessons = lessons()
    assert list(all_lessons) == [1, 2, 3, 4, 5]
    for lesson in all_lessons.values():
        ids = [s.id for s in lesson.steps]
        assert len(ids) == len(set(ids)) and len(ids) >= 8
        for step in lesson.steps:
            for text in (step.title, step.text):
                assert set(text) == {"en", "pt"} and all(v.strip() for v in text.values())
            assert step.text["en"] != step.text["pt"]


def test_lesson_1_follows_the_source_sections_and_its_network():
    ids = [s.id for s in lessons()[1].steps]
    assert ids == ["keras", "samples", "normalise", "sequential", "flatten", "dense", "dropout", "compile", "fit",
                   "overfitting", "predict", "draw"]  # fmt: skip
    model = excerpt("fashion_mlp", "model")
    for line in (
        "Flatten(",
        "Dense(units=256, activation='relu'",
        "Dropout(rate=0.2",
        "Dense(units=10, activation='softmax'",
    ):
        assert line in model
    assert "loss='sparse_categorical_crossentropy'" in excerpt("fashion_mlp", "compile")
    assert "validation_split=0.2" in excerpt("fashion_mlp", "fit")


def test_step_code_is_the_exported_scripts_own_lines():
    for lesson in lessons().values():
        for step in lesson.steps:
            if step.code_from:
                block = excerpt(*step.code_from)
                assert block in step_code(step)
                assert all(line.strip() in exported(step.code_from[0]) for line in block.splitlines())


def test_locate_clamps_what_an_address_gives():
    assert locate("1", "4") == (1, 4)
    assert locate(None, None) == (1, 1)
    assert locate("0", "-3") == (1, 1)
    assert locate("9", "99") == (5, len(lessons()[5].steps))
    assert locate("abc", "2") == (1, 2)


def test_teacher_step_and_heartbeats_in_the_runs_folder(tmp_path):
    assert follow.teacher_step(tmp_path) is None
    follow.set_teacher_step(1, 3, by="prof", root=tmp_path, now=100.0)
    assert follow.teacher_step(tmp_path) == {"lesson": 1, "step": 3, "by": "prof", "time": 100.0}
    follow.set_projected("ana", root=tmp_path)
    follow.set_teacher_step(1, 4, by="prof", root=tmp_path, now=101.0)
    assert follow.teacher_step(tmp_path)["projected"] == "ana"  # a move keeps what is on the projector
    assert follow.active_teacher_step(tmp_path, now=102.0)["step"] == 4
    assert follow.active_teacher_step(tmp_path, now=101.0 + follow.LEAD_AGE_S + 1) is None  # yesterday's lesson
    (tmp_path / follow.STATE_FILE).write_text("{broken")
    assert follow.teacher_step(tmp_path) is None
    follow.heartbeat("ana", 1, 4, root=tmp_path, now=200.0)
    follow.heartbeat("bia", 1, 4, root=tmp_path, now=205.0)
    follow.heartbeat("caio", 1, 2, root=tmp_path, now=150.0)  # left 55 s ago
    follow.heartbeat("prof", 1, 4, root=tmp_path, now=205.0)
    follow.heartbeat("ana/../x", 2, 1, root=tmp_path, now=205.0)  # any nickname is a safe file name
    beats = follow.heartbeats(tmp_path, now=206.0)
    assert {b["nickname"] for b in beats} == {"ana", "bia", "prof", "ana/../x"}
    assert follow.students_per_step(beats, 1, teacher="prof") == {4: ["bia", "ana"]}
    assert all(p.parent.name == follow.HEARTBEATS for p in tmp_path.rglob("*.json") if p.name != follow.STATE_FILE)


def _run(store: RunStore, config: dict, nick: str, accuracy: list[float], state: str = "done") -> str:
    run_id = store.create(config, nick)
    store.write_history(run_id, {"epoch": list(range(1, len(accuracy) + 1)), "metrics": {"val_accuracy": accuracy}})
    store.update_status(run_id, state=state, epochs_done=len(accuracy))
    return run_id


def test_class_results_one_row_per_student_from_the_run_store(tmp_path):
    store = RunStore(tmp_path)
    ana = _run(store, fit_config("digits_mlp", seed=1, epochs=2), "ana", [0.80, 0.90])
    _run(store, fit_config("digits_mlp", seed=2, epochs=2), "bia", [0.70, 0.85])
    store.claim(ana, "caio")  # caio asked for the same settings: the same run, his result too
    _run(store, fit_config("digits_mlp", seed=3, epochs=2, raw_pixels=True), "dan", [0.5])  # not this step's run
    _run(store, fit_config("fashion_mlp", seed=3, epochs=1, samples=100), "eva", [0.6])  # another network
    elsewhere = fit_config("digits_mlp", seed=4, epochs=2).replace(dataset="own_00000000beef")
    _run(store, elsewhere, "fred", [0.99])  # the same network on a class's own drawings: another lesson's result
    rows = class_results(store, "digits_mlp")
    assert [(r["nickname"], r["value"]) for r in rows] == [("ana", 0.90), ("caio", 0.90), ("bia", 0.85)]
    assert my_run(store, "digits_mlp", "bia") != ana and my_run(store, "digits_mlp", "zoe") is None


def test_a_lesson_run_is_an_ordinary_checked_config():
    config = fit_config("fashion_mlp", seed=personal_seed("ana"), epochs=5)
    assert config_problems(config) == [] and matches(config, "fashion_mlp")
    assert config.fit.validation_split == 0.2 and config.fit.epochs == 5
    assert personal_seed("ana") == personal_seed("ana") != personal_seed("bia")
    raw = fit_config("fashion_mlp", raw_pixels=True)
    assert raw.pixels == "raw" and config_problems(raw) == []
    assert config_problems(raw.replace(pixels="half"))  # only "raw" exists
    lesson3 = fit_config("sigmoid_mlp", loss="categorical_crossentropy", test_fraction=0.25)
    assert lesson3.compile.loss == "categorical_crossentropy"
    assert lesson3.fit.test_fraction == 0.25 and config_problems(lesson3) == []


def test_raw_pixels_reach_training_undivided():
    from lib.train.training import training_arrays

    scaled = training_arrays(fit_config("digits_mlp"))[0]
    raw = training_arrays(fit_config("digits_mlp", raw_pixels=True))[0]
    assert scaled.max() <= 1.0 and raw.max() == pytest.approx(16.0) and np.allclose(raw, scaled * 16)


def test_the_lessons_numbers():
    assert explain.one_hot(4) == [0, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    assert explain.dense_params(784, 256) == 200960 and explain.dense_params(256, 10) == 2570
    rng = np.random.default_rng(0)
    x, kernel, bias = rng.random(784), explain.glorot_uniform(784, 256), rng.normal(size=256)
    step = explain.dense_step(x, kernel, bias)
    assert np.allclose(step.out, np.maximum(x @ kernel + bias, 0)) and step.out[step.unit] == step.out.max()
    assert np.abs(kernel).max() <= np.sqrt(6 / (784 + 256))
    e = explain.backprop_example()
    eps = 1e-6
    numeric = (explain.backprop_example(w1=0.5 + eps)["loss"] - e["loss"]) / eps
    assert e["d_w1"] == pytest.approx(numeric, rel=1e-3) and e["new_loss"] < e["loss"]
    normed = explain.batch_norm(rng.gamma(2.0, 3.0, (64, 4)))
    assert np.allclose(normed.mean(axis=0), 0, atol=1e-9) and np.allclose(normed.std(axis=0), 1, atol=1e-3)
    losses = explain.regression_losses(10.0, np.array([10.0, 12.0]))
    assert losses["mean_squared_error"].tolist() == [0.0, 4.0] and losses["mean_absolute_error"][1] == 2.0
    assert explain.crossentropy(1.0) == pytest.approx(0.0, abs=1e-6)
