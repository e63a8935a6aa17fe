"""Count the stays of a run's path: the project functions one real tiny run goes through.

Usage: ``python scripts/run_path.py`` (prints the counts and the lists; about 10 s).

What is traced: one run of the digits lesson MLP (1 epoch, 60 samples), from the Training
page's ``make_config`` and ``JobManager.submit`` through the in-process thread executor,
the worker side (``run_training``, the kind's trainer, the callback writing to the run
store) to the outcome, then the page's view of the run (``show_run`` of
``app_pages/parts/train_tools.py``, in Streamlit's bare mode: no browser) and its curves
figure (``lib/charts.py``). ``sys.setprofile`` / ``threading.setprofile`` see every Python
call in the calling thread and in the job manager's threads; only functions defined in
``lib/`` and ``app_pages/`` are kept.

The rule, exactly (the traced call graph: caller -> callee, the caller being the nearest
project frame up the stack; module and class bodies, comprehensions, generator expressions
and lambdas are not functions here, they belong to the function around them):

- **all**: every distinct project function called while tracing (``module:qualname``),
  once each however often it ran.
- **stays**: the run's call chain: each distinct function that lies on a traced call path
  from an ENTRY (where the page hands the run over, or the job manager's thread takes it)
  to a MILESTONE (where the run leaves something: its folder, its model, its history, its
  status, its figure), both ends included. Whatever the chain calls that leads to no
  milestone is a utility the path only consults (translations, registry lookups, the
  config's accessors and checks, object set-up, properties, logging, timings): listed
  apart, not a stay.
- **side calls**: distinct (chain function -> consulted function) call sites: where the
  chain consults something (a config read from disk twice, from two places, is two).
- **climbs**: distinct calls from a module on a lower floor to one on a higher floor,
  floors read from the table in ARCHITECTURE.md.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TRACED = ("lib", "app_pages")
# Where the run is handed over: the Training page's two calls, the dispatcher's job, the page's view.
ENTRIES = (
    "lib.train.training:make_config",
    "lib.train.jobs:JobManager.submit",
    "lib.train.jobs:JobManager._run",
    "app_pages.parts.train_tools:show_run",
)
# Where the run leaves something: its folder, its model, its per-epoch history, its status, its figure.
MILESTONES = (
    "lib.train.runstore:RunStore.create",
    "lib.model.builder:build_model",
    "lib.train.runstore:RunStore.write_history",
    "lib.train.runstore:RunStore.update_status",
    "lib.charts:training_curves",
)
NOT_FUNCTIONS = re.compile(r"<(module|lambda|listcomp|dictcomp|setcomp|genexpr)>")
EPOCHS, SAMPLES = 1, 60


@dataclass
class PathCount:
    """What one traced run went through."""

    all_functions: list[str]
    stays: list[str]
    side_calls: list[str]
    climbs: list[str]
    state: str = ""
    edges: set[tuple[str, str]] = field(default_factory=set, repr=False)


def floors() -> list[tuple[str, int]]:
    """``(path prefix, floor)`` from ARCHITECTURE.md's table, longest prefix first."""
    out = []
    for line in (ROOT / "ARCHITECTURE.md").read_text().splitlines():
        if match := re.match(r"\|\s*(\d+)\s*\|([^|]*)\|", line):
            out += [(path, int(match[1])) for path in re.findall(r"`([^`]+)`", match[2])]
    return sorted(out, key=lambda item: -len(item[0]))


def floor_of(module: str, table: list[tuple[str, int]]) -> int | None:
    """The floor of dotted ``module`` (``lib.train.jobs`` -> 4), or None when the table has none."""
    path = module.replace(".", "/") + ".py"
    return next((floor for prefix, floor in table if path == prefix or path.startswith(prefix)), None)


class Tracer:
    """A profile function that records project calls and who (in the project) made them."""

    def __init__(self) -> None:
        self.recording = False
        self.calls: set[str] = set()
        self.edges: set[tuple[str, str]] = set()
        self._names: dict[CodeType, str | None] = {}
        self._lock = threading.Lock()
        self._roots = tuple(str(ROOT / folder) + os.sep for folder in TRACED)

    def name(self, code: CodeType) -> str | None:
        """``module:qualname`` of a project function's code, else None (cached per code object)."""
        if code in self._names:
            return self._names[code]
        name = None
        if code.co_filename.startswith(self._roots) and code.co_flags & inspect.CO_OPTIMIZED:
            if not NOT_FUNCTIONS.search(code.co_qualname):
                module = Path(code.co_filename).relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
                name = f"{module}:{code.co_qualname}"
        self._names[code] = name
        return name

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        """Record a project function's call and its project caller (other events are ignored)."""
        if event != "call" or not self.recording or (callee := self.name(frame.f_code)) is None:
            return
        caller, up = None, frame.f_back
        while up is not None and caller is None:
            caller, up = self.name(up.f_code), up.f_back
        with self._lock:
            self.calls.add(callee)
            if caller is not None:
                self.edges.add((caller, callee))


