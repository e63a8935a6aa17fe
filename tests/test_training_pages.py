"""Training and Runs pages through AppTest: train, see it finish, get it cached, evaluate."""

from __future__ import annotations

import json

from tests.apptest_helpers import open_page, page_path, plotly_specs, rerun_until, texts


def _train_until_done(at) -> None:
    rerun_until(at, lambda a: "· **done** ·" in texts(a))


def test_train_see_curves_then_get_the_cached_run_and_evaluate_it():
    at = open_page("training", "en")
    assert "Labels go to the loss as class ids (0 to 9)." in texts(at)
    at.number_input(key="train.w.epochs").set_value(2).run()
    at.number_input(key="train.w.seed").set_value(7).run()
    at.button(key="train.start").click().run()
    assert not at.exception
    _train_until_done(at)
    curves = [json.loads(s) for s in plotly_specs(at)]
    loss = next(c for c in curves if c["layout"]["title"]["text"] == "loss")
    assert [t["name"] for t in loss["data"]] == ["per batch", "training", "validation"]
    assert loss["data"][1]["x"] == [1, 2]

    at.button(key="train.start").click().run()
    assert "already trained" in texts(at)

    at.switch_page(page_path("runs")).run()
    assert not at.exception
    assert at.dataframe[0].value.shape[0] >= 1
    shown = texts(at)
    assert "Evaluation on the test set" in shown
    downloads = [d.proto.label for d in at.get("download_button")]
    assert "Download script (.py)" in downloads and "Download config (JSON)" in downloads, downloads
    confusion = next(json.loads(s) for s in plotly_specs(at) if "Confusion matrix" in s)
    matrix = confusion["data"][0]["z"]
    assert sum(map(sum, matrix)) == 360  # every test sample counted once
    # The page opens on the mistake made most often, its images shown (the most confident first).
    n = max(matrix[t][p] for t in range(10) for p in range(10) if t != p)
    true, predicted = next((t, p) for t in range(10) for p in range(10) if t != p and matrix[t][p] == n)
    assert f"{n} “{true}” images taken for “{predicted}” (showing {min(n, 24)}" in shown


def test_impossible_loss_is_explained_in_portuguese():
    at = open_page("training", "pt")
    at.selectbox(key="train.w.loss").set_value("mean_absolute_error").run()
    assert "one-hot" in texts(at)
    at.selectbox(key="train.w.loss").set_value("binary_crossentropy").run()
    assert "uma coluna por classe" in texts(at)
    at.switch_page(page_path("architecture")).run()
    at.selectbox(key="arch.preset").set_value("boston_mlp").run()
    at.button(key="arch.load").click().run()
    at.switch_page(page_path("training")).run()
    assert not at.exception


def test_a_second_run_waits_for_the_first_and_out_of_range_settings_block_training():
    """One run at a time per session (a second click says why); a negative learning rate never trains."""
    at = open_page("training", "en")
    at.number_input(key="train.w.epochs").set_value(500).run()
    at.number_input(key="train.w.seed").set_value(11).run()
    at.button(key="train.start").click().run()
    assert not at.exception and at.button(key="train.stop")
    at.number_input(key="train.w.seed").set_value(12).run()
    at.button(key="train.start").click().run()
    assert "one run at a time" in texts(at)
    at.button(key="train.stop").click().run()
    rerun_until(at, lambda a: "· **stopped** ·" in texts(a))

    at = open_page("training", "pt")
    at.text_input(key="train.w.Adam.learning_rate.pt").set_value("-1").run()  # Portuguese: a text field with commas
    assert "learning_rate = -1 não é permitido: deve ficar entre 1e-06 e 10" in texts(at)
    assert at.button(key="train.start").disabled
    en = open_page("training", "en")
    en.number_input(key="train.w.Adam.learning_rate").set_value(-1.0).run()
    assert "learning_rate = -1 is not allowed" in texts(en)
    assert en.button(key="train.start").disabled
