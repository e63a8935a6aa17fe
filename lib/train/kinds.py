"""Job kinds: which function trains a run, chosen by its config's ``kind`` ("fit" by default).

The runner dispatches through this table instead of knowing every kind: ``lib.train.training``
registers the ordinary ``fit``, and a demo with a loop of its own (the GAN) registers itself
when the process's entry point imports it (``app_pages/shared.py`` for the server,
``lib/worker_main.py`` for a worker). Nothing here imports either side.
"""

from __future__ import annotations

from collections.abc import Callable

# (store, run_id, stop, live, more_epochs) -> (state, message code, detail)
KindTrainer = Callable[..., tuple[str, str, str]]
JOB_KINDS: dict[str, KindTrainer] = {}
DEFAULT_KIND = "fit"


def register(kind: str) -> Callable[[KindTrainer], KindTrainer]:
    """Decorator: ``fn`` trains runs whose config says ``"kind": kind``."""

    def add(fn: KindTrainer) -> KindTrainer:
        JOB_KINDS[kind] = fn
        return fn

    return add


def trainer_for(config: dict) -> KindTrainer | None:
    """The function for ``config``'s kind, or None when no such kind is registered."""
    return JOB_KINDS.get(config.get("kind", DEFAULT_KIND))
