"""The Experiments page through AppTest: a sweep runs, fills its table and chart, and its best cell loads."""

from __future__ import annotations

import json

from tests.apptest_helpers import open_page, plotly_specs, rerun_until, texts


def _grid(at, params: dict[str, list]) -> None:
    at.multiselect(key="sweep.params").set_value(list(params)).run()
    for name, values in params.items():
        at.multiselect(key=f"sweep.values.{name}").set_value(values).run()


def test_a_grid_sweep_fills_its_table_and_chart_and_the_best_cell_goes_to_training():
    at = open_page("experiments", "en")
    assert at.radio(key="widget.exp.kind").value == "sweep"
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
    at.button(key="exp.base.run").click().run()
    assert not at.exception
    assert at.metric[0].label == "Sempre a classe mais frequente (acurácia no teste)"
    assert "Guardada no servidor" in texts(at)
    at.radio(key="widget.exp.kind").set_value("folds").run()
    assert at.button(key="exp.cv.run").label == "Validar de forma cruzada (3 execuções)"
