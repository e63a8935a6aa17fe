"""ModelSpec: a model as plain data (Keras-style ``class_name`` + ``config`` per layer).

Sequential models are the simple case: each layer's input is the layer before it.
Functional models name each node's inputs, so branches and merges are possible. Specs
round-trip through JSON, hash stably, and fit in a share link.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from lib.errors import CodedError
from lib.model.layers import REGISTRY, normalise_config

FORMAT = "keras-playground/model/1"
INPUT_ID = "input"
MAX_NODES = 200
MAX_JSON_BYTES = 200_000
MAX_JSON_DEPTH = 12  # a real spec nests 5 deep; a 100,000-deep list must not reach json.loads
# Model names: letters (any language), digits, space, dot, dash, underscore. Keras refuses
# "/", and the name reaches file names and the exported script.
NAME_PATTERN = re.compile(r"^\w[\w .-]{0,59}$")


def snake_case(class_name: str) -> str:
    """A class name as Keras names its layers (``Conv2D`` → ``conv2d``, ``MaxPooling2D`` → ``max_pooling2d``).

    The same two rules as Keras's own ``to_snake_case``: a capitalised word after any
    character, then a capital after a lower-case letter, start a new word.
    """
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def safe_name(text: object) -> str:
    """``text`` turned into an allowed model name (see ``NAME_PATTERN``): other characters become "_"."""
    name = re.sub(r"[^\w .-]", "_", str(text))[:60].strip()
    return name if NAME_PATTERN.match(name) else "model"


class SpecError(CodedError):
    """A JSON document is not a valid model spec; ``code`` keys the explanation."""


@dataclass
class Node:
    """One layer: its id (also its Keras name), class, config and (functional) inputs."""

    id: str
    class_name: str
    config: dict[str, Any] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)


@dataclass
class ModelSpec:
    """A whole model: input shape, mode, and the layers in order."""

    input_shape: tuple[int, ...]
    nodes: list[Node] = field(default_factory=list)
    mode: str = "sequential"  # or "functional"
    name: str = "model"

    def inputs_of(self, index: int) -> list[str]:
        """The ids feeding node ``index`` (the previous node, for Sequential)."""
        if self.mode == "functional":
            return list(self.nodes[index].inputs)
        return [self.nodes[index - 1].id if index else INPUT_ID]

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form (defaults filled in, so the hash names the real model)."""
        return {
            "format": FORMAT,
            "name": self.name,
            "mode": self.mode,
            "input_shape": list(self.input_shape),
            "layers": [
                {
                    "id": n.id,
                    "class_name": n.class_name,
                    "config": _named_config(n.class_name, n.config),
                    **({"inputs": list(n.inputs)} if self.mode == "functional" else {}),
                }
                for n in self.nodes
            ],
        }

    def to_json(self) -> str:
        """Canonical JSON (sorted keys), the same text for the same model."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    def content_hash(self) -> str:
        """A stable 16-hex-digit hash of the model (ignores its display name)."""
        data = self.to_dict()
        data.pop("name")
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def new_id(self, class_name: str) -> str:
        """An unused node id in Keras's own style: ``dense_2``, ``conv2d_1``, ``max_pooling2d_1``."""
        base = snake_case(class_name)
        taken = {n.id for n in self.nodes}
        i = 1
        while f"{base}_{i}" in taken:
            i += 1
        return f"{base}_{i}"

    def copy(self) -> ModelSpec:
        """A deep copy."""
        return from_dict(json.loads(self.to_json()))


def _named_config(class_name: str, config: dict) -> dict:
    """A layer's config as a spec's JSON names it: every parameter, defaults filled in.

    Parameters offered later (``Param.later``) only when they differ from their default, so
    specs made before them keep their hash, and their runs stay cached.
    """
    layer = REGISTRY[class_name]
    merged = normalise_config(layer, config)
    return {k: v for k, v in merged.items() if not (layer.param(k).later and v == layer.param(k).default)}


