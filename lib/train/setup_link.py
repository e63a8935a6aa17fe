"""Share links: the whole setup (dataset, model, compile and fit settings, backend) in a URL.

A link carries the run config the Training page would submit, compressed into one query
parameter; opening it restores exactly that setup, so the same link gives the same run
(the same config hash). A link is checked like any config before it touches a session.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from lib.data import datasets
from lib.model.spec import MAX_JSON_BYTES, SpecError, from_dict, json_depth_ok
from lib.train.config_check import BACKEND_CHOICES, TARGETS, config_problems, settings_problems
from lib.train.run_config import RunConfig

PARAM = "setup"
# Problems a shared setup may have and still open: the pages explain them as they would
# for a model being edited (a link may be shared mid-edit).
TOLERATED = ("invalid_model", "loss_output", "input_mismatch")
KEYS = ("version", "spec", "dataset", "train_samples", "target", "settings", "backend")


def setup_token(config: RunConfig) -> str:
    """``config`` (from :func:`lib.train.training.make_config`) as a URL-safe token (of its JSON form)."""
    data = config.to_dict()
    text = json.dumps({k: data[k] for k in KEYS if k in data}, sort_keys=True, separators=(",", ":"))
    return base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode().rstrip("=")


def setup_from_token(token: str) -> dict[str, Any]:
    """The config in a share link.

    Raises:
        SpecError: ``bad_link`` (damaged, too large, or settings no form could show) or the
            model's own spec error.
    """
    config = _decode(token)
    if not isinstance(config, dict) or set(config) - set(KEYS) or config.get("target") not in TARGETS:
        raise SpecError("bad_link")
    from_dict(config.get("spec"))  # the model's own errors, as for an uploaded model
    if any(p.code not in TOLERATED for p in config_problems(config)):
        raise SpecError("bad_link")
    return config


# The parts of a setup an address may carry, in the order they are restored; a reader's
# name for each is ``link.part.<part>`` in the catalogs.
PARTS = ("dataset", "model", "settings", "backend", "train_samples")


def restore_parts(token: str) -> tuple[dict[str, Any], list[str]]:
    """What of an address's setup can be restored, and which parts were dropped.

    Unlike :func:`setup_from_token` (a share link: all or nothing), an address opens what
    it can: a dataset deleted since, a model this app version cannot read, settings out of
    range or an unknown backend are each dropped alone (named in the second value), and
    the rest is restored. A token that does not decode drops everything (``["setup"]``).
    """
    try:
        config = _decode(token)
    except SpecError:
        return {}, ["setup"]
    if not isinstance(config, dict):
        return {}, ["setup"]
    parts: dict[str, Any] = {}
    dropped = [part for part in PARTS if not _restore_part(config, part, parts)]
    dropped += sorted(k for k in config if k not in KEYS)[:3]  # from a newer or edited address
    if "dataset" in dropped or "train_samples" not in config:  # a subset goes with its dataset
        dropped = [d for d in dropped if d != "train_samples"]
    return parts, dropped


def _decode(token: str) -> Any:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        text = zlib.decompressobj().decompress(raw, MAX_JSON_BYTES + 1)
        if len(text) > MAX_JSON_BYTES or not json_depth_ok(text.decode()):
            raise SpecError("bad_link")
        return json.loads(text)
    except (ValueError, zlib.error, UnicodeDecodeError, RecursionError) as exc:
        raise SpecError("bad_link") from exc


def _restore_part(config: dict[str, Any], part: str, parts: dict[str, Any]) -> bool:
    """Copy one checked part of ``config`` into ``parts``; False when it cannot be restored."""
    if part == "dataset":
        value = config.get("dataset")
        ok = isinstance(value, str) and value in datasets.REGISTRY
    elif part == "model":
        try:
            value = (from_dict(config.get("spec")), config.get("target"))
        except SpecError:
            return False
        ok = config.get("target") in TARGETS
    elif part == "settings":
        info = datasets.REGISTRY.get(parts.get("dataset", ""))
        task = None if config.get("target") == "input" else info.task if info else None
        value = config.get("settings")
        ok = isinstance(value, dict) and not settings_problems(value, task)
    elif part == "backend":
        value = config.get("backend", "auto")
        ok = value in BACKEND_CHOICES
    else:
        value = config.get("train_samples", 0)
        ok = type(value) is int and 0 <= value and "dataset" in parts
    if ok:
        parts[part] = value
    return ok