def _tiny_config():
    from lib.model.presets import PRESETS
    from lib.train.training import make_config

    preset = PRESETS["digits_mlp"]
    settings = preset.settings().with_fit(epochs=EPOCHS)
    return preset, settings, make_config


def _show_in_bare_mode(jobs, run_id: str) -> None:
    """The Training page's view of the run (``show_run``), its job manager being ``jobs`` meanwhile."""
    from app_pages.parts import shared, train_tools

    was = shared.manager, train_tools.manager
    shared.manager = train_tools.manager = lambda: jobs
    try:
        train_tools.show_run(run_id)
    finally:
        shared.manager, train_tools.manager = was


def count(runs_dir: Path | None = None, timeout: float = 300.0) -> PathCount:
    """Trace one tiny real run (see the module's docstring) and count its path."""
    from lib.train.executors import ThreadExecutor
    from lib.train.jobs import JobManager
    from lib.train.runstore import RunStore

    runs = runs_dir or Path(tempfile.mkdtemp(prefix="kp-run-path-"))
    preset, settings, make_config = _tiny_config()
    spec = preset.spec((8, 8, 1))
    tracer = Tracer()
    threading.setprofile(tracer)  # the job manager's threads start in its constructor
    jobs = JobManager(RunStore(runs), workers=1, executor=ThreadExecutor(), free_memory=lambda: None)
    import app_pages.parts.train_tools  # noqa: F401 - imported before tracing: imports are not the path

    sys.setprofile(tracer)
    tracer.recording = True
    try:
        config = make_config(spec, "digits", SAMPLES, "classes", settings)
        run_id = jobs.submit(config).run_id
        sys.setprofile(None)  # waiting is not the path (the job's threads keep being traced)
        deadline = time.monotonic() + timeout
        while not jobs.idle() and time.monotonic() < deadline:
            time.sleep(0.05)
        sys.setprofile(tracer)
        _show_in_bare_mode(jobs, run_id)
    finally:
        tracer.recording = False
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
    state = jobs.store.status(run_id).state
    jobs.executor.shutdown()
    return summarise(tracer, state)


def _reach(start: set[str], graph: dict[str, set[str]]) -> set[str]:
    """``start`` and every function reachable from it in ``graph``."""
    seen, todo = set(start), list(start)
    while todo:
        for other in graph.get(todo.pop(), ()):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def summarise(tracer: Tracer, state: str = "") -> PathCount:
    """The chain's stays, its side calls and the climbs of what ``tracer`` recorded."""
    forward: dict[str, set[str]] = {}
    backward: dict[str, set[str]] = {}
    for caller, callee in tracer.edges:
        forward.setdefault(caller, set()).add(callee)
        backward.setdefault(callee, set()).add(caller)
    entries = set(ENTRIES) & tracer.calls
    chain = entries | _reach(entries, forward) & _reach(set(MILESTONES) & tracer.calls, backward)
    side = sorted(f"{caller} -> {callee}" for caller, callee in tracer.edges if caller in chain and callee not in chain)
    table = floors()

    def floor(name: str) -> int | None:
        return floor_of(name.split(":", maxsplit=1)[0], table)

    climbs = sorted(
        f"{caller} (floor {floor(caller)}) -> {callee} (floor {floor(callee)})"
        for caller, callee in tracer.edges
        if None not in (floor(caller), floor(callee)) and floor(caller) < floor(callee)  # type: ignore[operator]
    )
    return PathCount(sorted(tracer.calls), sorted(chain), side, climbs, state, tracer.edges)


def main() -> None:
    """Print the counts and the lists."""
    from streamlit import logger

    logger.set_log_level("error")  # bare mode warns at each st call
    result = count()
    print(f"run ended: {result.state}")
    print(f"all distinct project functions: {len(result.all_functions)}")
    print(f"stays (the rule in scripts/run_path.py): {len(result.stays)}")
    print(f"side calls (the chain consulting something): {len(result.side_calls)}")
    print(f"climbs: {len(result.climbs)}")
    print("\nstays:")
    print("\n".join(f"  {name}" for name in result.stays))
    print("\nside calls:")
    print("\n".join(f"  {name}" for name in result.side_calls))
    print("\nclimbs:")
    print("\n".join(f"  {name}" for name in result.climbs) or "  none")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