def from_dict(data: Any) -> ModelSpec:
    """Read a spec from parsed JSON, checking everything an upload could get wrong.

    Raises:
        SpecError: with a code for the translated message (never another exception).
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SpecError("not_a_spec")
    layers, shape = data.get("layers"), data.get("input_shape")
    if not isinstance(layers, list) or len(layers) > MAX_NODES:
        raise SpecError("too_many_layers", limit=MAX_NODES)
    if not (isinstance(shape, list) and 1 <= len(shape) <= 3 and all(type(d) is int and 0 < d <= 4096 for d in shape)):
        raise SpecError("bad_input_shape", shape=str(shape)[:40])
    mode = data.get("mode", "sequential")
    if mode not in ("sequential", "functional"):
        raise SpecError("bad_mode", mode=str(mode)[:20])
    nodes, seen = [], {INPUT_ID}
    for entry in layers:
        nodes.append(_node(entry, seen))
        seen.add(nodes[-1].id)
    name = data.get("name", "model")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise SpecError("bad_name", name=str(name)[:40])
    return ModelSpec(tuple(shape), nodes, mode, name)


def _node(entry: Any, seen: set[str]) -> Node:
    if not isinstance(entry, dict):
        raise SpecError("not_a_spec")
    class_name, node_id = entry.get("class_name"), entry.get("id")
    if class_name not in REGISTRY:
        raise SpecError("unknown_layer", layer=str(class_name)[:40])
    if not isinstance(node_id, str) or not node_id.replace("_", "").isalnum() or len(node_id) > 40 or node_id in seen:
        raise SpecError("bad_id", id=str(node_id)[:40])
    config = entry.get("config", {})
    allowed = {p.name for p in REGISTRY[class_name].params}
    if not isinstance(config, dict) or set(config) - allowed:
        raise SpecError("unknown_param", layer=class_name, params=", ".join(sorted(set(config) - allowed))[:80])
    inputs = entry.get("inputs", [])
    if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs) or len(inputs) > 8:
        raise SpecError("bad_inputs", id=node_id)
    config = {k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}
    for param in REGISTRY[class_name].params:
        if param.name in config and (reason := param.check(config[param.name])):
            raise SpecError("bad_value", layer=node_id, param=param.name, value=str(config[param.name])[:40],
                            allowed=_allowed(param, reason))  # fmt: skip
    return Node(node_id, class_name, config, inputs)


def _allowed(param, reason: str) -> str:
    """What ``param`` accepts, in a form both languages can show as it is."""
    if reason == "range":
        high = "∞" if param.high is None else f"{param.high:g}"
        return f"{param.low:g} … {high}" if param.low is not None else f"≤ {high}"
    if reason == "choice":
        return ", ".join(map(str, param.choices))
    return {"type_int": "int", "type_float": "float", "type_bool": "true / false"}.get(reason, "(n, n)")


def json_depth_ok(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the brackets of JSON ``text`` nest at most ``limit`` deep (strings skipped).

    Checked before ``json.loads``, whose recursion a crafted document can exhaust.
    """
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return False
        elif char in "]}":
            depth -= 1
    return True


def from_json(text: str | bytes) -> ModelSpec:
    """Parse an uploaded JSON document (size-limited) into a spec."""
    if len(text) > MAX_JSON_BYTES:
        raise SpecError("too_large", limit=MAX_JSON_BYTES // 1000)
    try:
        text = text.decode("utf-8") if isinstance(text, bytes) else text
    except UnicodeDecodeError as exc:
        raise SpecError("bad_json", detail=str(exc)[:80]) from exc
    if not json_depth_ok(text):
        raise SpecError("too_deep", limit=MAX_JSON_DEPTH)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise SpecError("bad_json", detail=str(exc)[:80]) from exc
    return from_dict(data)


def to_link_token(spec: ModelSpec) -> str:
    """Encode a spec for a URL query parameter (compressed, base64url)."""
    return base64.urlsafe_b64encode(zlib.compress(spec.to_json().encode(), 9)).decode().rstrip("=")


def from_link_token(token: str) -> ModelSpec:
    """Decode :func:`to_link_token` output (refusing oversized or damaged tokens)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        text = zlib.decompressobj().decompress(raw, MAX_JSON_BYTES + 1)
    except (ValueError, zlib.error) as exc:
        raise SpecError("bad_link") from exc
    return from_json(text)


def sequential(input_shape: tuple[int, ...], *layers: tuple[str, dict], name: str = "model") -> ModelSpec:
    """Build a Sequential spec from ``(class_name, config)`` pairs."""
    spec = ModelSpec(tuple(input_shape), [], "sequential", name)
    for class_name, config in layers:
        spec.nodes.append(Node(spec.new_id(class_name), class_name, dict(config)))
    return spec
