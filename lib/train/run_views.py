"""What the Runs page shows about runs: table rows, final metrics, config differences."""

from __future__ import annotations

import re
import time
from typing import Any

from lib.i18n import catalog, number, t
from lib.train.config_check import BACKEND_CHOICES
from lib.train.progress import Progress
from lib.train.run_config import RunConfig
from lib.train.runstore import RunStore

_LAYER_KEYS = ("class_name", "name", "inputs")  # a layer's own keys (not Keras parameters): translated
_LAYER_SETTING = re.compile(r"spec\.layers\[(\d+)\]\.(?:config\.)?(.+)")


def best_validation(history: dict) -> tuple[str, float | None]:
    """The best value of the main validation metric (accuracy if there is one, else loss)."""
    metrics = history.get("metrics", {})
    for name, pick in (("val_accuracy", max), ("val_loss", min), ("accuracy", max), ("loss", min)):
        values = [v for v in metrics.get(name, []) if v is not None]
        if values:
            return name, pick(values)
    return "", None


def row(store: RunStore, run_id: str) -> dict[str, Any]:
    """One run as a table row (keys are column ids; the page translates the headers)."""
    config, status = store.config(run_id), store.status(run_id)
    metric, value = best_validation(store.history(run_id))
    return {
        "run": run_id,
        "owner": store.owner(run_id).get("owner") or "—",
        "parent": config.continues.run if config.continues else "—",
        "dataset": config.dataset,
        "model": config.model_name,
        "optimizer": config.compile.optimizer,
        "loss": config.compile.loss,
        # A run that never named its backend (a GAN's, an older run's) trained on TensorFlow.
        "backend": status.backend or (config.backend if "backend" in config.to_dict() else "tensorflow"),
        "epochs": status.epochs_done,
        "best": (metric, value),
        "state": status.state,
        "time": status.train_seconds,
        "created": time.strftime("%Y-%m-%d %H:%M", time.localtime(status.created)),
    }


def is_mine(store: RunStore, run_id: str, nickname: str) -> bool:
    """True when ``nickname`` owns the run or asked for it too."""
    record = store.owner(run_id)
    return bool(nickname) and (record.get("owner") == nickname or nickname in record.get("users", []))


def mine_first(store: RunStore, run_ids: list[str], nickname: str) -> list[str]:
    """The runs of ``nickname``, newest first, then everyone else's in the order given."""
    mine = sorted((r for r in run_ids if is_mine(store, r, nickname)), key=lambda r: -store.status(r).created)
    return mine + [r for r in run_ids if r not in mine]


def progress(live: Progress | None) -> float | None:
    """How far a running job is (0-1) from its live progress; None when it is not running (or not yet told)."""
    if live is None or live.steps is None or live.epoch is None:
        return None
    done = (live.epoch - live.initial_epoch) * live.steps + live.batch
    total = max(1, (live.epochs - live.initial_epoch) * live.steps)
    return min(done / total, 1.0)


def lineage(store: RunStore, run_id: str, limit: int = 20) -> list[str]:
    """The run and its ancestors, oldest first (each continued from the one before)."""
    chain = [run_id]
    while len(chain) < limit:
        continues = store.config(chain[0]).continues
        parent = continues.run if continues else None
        if not parent or not store.exists(parent) or parent in chain:
            break
        chain.insert(0, parent)
    return chain


def final_metrics(store: RunStore, run_id: str) -> dict[str, float]:
    """The last epoch's value of every metric."""
    metrics = store.history(run_id).get("metrics", {})
    return {name: values[-1] for name, values in metrics.items() if values and values[-1] is not None}


