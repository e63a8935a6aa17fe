"""Validation at the boundary: a run config is checked before any job starts.

A config may come from the Training form, a share link, an imported JSON or a test; all
of them pass through :func:`config_problems`, which checks every value against the
registries (layers, optimizers, losses, metrics, fit settings) and the model against the
dataset. It reads the config's JSON form (a :class:`RunConfig`'s ``to_dict``, or JSON as it
arrived): what is checked is what names the run. Nothing here imports Keras.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lib.data import datasets
from lib.model.analysis import Target, analyse
from lib.model.compile_registry import FIT_PARAMS, LOSSES, METRICS, OPTIMIZERS
from lib.model.labels import pairing_problems
from lib.model.spec import SpecError, from_dict
from lib.train.folds import K_MAX, K_MIN, fold_ok
from lib.train.imbalance import imbalance_ok
from lib.train.run_config import RunConfig

TARGETS = ("classes", "value", "input")
BACKEND_CHOICES = ("auto", "tensorflow", "jax")
OWNER_MAX = 24  # a personal copy's owner: a nickname (lib/classroom.py NICKNAME_MAX)


@dataclass
class ConfigProblem:
    """One reason a config cannot train; ``code`` keys ``train.cfg.<code>`` in the catalogs."""

    code: str
    values: dict[str, Any] = field(default_factory=dict)


class ConfigError(ValueError):
    """A config was refused; ``problems`` says why (each one translatable)."""

    def __init__(self, problems: list[ConfigProblem]):
        super().__init__("; ".join(p.code for p in problems))
        self.problems = problems


def problem_text(problem: ConfigProblem, lang: str) -> str:
    """``train.cfg.<code>`` in ``lang``, its numbers written the way that language reads them (0,001)."""
    from lib.i18n import decimal_text, t

    values = {k: decimal_text(v, lang) if isinstance(v, float) else v for k, v in problem.values.items()}
    return t(f"train.cfg.{problem.code}", lang, **values)


def class_ids(config: RunConfig) -> list[int]:
    """The dataset classes a run uses, in label order (a run may keep only some classes)."""
    return config.class_ids()


def run_target(config: RunConfig) -> Target:
    """What the run's model outputs (scores for its classes, a value, or the input)."""
    return config.run_target()


def _json_form(config: Any) -> Any:
    """What is checked: a typed config's JSON form, or the JSON as it came."""
    return config.to_dict() if isinstance(config, RunConfig) else config


def _param_problems(where: str, params: dict, declared: dict) -> list[ConfigProblem]:
    out = []
    for name, value in params.items():
        param = declared.get(name)
        if param is None:
            out.append(ConfigProblem("unknown_setting", {"setting": f"{where}.{name}"}))
        elif reason := param.check(value):
            low = "−∞" if param.low is None else float(param.low)
            high = "∞" if param.high is None else float(param.high)
            shown = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)[:40]
            values = {"setting": name, "value": shown, "low": low, "high": high, "reason": reason}
            out.append(ConfigProblem("bad_setting", values))
    return out


def settings_problems(settings: Any, task: str | None = None) -> list[ConfigProblem]:
    """Problems of a settings dict (``TrainSettings.to_dict`` form) against the registries."""
    if not isinstance(settings, dict) or not all(isinstance(settings.get(k), dict) for k in ("compile", "fit")):
        return [ConfigProblem("malformed")]
    c, f = settings["compile"], settings["fit"]
    optimizer, loss, metrics = c.get("optimizer"), c.get("loss"), c.get("metrics", [])
    out = []
    if optimizer not in OPTIMIZERS:
        out.append(ConfigProblem("unknown_optimizer", {"name": str(optimizer)[:40]}))
    elif isinstance(params := c.get("optimizer_params", {}), dict):
        out += _param_problems("optimizer", params, {p.name: p for p in OPTIMIZERS[optimizer].params})
    else:
        out.append(ConfigProblem("malformed"))
    if loss not in LOSSES:
        out.append(ConfigProblem("unknown_loss", {"name": str(loss)[:40]}))
    if not isinstance(metrics, list) or not all(m in METRICS for m in metrics):
        out.append(ConfigProblem("unknown_metric", {"name": str(metrics)[:60]}))
    elif task and any(METRICS[m]["task"] != task for m in metrics):
        out.append(ConfigProblem("metric_task", {"name": ", ".join(metrics)}))
    return out + _param_problems("fit", f, FIT_PARAMS)


