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

from lib.model.spec import MAX_JSON_BYTES, SpecError, from_dict, json_depth_ok
from lib.train.config_check import TARGETS, config_problems

PARAM = "setup"
# Problems a shared setup may have and still open: the pages explain them as they would
# for a model being edited (a link may be shared mid-edit).
TOLERATED = ("invalid_model", "loss_output", "input_mismatch")
KEYS = ("version", "spec", "dataset", "train_samples", "target", "settings", "backend")


def setup_token(config: dict[str, Any]) -> str:
    """``config`` (from :func:`lib.train.training.make_config`) as a URL-safe token."""
    text = json.dumps({k: config[k] for k in KEYS if k in config}, sort_keys=True, separators=(",", ":"))
    return base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode().rstrip("=")


def setup_from_token(token: str) -> dict[str, Any]:
    """The config in a share link.

    Raises:
        SpecError: ``bad_link`` (damaged, too large, or settings no form could show) or the
            model's own spec error.
    """
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        text = zlib.decompressobj().decompress(raw, MAX_JSON_BYTES + 1)
        if len(text) > MAX_JSON_BYTES or not json_depth_ok(text.decode()):
            raise SpecError("bad_link")
        config = json.loads(text)
    except (ValueError, zlib.error, UnicodeDecodeError, RecursionError) as exc:
        raise SpecError("bad_link") from exc
    if not isinstance(config, dict) or set(config) - set(KEYS) or config.get("target") not in TARGETS:
        raise SpecError("bad_link")
    from_dict(config.get("spec"))  # the model's own errors, as for an uploaded model
    if any(p.code not in TOLERATED for p in config_problems(config)):
        raise SpecError("bad_link")
    return config
