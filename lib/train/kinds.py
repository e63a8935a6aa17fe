"""Job kinds: which function trains a run, chosen by its config's ``kind`` ("fit" by default).

One table, read where a run starts (a thread, a worker process or a Ray worker): the module
of a kind is imported then, in that process, so no entry point has to import the demos for
their side effects. A config names a kind, never a function: only this table's are run.
Adding a kind: its trainer in its own module, and one line here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lib.train.outcome import Outcome
    from lib.train.run_config import RunConfig

# (store, run_id, stop, live: lib.train.progress.Live, more_epochs) -> lib.train.outcome.Outcome
KindTrainer = Callable[..., "Outcome"]
DEFAULT_KIND = "fit"
JOB_KINDS: dict[str, str] = {
    DEFAULT_KIND: "lib.train.training:fit_run",  # model.fit of a spec on a dataset
    "gan": "lib.demos.gan:fit_gan",  # the GAN demo's own loop
    "playground": "lib.demos.playground:fit_playground",  # the perceptron playground, frame by frame
    "pretrained": "lib.demos.pretrained:fit_pretrained",  # a new head on frozen MobileNetV2 features
}


def trainer_for(config: RunConfig) -> KindTrainer | None:
    """The function for ``config``'s kind, or None when no such kind is in the table."""
    where = JOB_KINDS.get(config.kind)
    if where is None:
        return None
    module, function = where.split(":")
    return getattr(importlib.import_module(module), function)