def config_problems(config: Any) -> list[ConfigProblem]:
    """Everything that stops ``config`` (a :class:`RunConfig` or its JSON form) from training."""
    config = _json_form(config)
    if not isinstance(config, dict) or config.get("dataset") not in datasets.REGISTRY:
        name = config.get("dataset") if isinstance(config, dict) else None
        return [ConfigProblem("unknown_dataset", {"name": str(name)[:40]})]
    info = datasets.REGISTRY[config["dataset"]]
    samples, target = config.get("train_samples", 0), config.get("target")
    if target not in TARGETS or type(samples) is not int or samples < 0:
        return [ConfigProblem("malformed")]
    if config.get("backend", "auto") not in BACKEND_CHOICES:
        return [ConfigProblem("unknown_backend", {"name": str(config.get("backend"))[:20]})]
    classes = config.get("classes")
    if classes is not None and not (
        isinstance(classes, list) and classes and all(type(c) is int and 0 <= c < info.num_classes for c in classes)
    ):
        return [ConfigProblem("malformed")]
    out = settings_problems(config.get("settings"), info.task if target != "input" else None)
    out += experiment_problems(config, len(classes) if classes else info.num_classes)
    if not _lineage_ok(config):
        return [*out, ConfigProblem("malformed")]
    try:
        spec = from_dict(config.get("spec"))
    except SpecError as err:
        return [*out, ConfigProblem("bad_spec", {"code": err.code})]
    if tuple(spec.input_shape) != tuple(info.input_shape):
        out.append(ConfigProblem("input_mismatch", {"got": str(tuple(spec.input_shape)), "want": str(info.input_shape),
                                                    "dataset": info.name}))  # fmt: skip
        return out
    if out:
        return out
    return out + _model_problems(spec, config)


def experiment_problems(config: dict, num_classes: int) -> list[ConfigProblem]:
    """The experiment keys: a cross-validation fold, imbalanced classes, class weights (``lib/experiments``)."""
    out = []
    if "fold" in config and not fold_ok(config["fold"]):
        out.append(ConfigProblem("bad_fold", {"k_min": K_MIN, "k_max": K_MAX}))
    if "imbalance" in config:
        if config["target"] != "classes":
            out.append(ConfigProblem("imbalance_task"))
        elif not imbalance_ok(config["imbalance"], num_classes):
            out.append(ConfigProblem("bad_imbalance", {"last": num_classes - 1}))
    if "pixels" in config and (config["pixels"] != "raw" or datasets.REGISTRY[config["dataset"]].kind != "image"):
        out.append(ConfigProblem("malformed"))
    fit = (config.get("settings") or {}).get("fit") or {}
    if fit.get("class_weight", "none") != "none" and config["target"] != "classes":
        out.append(ConfigProblem("class_weight_task"))
    return out


def _lineage_ok(config: dict) -> bool:
    """The keys that tie a run to others or to a person: ``continues``, ``init_from``, ``owner``."""
    if "continues" in config and not _continues_ok(config["continues"], config.get("settings")):
        return False
    if "init_from" in config and not _init_from_ok(config["init_from"], config.get("spec")):
        return False
    return "owner" not in config or _owner_ok(config["owner"])


def _owner_ok(owner: Any) -> bool:
    """A personal copy's owner is a nickname (``lib.classroom.clean_nickname`` made it)."""
    return isinstance(owner, str) and 0 < len(owner) <= OWNER_MAX and owner == " ".join(owner.split())


def _continues_ok(continues: Any, settings: Any) -> bool:
    """A continued run names its parent (a run id) and an epoch before its own last one."""
    try:
        epochs = settings["fit"]["epochs"]
    except (KeyError, TypeError):
        return False
    run, epoch = (continues.get("run"), continues.get("epoch")) if isinstance(continues, dict) else (None, None)
    return (
        set(continues) == {"run", "epoch"}
        and isinstance(run, str)
        and len(run) == 16
        and run.isalnum()
        and type(epoch) is int
        and 0 < epoch < (epochs if type(epochs) is int else 0)
    )


def _init_from_ok(value: Any, spec: Any) -> bool:
    """A run that starts from another's layers names that run and some of its own layer ids."""
    if not isinstance(value, dict) or set(value) != {"run", "layers", "freeze"}:
        return False
    layers = spec.get("layers") if isinstance(spec, dict) else None
    ids = {layer.get("id") for layer in layers if isinstance(layer, dict)} if isinstance(layers, list) else set()
    run, chosen = value["run"], value["layers"]
    return (
        isinstance(run, str)
        and len(run) == 16
        and run.isalnum()
        and isinstance(chosen, list)
        and bool(chosen)
        and all(isinstance(layer, str) and layer in ids for layer in chosen)
        and isinstance(value["freeze"], bool)
    )


def _model_problems(spec, config: dict) -> list[ConfigProblem]:
    """The model against its target and loss (the Architecture page explains these in detail)."""
    settings, target = config["settings"], RunConfig.from_dict(config).run_target()
    analysis = analyse(spec, target, settings["fit"]["batch_size"])
    if not analysis.ok:
        return [ConfigProblem("invalid_model", {"codes": ", ".join(p.code for p in analysis.problems)})]
    out_shape = analysis.rows[-1].output_shape if analysis.rows else None
    units = out_shape[-1] if out_shape else None
    pairing = pairing_problems(settings["compile"]["loss"], target, units, None)
    return [ConfigProblem("loss_output", {"code": p.code}) for p in pairing if p.severity == "error"]


def check_config(config: Any) -> None:
    """Raise :class:`ConfigError` unless ``config`` can train (other job kinds check their own)."""
    config = _json_form(config)
    if isinstance(config, dict) and config.get("kind", "fit") != "fit":
        return
    if problems := config_problems(config):
        raise ConfigError(problems)
