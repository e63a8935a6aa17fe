"""The Experiments page through AppTest: a sweep runs, fills its table and chart, and its best cell loads."""

from __future__ import annotations

import json

from tests.apptest_helpers import open_page, page_path, plotly_specs, rerun_until, texts


def _grid(at, params: dict[str, list]) -> None:
    if at.radio(key="widget.exp.kind").value != "sweep":  # the page opens on the baseline (lesson 5)
        at.radio(key="widget.exp.kind").set_value("sweep").run()
    at.multiselect(key="sweep.params").set_value(list(params)).run()
    for name, values in params.items():
        at.multiselect(key=f"sweep.values.{name}").set_value(values).run()


def _baseline(at) -> None:
    """Compute the baseline unless it is on disk already (another test of the session may have)."""
    if "exp.base.run" in [b.key for b in at.button]:
        at.button(key="exp.base.run").click().run()
    assert at.metric, "no baseline shown"


def test_a_grid_sweep_fills_its_table_and_chart_and_the_best_cell_goes_to_training():
    at = open_page("experiments", "en")
    assert at.radio(key="widget.exp.kind").value == "baseline"  # lesson 5: a baseline first
    at.radio(key="widget.exp.kind").set_value("sweep").run()
    _grid(at, {"epochs": [1, 2], "batch_size": [64, 128]})
    assert "4 cells, one run each." in texts(at)
    at.button(key="sweep.run").click().run()
    assert not at.exception
    rerun_until(at, lambda a: len(a.dataframe) > 0 and set(a.dataframe[0].value["State"]) == {"done"})
    assert at.get("progress")[0].proto.text == "4 of 4 cells finished"
    table = at.dataframe[0].value
    assert table.shape[0] == 4 and set(table["State"]) == {"done"}
    chart = next(json.loads(s) for s in plotly_specs(at) if "parcoords" in s)
    assert [d["label"] for d in chart["data"][0]["dimensions"]] == ["Batch size", "Epochs", "val_accuracy"]
    best = next(i for i, m in enumerate(table["Best validation (★ best cell)"]) if m.endswith("★"))
    at.button(key="sweep.mine.use_best").click().run()
    settings = at.session_state["train.settings"]
    best_cell = (int(table["Epochs"][best]), int(table["Batch size"][best]))
    assert (settings.fit.epochs, settings.fit.batch_size) == best_cell
    assert "now the Training page's setup" in texts(at)
    # The same sweep again costs nothing: every cell comes from the cache.
    at.button(key="sweep.run").click().run()
    assert "4 cells submitted; 4 of them were trained before" in texts(at)


def test_bad_sweeps_are_explained_in_portuguese():
    at = open_page("experiments", "pt")
    _grid(at, {"dropout": [0.0, 0.3]})
    assert "Taxa de dropout não pode variar: este modelo não tem camada Dropout" in texts(at)
    assert at.button(key="sweep.run").disabled
    _grid(at, {"epochs": [1, 2]})
    at.number_input(key="sweep.budget.grid").set_value(5).run()
    assert "O orçamento (5) é maior que a grade (2 células)" in texts(at)
    at.radio(key="sweep.mode").set_value("random").run()
    at.number_input(key="sweep.budget.random").set_value(0).run()
    assert "precisa de um orçamento de pelo menos 1" in texts(at)
    at.radio(key="widget.exp.kind").set_value("imbalance").run()
    at.multiselect(key="exp.imb.classes").set_value(list(range(10))).run()
    assert "Deixe pelo menos uma classe inteira" in texts(at)
    assert "exp.imb.run" not in [b.key for b in at.button]
    at.radio(key="widget.exp.kind").set_value("class").run()
    assert "Nenhuma varredura da turma aberta ainda" in texts(at)
    at.radio(key="widget.exp.kind").set_value("baseline").run()
    _baseline(at)
    assert not at.exception
    assert at.metric[0].label == "Sempre a classe mais frequente (acurácia no teste)"
    assert "Guardada no servidor" in texts(at)
    at.radio(key="widget.exp.kind").set_value("folds").run()
    assert at.button(key="exp.cv.run").label == "Validar de forma cruzada (3 execuções)"


def test_every_experiment_with_its_results_speaks_portuguese():
    """The i18n scan of tests/test_i18n_pages.py over each panel once its runs are done (not just the form)."""
    from lib.i18n import SEPARATORS
    from lib.model.presets import PRESETS
    from tests.test_i18n_pages import ENGLISH_ONLY, _visible, english_decimals

    at = open_page("experiments", "pt", nick="scan")
    settings = PRESETS["digits_mlp"].settings().with_fit(epochs=3)
    at.session_state["train.settings"] = settings
    at.session_state["data.train_samples"] = 600
    at.run()

    def scan(kind: str) -> None:
        shown, cells = _visible(at)
        assert not sorted({s for s in shown + cells if s in ENGLISH_ONLY}), kind
        assert not sorted({d for s in shown + cells for d in english_decimals(s)}), kind
        assert all(json.loads(s)["layout"].get("separators") == SEPARATORS["pt"] for s in plotly_specs(at)), kind

    _grid(at, {"learning_rate": [0.001, 0.01]})
    at.button(key="sweep.run").click().run()
    rerun_until(at, lambda a: len(a.dataframe) > 0 and set(a.dataframe[0].value["Estado"]) == {"concluída"})
    scan("sweep")
    at.radio(key="widget.exp.kind").set_value("folds").run()
    at.number_input(key="exp.cv.k").set_value(2).run()
    at.button(key="exp.cv.run").click().run()
    rerun_until(at, lambda a: len(a.metric) > 0 and "2 de 2 dobras" in a.metric[0].label)
    scan("folds")
    at.radio(key="widget.exp.kind").set_value("imbalance").run()
    at.button(key="exp.imb.run").click().run()
    rerun_until(at, lambda a: "Revocação: a fração" in texts(a))
    assert any("Revoca" in json.loads(s)["layout"]["title"]["text"] for s in plotly_specs(at))
    scan("imbalance")
    at.radio(key="widget.exp.kind").set_value("baseline").run()
    _baseline(at)
    scan("baseline")
    # The Runs table shows the baseline of each run's data beside its best validation score.
    at.switch_page(page_path("runs")).run()
    table = at.dataframe[0].value
    assert list(table.columns).index("Linha de base (teste)") == list(table.columns).index("Melhor validação") + 1
    assert any(cell.startswith("accuracy: linear 0,9") for cell in table["Linha de base (teste)"])
