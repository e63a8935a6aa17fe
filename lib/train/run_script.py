"""A run's own script: the exported Keras script with the run's network, data, settings and pixels."""

from __future__ import annotations

from lib.data import datasets
from lib.model.analysis import analyse
from lib.model.codegen import export_script
from lib.model.spec import from_dict
from lib.model.train_config import TrainSettings
from lib.train.config_check import run_target

# Runs a plain script does not reproduce: a continued run starts from another run's weights,
# a fold, a kept-classes or an imbalanced run trains on a part the script does not cut.
NOT_SCRIPTED = ("continues", "fold", "classes", "imbalance")


def run_script(config: dict, exported_by: str = "") -> str | None:
    """The runnable script of the run ``config`` describes, or None when a script cannot redo it.

    None for a run that is not a plain fit (see ``NOT_SCRIPTED``) or whose dataset is no longer
    known. A run on raw pixels (the normalisation lesson's) gets a script that does not divide.
    """
    if config.get("kind", "fit") != "fit" or any(config.get(k) for k in NOT_SCRIPTED):
        return None
    info = datasets.REGISTRY.get(config.get("dataset", ""))
    if info is None:
        return None
    spec = from_dict(config["spec"])
    target = run_target(config)
    settings = TrainSettings.from_dict(config["settings"])
    return export_script(
        spec, analyse(spec, target), info.name, target, settings, samples=int(config.get("train_samples") or 0),
        exported_by=exported_by, info=info, raw_pixels=config.get("pixels") == "raw",
    )  # fmt: skip
