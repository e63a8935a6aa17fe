"""Helpers for tests that train through the job manager."""

from __future__ import annotations

from lib.model.presets import PRESETS
from lib.train.jobs import JobManager
from lib.train.progress import Progress
from lib.train.run_config import RunConfig
from lib.train.training import make_config
from tests.waiting import DEADLINE, wait_until


def wait(manager: JobManager, run_id: str, timeout: float = DEADLINE) -> str:
    """Wait until ``run_id`` is no longer queued or running; its state as the pages show it."""
    wait_until(lambda: not manager.is_active(run_id), f"run {run_id} to end", timeout,
               seen=lambda: manager.status(run_id))  # fmt: skip
    return manager.status(run_id).state


def wait_running(manager: JobManager, run_id: str) -> Progress:
    """Wait until ``run_id`` trains its first batches; its live progress then."""

    def batches() -> Progress | None:
        live = manager.live(run_id) or Progress()
        assert live.batch or manager.is_active(run_id), manager.status(run_id)  # ended before a batch
        return live if live.batch else None

    return wait_until(batches, f"run {run_id} to train its first batches", seen=lambda: manager.status(run_id))


def digits_config(epochs: int = 1, samples: int = 200, backend: str = "auto", **compile_changes) -> RunConfig:
    """The digits lesson MLP's config with a few changes (fast: seconds on either backend)."""
    settings = PRESETS["digits_mlp"].settings().with_fit(epochs=epochs).with_compile(**compile_changes)
    return make_config(PRESETS["digits_mlp"].spec((8, 8, 1)), "digits", samples, "classes", settings, backend)
