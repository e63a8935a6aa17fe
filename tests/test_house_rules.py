"""The house's rules that ARCHITECTURE.md states, read from the code itself (no app is run).

Each rule is checked against every module, and each check is shown to catch a breach (a
snippet that breaks the rule must be reported), so that a rule cannot pass by finding nothing.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path

import pytest

from lib.train.runstore import SIDE_FILES, WORKER_SEED, RunStore

ROOT = Path(__file__).resolve().parents[1]
CODE = sorted(p for folder in ("lib", "app_pages", "bench", "scripts") for p in (ROOT / folder).rglob("*.py"))
APP_CODE = [ROOT / "app.py", *sorted((ROOT / "app_pages").rglob("*.py"))]  # where a session's state is used
KEYS_MODULE = ROOT / "app_pages" / "parts" / "keys.py"
RUN_STORE = ROOT / "lib" / "train" / "runstore.py"
RUN_FILES = {*WORKER_SEED, "config.json", "owner.json", "model.keras", "checkpoint.keras"}
# Where a run config's JSON form is read or written key by key (lib/train/run_config.py): why each may.
CONFIG_BOUNDARY = {
    "lib/train/run_config.py": "the config's own module: its JSON form in and out",
    "lib/model/train_config.py": "the compile/fit settings' own JSON form",
    "lib/train/config_check.py": "checks the JSON form (what names the run, also from a link or an import)",
    "lib/train/runstore.py": "config.json on disk: a damaged folder is named before the type reads it",
    "lib/train/setup_link.py": "a share link's JSON, checked part by part",
}
# Modules whose ``config`` is another thing: module -> what it is.
NOT_RUN_CONFIGS = {"lib/model/layers.py": "a layer's config (its Keras arguments), in every shape function"}
SETTING_KEYS = ("fit", "compile")  # a lookup by these keys is a settings dict's anywhere
# Files named like a run's, that are not a run's: (module, name) -> why.
NOT_RUN_FILES = {
    ("lib/train/model_import.py", "config.json"): "the config.json inside an uploaded .keras archive",
}


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def run_folder_breaches(source: str, module: str) -> list[str]:
    """Where ``source`` builds a run's path (``<something>store.path(...)``) or names a run's file."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "path":
            receiver = ast.unparse(node.func.value)
            if re.search(r"store$", receiver):
                out.append(f"{module}:{node.lineno} {receiver}.path(...)")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in RUN_FILES:
            if (module, node.value) not in NOT_RUN_FILES:
                out.append(f"{module}:{node.lineno} {node.value!r}")
    return out


def _config_like(node: ast.expr) -> bool:
    """A name or call that holds a run config: ``config``, ``cfg``, ``base_config``, ``store.config(r)``."""
    if isinstance(node, ast.Name):
        return re.search(r"(^|_)(config|cfg)$", node.id) is not None
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "config"


def raw_config_lookups(source: str, module: str) -> list[str]:
    """Where ``source`` reads a run config as a dict: ``config["fit"]``, ``x["compile"]``, ``config.get("dataset")``."""
    out = []
    for node in ast.walk(ast.parse(source)):
        key = node.slice.value if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) else None
        if isinstance(key, str):
            if key in SETTING_KEYS or _config_like(node.value):
                out.append(f"{module}:{node.lineno} {ast.unparse(node)}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            if _config_like(node.func.value):
                out.append(f"{module}:{node.lineno} {ast.unparse(node)}")
    return out


def streamlit_imports(source: str, module: str) -> list[str]:
    """Where ``source`` imports Streamlit (or a Streamlit component)."""
    out = []
    for node in ast.walk(ast.parse(source)):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        out += [f"{module}:{node.lineno} {n}" for n in names if n.split(".")[0].startswith("streamlit")]
    return out


def module_imports(source: str, package: str = "lib") -> set[str]:
    """The ``package`` modules ``source`` imports when it is loaded (top level, not inside functions)."""
    found = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == package}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == package:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def import_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the module graph, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        stack.append(name)
        for other in sorted(graph.get(name, ())):
            if state.get(other) == 1:
                return [*stack[stack.index(other) :], other]
            if other in graph and not state.get(other) and (cycle := visit(other)):
                return cycle
        stack.pop()
        state[name] = 2
        return None

    for name in sorted(graph):
        if not state.get(name) and (cycle := visit(name)):
            return cycle
    return None


