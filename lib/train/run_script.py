"""A run's own script: the exported Keras script with the run's network, data, settings and pixels."""

from __future__ import annotations

from lib.data import datasets
from lib.model.analysis import analyse
from lib.model.codegen import export_script
from lib.train.run_config import RunConfig

# Runs a plain script does not reproduce: a continued run starts from another run's weights,
# a fold, a kept-classes or an imbalanced run trains on a part the script does not cut.
NOT_SCRIPTED = ("continues", "fold", "classes", "imbalance")


def run_script(config: RunConfig, exported_by: str = "") -> str | None:
    """The runnable script of the run ``config`` describes, or None when a script cannot redo it.

    None for a run that is not a plain fit (see ``NOT_SCRIPTED``) or whose dataset is no longer
    known. A run on raw pixels (the normalisation lesson's) gets a script that does not divide.
    """
    unread = {key for key, _ in config.extra}  # a part its folder holds in a form no code reads
    if config.kind != "fit" or any(getattr(config, k) or k in unread for k in NOT_SCRIPTED):
        return None
    info = datasets.REGISTRY.get(config.dataset)
    if info is None:
        return None
    spec = config.model_spec()
    target = config.run_target()
    return export_script(
        spec, analyse(spec, target), info.name, target, config.settings, samples=int(config.train_samples or 0),
        exported_by=exported_by, info=info, raw_pixels=config.pixels == "raw",
    )  # fmt: skip