def _json_form(config: RunConfig | dict[str, Any]) -> dict[str, Any]:
    return config.to_dict() if isinstance(config, RunConfig) else config


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts/lists as ``a.b[0].c`` paths (for diffing configs)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        out = {}
        for i, inner in enumerate(value):
            out.update(flatten(inner, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def setting_label(path: str, lang: str) -> str:
    """A config path (``settings.fit.epochs``, ``spec.layers[0].config.activation``) as a reader's label.

    The form's own labels where there is one (``train.<name>``), a ``setting.<path>`` text
    for the rest, the layer's place for layer settings, and the path itself otherwise.
    """
    if match := _LAYER_SETTING.fullmatch(path):
        param = t(f"setting.layer_{match[2]}", lang) if match[2] in _LAYER_KEYS else match[2]
        return t("setting.layer", lang, n=int(match[1]) + 1, param=param)
    short = path.removeprefix("settings.").removeprefix("fit.").removeprefix("compile.")
    if short.startswith("optimizer_params."):
        return t("setting.optimizer_param", lang, param=short.split(".", 1)[1])
    for key in (f"setting.{short}", f"train.{short}"):
        if isinstance(catalog(lang).get(key), str):
            return t(key, lang)
    return path


def config_differences(configs: dict[str, RunConfig | dict[str, Any]]) -> list[dict[str, Any]]:
    """Settings whose values differ between runs: one row per setting, one column per run."""
    # Compared in their JSON form: a setting is a path there (``settings.fit.epochs``).
    flat = {run_id: flatten(_json_form(config)) for run_id, config in configs.items()}
    keys = sorted(set().union(*flat.values())) if flat else []
    return [
        {"setting": key, **{run_id: str(values.get(key, "—")) for run_id, values in flat.items()}}
        for key in keys
        if len({str(values.get(key)) for values in flat.values()}) > 1
    ]


def where_label(status, lang: str) -> str:
    """Device, backend and place of a run, e.g. "CPU · JAX · on this server" (or the cluster node)."""
    backend = t(f"train.backend.{status.backend}", lang) if status.backend in BACKEND_CHOICES else ""
    place = t("cluster.local", lang) if status.device else ""
    if status.node:
        place = t("cluster.node", lang, node=status.node)
    return " · ".join(x for x in (status.device or "—", backend, place) if x)


def status_line(run_id: str, status, lang: str) -> str:
    """A run's one-line status: id, state, epochs, training time and where it trains."""
    return t("train.status_line", lang, run=run_id, state=t(f"train.state.{status.state}", lang),
             done=status.epochs_done, epochs=status.epochs_target, seconds=number(status.train_seconds, lang, 1),
             device=where_label(status, lang))  # fmt: skip


def progress_text(live: Progress, lang: str) -> str:
    """The progress bar's text: epoch, batch, samples per second and the time left.

    No speed and no time left until batches after the first (compiling) execution are timed:
    a guess from the first batches alone once read "about 240,000 s left".
    """
    where = {"epoch": min(live.epoch + 1, live.epochs), "epochs": live.epochs,
             "batch": min(live.batch, live.steps), "steps": live.steps}  # fmt: skip
    if not live.sps:
        return t("train.progress_timing", lang, **where)
    return t("train.progress", lang, **where, sps=number(live.sps, lang), eta=number(eta_seconds(live), lang))


def eta_seconds(live: Progress) -> float:
    """Seconds left for a running job, from its progress and measured samples per second."""
    left = (1 - (progress(live) or 0.0)) * max(1, (live.epochs - live.initial_epoch) * live.steps)
    return left * live.batch_size / max(live.sps or 1.0, 1e-6)


# How the Training page shows each job-manager answer that is not simply "your run".
NOTE_KINDS = {"active": "info", "busy": "warning", "not_owner": "warning", "parent_missing": "error",
              "not_resumable": "error"}  # fmt: skip


def report_rows(report: dict, names: list[str], lang: str) -> list[dict[str, str]]:
    """scikit-learn's classification report as table rows, headers and numbers in ``lang``."""
    rows = []
    for key, entry in report.items():
        values = entry if isinstance(entry, dict) else {"f1-score": entry}  # the "accuracy" entry is one number
        label = names[int(key)] if key.isdigit() else t(f"runs.report.{key.replace(' ', '_')}", lang)
        cells = {t(f"runs.report.{m}", lang): number(v, lang, 0 if m == "support" else 3) for m, v in values.items()}
        rows.append({"": label, **cells})
    columns = [c for row in rows for c in row]
    columns = list(dict.fromkeys(columns))  # the "accuracy" row has one number: the others show "—", not None
    return [{c: row.get(c, "—") for c in columns} for row in rows]


def worker_rows(workers: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The training workers (``JobManager.describe()``) as table rows in ``lang``."""
    return [
        {
            t("runs.worker.backend", lang): t(f"train.backend.{w['backend']}", lang),
            t("runs.worker.state", lang): t(f"runs.worker.{w['state']}", lang),
            t("runs.worker.run", lang): w["run"] or "—",
            t("runs.worker.memory", lang): number(w["memory_mb"], lang),
            t("runs.worker.jobs", lang): w["jobs"],
        }
        for w in workers
    ]


def host_plan_text(plan, lang: str) -> str:
    """The worker pool the server chose for its host (``lib.train.host.PoolPlan``), in ``lang``."""
    warm = " + ".join(t(f"train.backend.{b}", lang) for b in plan.warm) or "—"
    overridden = t("runs.host_overridden", lang, names=", ".join(plan.overridden)) if plan.overridden else ""
    return t("runs.host_plan", lang, memory=number(plan.limits.memory_mb, lang), cpus=number(plan.limits.cpus, lang),
             source=t(f"runs.host_source.{plan.limits.source}", lang), workers=plan.workers,
             cap=number(plan.worker_memory_mb, lang), warm=warm, overridden=overridden)  # fmt: skip


# Experiment runs are grouped under their experiment in run lists (``run.group.<key>``).
_DEMO_KINDS = ("gan", "playground", "pretrained")
# Keys a run's name shows otherwise (its experiment, owner and parent), not as differing settings.
_NAMED_APART = ("owner", "fold", "imbalance", "init_from", "classes", "continues", "kind")


def experiment_of(config: RunConfig) -> str:
    """The experiment a run belongs to (``folds``, ``imbalance``, ``transfer``, ``demo``), or "" for a plain run."""
    if config.fold is not None:
        return "folds"
    if config.imbalance is not None:
        return "imbalance"
    if config.init_from is not None or config.classes is not None:
        return "transfer"
    return "demo" if config.kind in _DEMO_KINDS else ""


def ordered_runs(store: RunStore, run_ids: list[str], nickname: str) -> list[str]:
    """Run lists a student can read: their own runs first.

    Their plain runs (newest first), then their experiment runs grouped by experiment,
    then everyone else's in the same order.
    """

    def key(run_id: str) -> tuple[int, str, float]:
        group = experiment_of(store.config(run_id))
        rank = (0 if is_mine(store, run_id, nickname) else 2) + (1 if group else 0)
        return rank, group, -store.status(run_id).created

    return sorted(run_ids, key=key)


def run_names(store: RunStore, run_ids: list[str], lang: str, limit: int = 2) -> dict[str, str]:
    """What tells each run from the others with the same dataset and model.

    The settings that differ (e.g. "Epochs 5 · Seed 3"), the experiment it belongs to
    and when it was made.
    """
    configs = {r: store.config(r) for r in run_ids}
    groups: dict[tuple, list[str]] = {}
    for run_id, config in configs.items():
        groups.setdefault((config.dataset, config.model_name), []).append(run_id)
    names = {}
    for members in groups.values():
        apart = {r: {k: v for k, v in configs[r].to_dict().items() if k not in _NAMED_APART} for r in members}
        rows = config_differences(apart)
        for run_id in members:
            parts = [f"{setting_label(row['setting'], lang)} {_short(row[run_id], lang)}" for row in rows[:limit]]
            if group := experiment_of(configs[run_id]):
                parts.insert(0, t(f"run.group.{group}", lang))
            parts.append(time.strftime("%H:%M", time.localtime(store.status(run_id).created)))
            names[run_id] = " · ".join(parts)
    return names


def _short(value: str, lang: str) -> str:
    """A differing setting's value as a run's name shows it (numbers in ``lang``, long values cut)."""
    try:
        number_value = float(value)
    except ValueError:
        return value if len(value) <= 24 else value[:23] + "…"
    if number_value.is_integer():
        return number(number_value, lang, 0)
    return f"{number_value:g}".replace(".", "," if lang == "pt" else ".")
