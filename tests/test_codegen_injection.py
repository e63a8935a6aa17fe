"""Issue 27, finding 1: no user text ever becomes code in an exported script.

The report: an uploaded dataset's title (its file name) went unescaped into a comment of
the exported script, so a title with a newline and an indented command ran that command.
Here every user string that reaches the script (model name, layer names, the dataset's
title, class names and column names, the nickname that exported it) is arbitrary Unicode
(newlines, ``\\r``, U+2028, quotes, backslashes, ``#``, braces, payloads that would record
that they ran). Each script must parse, keep every such string only as a literal that reads
back exactly, keep the same comments as a script with plain names, and run without any
payload running. One script, with the report's title, is run for real in a subprocess.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import io
import subprocess
import sys
import tokenize
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.data import datasets
from lib.model.analysis import Target, analyse
from lib.model.codegen import export_script
from lib.model.presets import PRESETS
from lib.model.spec import INPUT_ID
from lib.model.train_config import TrainSettings

ROOT = Path(__file__).resolve().parents[1]
OWN = "own_0123456789ab"
PAYLOADS = [
    '__import__("builtins").KP_PWNED.append(1)',
    '\n__import__("builtins").KP_PWNED.append(2)\n',
    '\n    __import__("builtins").KP_PWNED.append(3)\n',
    '"""\n__import__("builtins").KP_PWNED.append(4)\n"""',
    "'''\n__import__('builtins').KP_PWNED.append(5)\n'''",
    '")\n__import__("builtins").KP_PWNED.append(6)\n#',
    "\r__import__('builtins').KP_PWNED.append(7)\r",
    "\u2028__import__('builtins').KP_PWNED.append(8)",
    "\\\n__import__('builtins').KP_PWNED.append(9)",
    "{model_name}{0}{{}}", "\x00", "\x0c", "\u2029", "\ufeff", "# -*- coding: latin-1 -*-",
]  # fmt: skip
HOSTILE = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(PAYLOADS) | st.text(max_size=6), min_size=1, max_size=4).map("".join),
)


def _own_info(title: str, classes: list[str], columns: list[str], kind: str) -> datasets.DatasetInfo:
    base = datasets.REGISTRY["digits"]
    shape = (8, 8, 1) if kind == "image" else (len(columns),)
    return dataclasses.replace(base, name=OWN, kind=kind, title=title, class_names=tuple(classes),
                               feature_names=tuple(columns), input_shape=shape, num_classes=len(classes),
                               origin_host=None, standardized=kind == "tabular")  # fmt: skip


def _renamed(preset_id: str, shape: tuple, model_name: str, layer_names: list[str]):
    """The preset's spec with hostile model and layer names (ids kept unique, inputs rewired)."""
    spec = PRESETS[preset_id].spec(shape)
    mapping = {INPUT_ID: INPUT_ID}
    for i, node in enumerate(spec.nodes):
        wanted = layer_names[i % len(layer_names)] + ("" if i < len(layer_names) else f"~{i}")
        while wanted in mapping.values() or wanted == INPUT_ID:
            wanted += "'"
        mapping[node.id] = wanted
    for node in spec.nodes:
        node.id = mapping[node.id]
        node.inputs = [mapping[i] for i in node.inputs]
    spec.name = model_name
    return spec


def _layer_call(node: ast.Call) -> bool:
    text = ast.unparse(node.func)
    return text.startswith("keras.layers.") or text == "keras.Input"


def _comments(script: str) -> list[str]:
    return [t.string for t in tokenize.generate_tokens(io.StringIO(script).readline) if t.type == tokenize.COMMENT]


def _script(preset_id, model_name, layer_names, title, classes, columns, nick, kind):
    info = _own_info(title, classes, columns, kind)
    shape = info.input_shape
    spec = _renamed(preset_id, shape, model_name, layer_names)
    target = Target("classes", 10)  # (the presets' output; the class names are what the script carries)
    return spec, export_script(spec, analyse(spec, target), OWN, target, TrainSettings(), exported_by=nick, info=info)


CASES = {"mlp": ("digits_mlp", "image"), "functional": ("two_branch_cnn", "image"), "table": ("digits_mlp", "tabular")}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=st.sampled_from(sorted(CASES)),
    model_name=HOSTILE,
    layer_names=st.lists(HOSTILE, min_size=1, max_size=6),
    title=HOSTILE,
    classes=st.lists(HOSTILE, min_size=2, max_size=4),
    columns=st.lists(HOSTILE, min_size=1, max_size=4),
    nick=HOSTILE,
)
def test_no_user_string_becomes_code(case, model_name, layer_names, title, classes, columns, nick):
    preset_id, kind = CASES[case]
    spec, script = _script(preset_id, model_name, layer_names, title, classes, columns, nick, kind)
    tree = ast.parse(script)
    constants = {n.targets[0].id: ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)}
    assert constants == {"MODEL_NAME": model_name, "DATASET": OWN, "DATASET_TITLE": title, "CLASS_NAMES": classes,
                         "FEATURE_NAMES": columns, "EXPORTED_BY": nick}  # fmt: skip
    # Every layer's name reads back exactly, as the name= string of its keras.layers call.
    names = [kw.value.value for node in ast.walk(tree) if isinstance(node, ast.Call) and _layer_call(node)
             for kw in node.keywords if kw.arg == "name" and isinstance(kw.value, ast.Constant)]  # fmt: skip
    assert sorted(names) == sorted([INPUT_ID, *[n.id for n in spec.nodes]])
    # No identifier and no comment comes from user text: the same as with plain names.
    _, plain = _script(preset_id, "m", ["a"] * len(layer_names), "t", ["c"] * len(classes),
                       ["f"] * len(columns), "n", kind)  # fmt: skip
    identifiers = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert identifiers == {n.id for n in ast.walk(ast.parse(plain)) if isinstance(n, ast.Name)}
    assert _comments(script) == _comments(plain)
    # Run it (as a module: the constants, imports and definitions); no payload may run.
    builtins.KP_PWNED = []
    try:
        exec(compile(script, "exported.py", "exec"), {"__name__": "exported"})
        assert builtins.KP_PWNED == []
    finally:
        del builtins.KP_PWNED


def test_the_title_from_the_report_runs_nothing_in_a_real_run(tmp_path):
    """The finding as reported, run for real: an uploaded table whose title ends a comment line."""
    marker = tmp_path / "pwned"
    title = f'data\n    open({str(marker)!r}, "w").write("ran")\n'
    info = _own_info(title, ["no", "yes"], ["a\nimport os", "b"], "tabular")
    spec = _renamed("digits_mlp", (2,), 'm"""\nopen("x","w")', ["dense'\n#", "out\u2028"])
    target = Target("classes", 10)
    script = export_script(spec, analyse(spec, target), OWN, target, TrainSettings(), exported_by="ana\r\nos",
                           info=info)  # fmt: skip
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(60, 2)).astype("float32"), rng.integers(0, 2, 60)
    np.savez(tmp_path / f"{OWN}.npz", x_train=x[:40], y_train=y[:40], x_test=x[40:], y_test=y[40:])
    (tmp_path / "exported.py").write_text(script, encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "KERAS_BACKEND": "jax", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "exported.py", "--epochs", "1"], check=False, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "RESULT " in done.stdout
    assert not marker.exists() and not (tmp_path / "x").exists()