# Session-state keys: where app.py and app_pages/ name one (lib/ has no session).
KEY_CALLS = {"bind": 0, "set_value": 0, "switch_value": 0, "widget_key_of": 0, "fraction_slider": 2, "page_choice": 1}
PREFIX_CALLS = {"forget": 0}  # drops every key that starts with its argument: a family
DICT_CALLS = {"_defaults_once": 2}  # the keys of its dict literal are set (own_data.py)


def _key_text(node: ast.expr, names: dict[str, str]) -> str | None:
    """A key expression as text, ``*`` where a part is made at run time; None when it is not spelled out."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "*" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _key_text(node.left, names), _key_text(node.right, names)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.Name | ast.Attribute):
        return names.get(ast.unparse(node))
    return None


def string_constants(source: str) -> dict[str, str]:
    """``NAME = "text"`` (an f-string, a sum) anywhere in ``source``; a name given two values is left out."""
    found: dict[str, str | None] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            text = _key_text(node.value, {k: v for k, v in found.items() if v is not None})
            name = node.targets[0].id
            if text is not None:
                found[name] = text if found.get(name, text) == text else None
    return {k: v for k, v in found.items() if v is not None}


def _names_and_receivers(tree: ast.Module, source: str, others: dict[str, dict[str, str]]) -> tuple[dict, set]:
    """The string names a module can use (its own, and those it imports) and its names of the session state."""
    names = string_constants(source)
    receivers = {"session_state"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                as_name = alias.asname or alias.name
                if (text := others.get(node.module.split(".")[-1], {}).get(alias.name)) is not None:
                    names[as_name] = text  # from app_pages.parts.keys import DATA_NAME
                names |= {f"{as_name}.{n}": t for n, t in others.get(alias.name, {}).items()}  # keys.DATA_NAME
        elif isinstance(node, ast.Assign) and ast.unparse(node.value).endswith("session_state"):
            receivers |= {t.id for t in node.targets if isinstance(t, ast.Name)}  # state = st.session_state
    return names, receivers


def _key_spots(node: ast.AST, is_state) -> tuple[list[ast.expr], list[ast.expr]]:
    """The expressions that name a key at ``node``, and those that name a family by its prefix."""
    if isinstance(node, ast.Subscript) and is_state(node.value):
        return [node.slice], []
    if isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.In | ast.NotIn):
        return ([node.left] if is_state(node.comparators[0]) else []), []
    if not isinstance(node, ast.Call):
        return [], []
    func, args = node.func, node.args
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if isinstance(func, ast.Attribute) and name in ("get", "setdefault", "pop") and is_state(func.value):
        return args[:1], []
    if name in KEY_CALLS and len(args) > KEY_CALLS[name]:
        return [args[KEY_CALLS[name]]], []
    if name in PREFIX_CALLS and len(args) > PREFIX_CALLS[name]:
        return [], [args[PREFIX_CALLS[name]]]
    if name in DICT_CALLS and len(args) > DICT_CALLS[name] and isinstance(values := args[DICT_CALLS[name]], ast.Dict):
        return [k for k in values.keys if k is not None], []
    return [], []


def session_keys(source: str, module: str, others: dict[str, dict[str, str]] | None = None) -> dict[str, list[str]]:
    """Every session-state key ``source`` spells out: the key (a pattern with ``*``) -> where.

    ``others``: the string constants of the modules it may import (``address.SEEN``, ``keys.DATA_NAME``).
    A key held in a variable (``bind``'s own ``key``) is not spelled out here: its callers spell it.
    """
    tree = ast.parse(source)
    names, receivers = _names_and_receivers(tree, source, others or {})

    def is_state(node: ast.expr) -> bool:
        return ast.unparse(node).split(".")[-1] in receivers

    found: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        spots, prefixes = _key_spots(node, is_state)
        for spot, suffix in [*((s, "") for s in spots), *((p, "*") for p in prefixes)]:
            if (text := _key_text(spot, names)) is not None:
                found.setdefault(text + suffix, []).append(f"{module}:{getattr(node, 'lineno', 0)}")
    return found


def test_no_module_but_the_run_store_builds_a_run_path_or_names_a_run_file():
    breaches = [b for p in CODE if p != RUN_STORE for b in run_folder_breaches(p.read_text(), _relative(p))]
    assert breaches == []


def test_the_run_folder_rule_catches_a_breach():
    bad = 'folder = manager().store.path(run_id)\nread_json(folder / "history.json")\nself.store.path(r)\n'
    assert len(run_folder_breaches(bad, "x.py")) == 3
    assert run_folder_breaches('Path("/tmp").joinpath("a")\nstore.best_model_path(r)\n', "x.py") == []


def test_a_run_config_is_read_by_attribute_outside_its_module_and_the_json_boundary():
    """``config.fit.epochs``, not ``config["settings"]["fit"]["epochs"]`` (lib/train/run_config.py)."""
    # The browser tests read what the app wrote through the same store API (one read there the
    # rule did not cover broke with the typed config and was only seen in a browser run).
    browser_tests = sorted((ROOT / "tests" / "browser").glob("*.py"))
    outside = [p for p in [*CODE, *browser_tests] if _relative(p) not in CONFIG_BOUNDARY | NOT_RUN_CONFIGS]
    assert [b for p in outside for b in raw_config_lookups(p.read_text(), _relative(p))] == []
    assert all((ROOT / module).exists() for module in CONFIG_BOUNDARY | NOT_RUN_CONFIGS)
    layers = (ROOT / "lib/model/layers.py").read_text()
    assert not re.search(r"RunConfig|run_config|\[\"(fit|compile|settings)\"\]", layers)  # no run config in it


def test_the_raw_config_rule_catches_a_breach():
    bad = (
        'e = config["settings"]["fit"]["epochs"]\nd = store.config(r)["dataset"]\nx = cfg.get("kind", "fit")\n'
        'lr = settings["compile"]["optimizer_params"]\nb = base_config["backend"]\n'
    )
    assert len(raw_config_lookups(bad, "x.py")) == 6  # the fit lookup counts twice: ["fit"] and config[...]
    fine = 'u = node.config["units"]\ne = config.fit.epochs\nd = store.config(r).dataset\np = parts["dataset"]\n'
    assert raw_config_lookups(fine, "x.py") == []


def test_side_files_are_the_declared_ones(tmp_path):
    store = RunStore(tmp_path)
    store.write_side("abc", "frames.npz", b"frames")
    assert store.read_side("abc", "frames.npz") == b"frames" and store.read_side("abc", "samples.npy") is None
    with pytest.raises(ValueError, match="SIDE_FILES"):
        store.write_side("abc", "history.json", b"{}")  # a run's own file is the store's, not a side file
    with pytest.raises(ValueError):
        store.read_side("abc", "../../etc/passwd")
    assert set(SIDE_FILES) & RUN_FILES == set()


def test_lib_imports_no_streamlit():
    lib = [p for p in CODE if _relative(p).startswith("lib/")]
    assert [b for p in lib for b in streamlit_imports(p.read_text(), _relative(p))] == []
    assert streamlit_imports("import streamlit as st\nfrom streamlit_drawable_canvas import x\n", "x.py")


def test_lib_has_no_import_cycle():
    modules = {".".join(p.relative_to(ROOT).with_suffix("").parts): p for p in (ROOT / "lib").rglob("*.py")}
    modules = {name.removesuffix(".__init__"): p for name, p in modules.items()}
    graph = {n: {m for m in module_imports(p.read_text()) if m in modules and m != n} for n, p in modules.items()}
    assert import_cycle(graph) is None
    assert import_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def page_imports(source: str, module: str, pages: set[str]) -> list[str]:
    """Where ``source`` imports one of ``pages`` (``from app_pages import draw``, ``"app_pages.draw"``)."""
    out = []
    for node in ast.walk(ast.parse(source)):
        named: list[str] = []
        if isinstance(node, ast.Import):
            named = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == "app_pages":
            named = [f"app_pages.{a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            named = [node.module]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            named = re.findall(r"^app_pages\.\w+$", node.value)  # importlib.import_module("app_pages.x")
        hits = [n for n in named if n.startswith("app_pages.") and n.split(".")[1] in pages]
        out += [f"{module}:{node.lineno} {n}" for n in hits]
    return out


def _page_names() -> set[str]:
    from app_pages import PAGES

    return {page.name for page in PAGES}


def test_app_pages_holds_only_the_pages_and_no_page_is_imported():
    """A module directly in app_pages/ is a page PAGES lists; its parts are in app_pages/parts/.

    Pages are leaves: Streamlit runs a page's script afresh on each rerun, so a module that
    imported one would run the page's widgets where it is imported.
    """
    pages = _page_names()
    beside = {p.stem for p in (ROOT / "app_pages").glob("*.py")} - {"__init__"}
    assert sorted(beside - pages) == [], "not a page: move it to app_pages/parts/"
    assert sorted(pages - beside) == [], "a page PAGES lists has no script"
    assert not {p.stem for p in (ROOT / "app_pages" / "parts").glob("*.py")} & pages
    code = [ROOT / "app.py", *CODE, *(ROOT / "tests").rglob("*.py")]
    assert [b for p in code for b in page_imports(p.read_text(), _relative(p), pages)] == []


def test_the_page_import_rule_catches_a_breach():
    bad = (
        "from app_pages import training\nfrom app_pages.draw import PEN\nimport app_pages.runs\n"
        'importlib.import_module("app_pages.home")\n'
    )
    assert len(page_imports(bad, "x.py", _page_names())) == 4
    fine = 'from app_pages import PAGES\nfrom app_pages.parts import shared\nst.page_link("app_pages/lessons.py")\n'
    assert page_imports(fine, "x.py", _page_names()) == []


def test_architecture_md_names_only_files_that_exist():
    text = (ROOT / "ARCHITECTURE.md").read_text()
    named = set(re.findall(r"`((?:lib|app_pages|tests|bench|scripts)/[\w/.]+\.(?:py|json|md|sh))`", text))
    assert len(named) > 10  # the document points at the code
    assert sorted(n for n in named if not (ROOT / n).exists()) == []


def test_every_declared_job_kind_is_a_function_and_no_other_kind_runs():
    """A kind is declared in its own module (``JOB_KINDS = {"gan": "fit_gan"}``), found without importing it."""
    import sys

    from lib.train.kinds import discover, job_kinds, trainer_for
    from lib.train.run_config import RunConfig

    demos_loaded = {m for m in sys.modules if m.startswith("lib.demos")}
    assert discover() == {
        "fit": "lib.train.training:fit_run",
        "gan": "lib.demos.gan:fit_gan",
        "playground": "lib.demos.playground:fit_playground",
        "pretrained": "lib.demos.pretrained:fit_pretrained",
    }
    assert {m for m in sys.modules if m.startswith("lib.demos")} == demos_loaded  # found by reading, not importing
    assert all(callable(trainer_for(RunConfig(kind=kind))) for kind in job_kinds())
    assert trainer_for(RunConfig.from_dict({})) is trainer_for(RunConfig.from_dict({"kind": "fit"}))
    assert trainer_for(RunConfig(kind="os:system")) is None  # a config names a kind, never a function
    assert trainer_for(RunConfig(kind="lib.train.training:fit_run")) is None
    assert trainer_for(RunConfig(kind="undeclared")) is None


def test_a_job_kind_declared_twice_or_malformed_is_refused(tmp_path):
    from lib.train.kinds import KindDeclarationError, discover

    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text('JOB_KINDS = {"gan": "fit_gan"}\n')
    (package / "sub" / "b.py").write_text('"""Mentions JOB_KINDS in words only."""\n')
    assert discover(package) == {"gan": "pkg.a:fit_gan"}
    (package / "sub" / "c.py").write_text('JOB_KINDS: dict[str, str] = {"gan": "my_gan"}\n')
    twice = re.escape("'gan' is declared twice: by pkg.a:fit_gan and by pkg.sub.c:my_gan")
    with pytest.raises(KindDeclarationError, match=twice):
        discover(package)
    (package / "sub" / "c.py").write_text('JOB_KINDS = {"other": some_function}\n')
    with pytest.raises(KindDeclarationError, match="literal"):
        discover(package)
    (package / "sub" / "c.py").write_text('JOB_KINDS = {"other": "os.system"}\n')
    with pytest.raises(KindDeclarationError, match="function names"):
        discover(package)


def test_a_run_s_path_has_few_stays_and_climbs_no_floor(tmp_path):
    """One tiny real run traced from the Training page's calls to its curves (the rule: scripts/run_path.py)."""
    from scripts.run_path import count

    path = count(tmp_path / "runs")
    assert path.state == "done"
    ends = {"lib.train.jobs:JobManager.submit", "lib.train.training:fit_run", "lib.charts:training_curves"}
    assert ends <= set(path.stays)  # the trace saw the whole path, from the submit to the figure
    assert len(path.stays) <= 30, path.stays
    assert len(path.climbs) <= 3, path.climbs
    assert not [call for call in path.side_calls if call.endswith(("check_config", "analysis:analyse"))
                and not call.startswith("lib.train.jobs:")]  # fmt: skip  # checked once, at the submit


def test_the_three_executors_keep_the_executor_protocol():
    from lib.train.executors import Executor, ProcessExecutor, ThreadExecutor
    from lib.train.ray_executor import RayExecutor

    for executor in (ThreadExecutor, ProcessExecutor, RayExecutor):
        assert all(callable(getattr(executor, name, None)) for name in ("run", "describe", "shutdown")), executor
    assert isinstance(ThreadExecutor(), Executor) and not isinstance(object(), Executor)


def _keys_in_the_app() -> dict[str, list[str]]:
    """Every session key ``app.py`` and ``app_pages/`` spell out, with where (keys.py's constants resolved)."""
    constants = {p.stem: string_constants(p.read_text()) for p in APP_CODE}
    found: dict[str, list[str]] = {}
    for path in APP_CODE:
        if path != KEYS_MODULE:
            for key, where in session_keys(path.read_text(), _relative(path), constants).items():
                found.setdefault(key, []).extend(where)
    return found


def _undeclared(found: dict[str, list[str]], declared: set[str]) -> list[str]:
    families = [name for name in declared if "*" in name]
    return sorted(
        f"{key} ({where[0]})" for key, where in found.items()
        if key not in declared and not any(fnmatch.fnmatchcase(key, f) for f in families if "*" not in key)
    )  # fmt: skip


def _unused(found: dict[str, list[str]], declared: set[str]) -> list[str]:
    return sorted(k for k in declared if k not in found and not any(fnmatch.fnmatchcase(f, k) for f in found))


def test_every_session_key_is_declared_in_keys_py_and_every_declared_key_is_used():
    """A key's name, type and meaning are in app_pages/parts/keys.py; a key that is not there is a typo or news."""
    from app_pages.parts.keys import KEY_BY_NAME, KEYS

    assert len(KEY_BY_NAME) == len(KEYS), "a key declared twice"
    found = _keys_in_the_app()
    assert len(found) > 80  # the scanner sees the app's keys
    assert _undeclared(found, set(KEY_BY_NAME)) == [], "declare these in app_pages/parts/keys.py"
    assert _unused(found, set(KEY_BY_NAME)) == [], "declared in app_pages/parts/keys.py, used nowhere"


def test_the_session_key_rule_catches_an_undeclared_key():
    sample = (
        "from app_pages.parts import keys\n"
        "OPEN = 'demo.open'\n"
        "st.session_state['train.run_idd'] = 1\n"  # a typo
        "x = st.session_state.get('new.thing', 0)\n"
        "if 'other.new' in st.session_state: pass\n"
        "st.session_state[OPEN] = bind('data.name', 'digits')\n"
        "st.session_state[keys.TRAIN_RUN_ID] = st.session_state.pop(f'les.run.{preset}')\n"
        "state = st.session_state\n"
        "state[f'{key}.oops'] = set_value('own.sidee', 3)\n"
        "forget('train.w.')\n"
    )
    found = session_keys(sample, "x.py", {"keys": {"TRAIN_RUN_ID": "train.run_id"}})
    assert set(found) == {"train.run_idd", "new.thing", "other.new", "demo.open", "data.name", "train.run_id",
                          "les.run.*", "*.oops", "own.sidee", "train.w.*"}  # fmt: skip
    from app_pages.parts.keys import KEY_BY_NAME

    assert _undeclared(found, set(KEY_BY_NAME)) == [
        "*.oops (x.py:9)", "new.thing (x.py:4)", "other.new (x.py:5)", "own.sidee (x.py:9)", "train.run_idd (x.py:3)"
    ]  # fmt: skip
    assert _unused(found, {"data.name", "les.run.*", "les.gone", "*.gone"}) == ["*.gone", "les.gone"]


def _trace_kinds(source: str) -> set[str]:
    """The Plotly trace kinds ``source`` makes: ``go.Heatmap(...)`` calls and ``"type": "heatmap"`` dicts."""
    import plotly.graph_objects as go
    from plotly.basedatatypes import BaseTraceType

    kinds = {name.lower() for name in dir(go) if isinstance(getattr(go, name), type)
             and issubclass(getattr(go, name), BaseTraceType)}  # fmt: skip
    made = {m.lower() for m in re.findall(r"\bgo\.([A-Z][A-Za-z0-9]*)\(", source)}
    made |= set(re.findall(r"""["']type["']\s*:\s*["']([a-z0-9]+)["']""", source))
    return made & kinds


def test_every_trace_kind_the_app_draws_has_its_look_in_the_house_template():
    from lib import charts

    drawn = set().union(*(_trace_kinds(p.read_text()) for p in [*CODE, *APP_CODE]))
    assert {"bar", "heatmap", "scatter", "image"} <= drawn  # the scan finds the kinds it must
    assert drawn - {"image"} <= set(charts.HOUSE_TRACES), drawn - set(charts.HOUSE_TRACES)


def test_the_trace_kind_scan_catches_a_new_kind():
    assert _trace_kinds('fig = go.Figure(go.Pie(values=v))\nx = {"type": "sunburst", "z": 1}') == {"pie", "sunburst"}
