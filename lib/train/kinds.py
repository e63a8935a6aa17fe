"""Job kinds: which function trains a run, chosen by its config's ``kind`` ("fit" by default).

A kind is declared once, in the module that implements it, by a module-level literal::

    JOB_KINDS = {"gan": "fit_gan"}  # kind -> the name of the trainer function in this module

The declarations are found by reading ``lib/**/*.py`` as text (once per process, where a run
starts: a thread, a worker process or a Ray worker), never by importing them: importing the
demos for their side effects would load them in every entry point. A kind's module is
imported only when a run of that kind starts. A config names a kind, never a function: only
declared kinds run. Adding a kind: its trainer and its ``JOB_KINDS`` line, in its own module.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lib.train.outcome import Outcome
    from lib.train.run_config import RunConfig

# (store, run_id, config: RunConfig, stop, live: lib.train.progress.Live, more_epochs) -> Outcome
KindTrainer = Callable[..., "Outcome"]
DEFAULT_KIND = "fit"
DECLARATION = "JOB_KINDS"  # the name a module declares its kinds under
LIB = Path(__file__).resolve().parents[1]


class KindDeclarationError(ValueError):
    """A ``JOB_KINDS`` declaration that cannot be used: not a literal of names, or a kind declared twice."""


def declared_in(source: str, module: str) -> dict[str, str]:
    """The kinds ``source`` declares at module level: kind -> ``"module:function"`` ({} when none).

    Raises:
        KindDeclarationError: the declaration is not a ``{"kind": "function_name"}`` literal.

    """
    if DECLARATION not in source:  # a cheap look before parsing: most modules never mention it
        return {}
    for node in ast.parse(source).body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        target = node.target if isinstance(node, ast.AnnAssign) else target
        if isinstance(target, ast.Name) and target.id == DECLARATION and node.value is not None:
            try:
                kinds = ast.literal_eval(node.value)
            except ValueError as exc:
                raise KindDeclarationError(f"{module}: {DECLARATION} must be a literal dict") from exc
            if not isinstance(kinds, dict) or not all(
                isinstance(k, str) and isinstance(f, str) and f.isidentifier() for k, f in kinds.items()
            ):
                raise KindDeclarationError(f"{module}: {DECLARATION} must map kind names to function names")
            return {kind: f"{module}:{function}" for kind, function in kinds.items()}
    return {}


def discover(root: Path = LIB) -> dict[str, str]:
    """Every kind the modules under ``root`` declare: kind -> ``"module:function"``.

    Raises:
        KindDeclarationError: a declaration is malformed, or two modules declare the same kind.

    """
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        for kind, where in declared_in(path.read_text(encoding="utf-8"), module).items():
            if kind in found:
                raise KindDeclarationError(f"job kind {kind!r} is declared twice: by {found[kind]} and by {where}")
            found[kind] = where
    return found


@cache
def job_kinds() -> dict[str, str]:
    """The kinds declared in ``lib/`` (read once per process): kind -> ``"module:function"``."""
    return discover()


def trainer_for(config: RunConfig) -> KindTrainer | None:
    """The function for ``config``'s kind, or None when no module declares that kind."""
    where = job_kinds().get(config.kind)
    if where is None:
        return None
    module, function = where.split(":")
    return getattr(importlib.import_module(module), function)
