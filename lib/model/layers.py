"""The layer registry: the one place that declares each Keras layer the app offers.

For every layer: its parameters (type, range or choices, default, required, help in pt-BR
and English), the input rank it accepts, and how its output shape and parameter count
follow from its input. Form widgets, validation, shape analysis, model building, JSON and
code export all read this registry.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lib.errors import CodedError

Shape = tuple[int, ...]  # one sample's shape, without the batch axis

ACTIVATIONS = (
    "linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "gelu", "silu",
    "leaky_relu", "softplus", "softsign", "hard_sigmoid", "relu6", "exponential",
)  # fmt: skip
PADDINGS = ("valid", "same")


@dataclass(frozen=True)
class Param:
    """One constructor argument of a layer.

    ``kind`` is ``int``, ``float``, ``choice``, ``bool``, ``int_tuple`` or ``optional_int``
    (an int or None, e.g. pooling strides that default to the pool size).
    """

    name: str
    kind: str
    default: Any
    help: dict[str, str]
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    required: bool = False
    open_high: bool = False  # the upper bound itself is not allowed (Dropout rate < 1)
    later: bool = False  # offered after specs were first named: left out of a spec's JSON at its default

    def check(self, value: Any) -> str | None:
        """Return None if ``value`` is allowed, else a short reason code (for messages)."""
        if self.kind == "optional_int" and value is None:
            return None
        if self.kind == "bool":
            return None if isinstance(value, bool) else "type_bool"
        if self.kind == "choice":
            return None if value in self.choices else "choice"
        if self.kind == "int_tuple":
            ok = isinstance(value, (list, tuple)) and value and all(_is_int(v) and v > 0 for v in value)
            return None if ok else "type_tuple"
        numeric = _is_int(value) if self.kind in ("int", "optional_int") else _is_number(value)
        if not numeric:
            return "type_int" if self.kind in ("int", "optional_int") else "type_float"
        if self.low is not None and value < self.low:
            return "range"
        if self.high is not None and (value > self.high or (self.open_high and value >= self.high)):
            return "range"
        return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class LayerType:
    """A Keras layer class as the app offers it.

    Attributes:
        name: the ``keras.layers`` class name.
        family: group shown in the layer picker.
        params: the constructor arguments the app exposes.
        help: one-line explanation (``{"en": ..., "pt": ...}``).
        ranks: input ranks (without batch) the layer accepts; None accepts any.
        merge: takes a list of inputs (Add, Concatenate).
        output: ``(config, input_shapes) -> output shape``; raises ShapeError.
        weights: ``(config, input_shapes) -> (trainable, non_trainable)`` parameter counts.
    """

    name: str
    family: str
    params: tuple[Param, ...]
    help: dict[str, str]
    output: Callable[[dict, list[Shape]], Shape]
    weights: Callable[[dict, list[Shape]], tuple[int, int]] = lambda c, s: (0, 0)
    ranks: tuple[int, ...] | None = None
    merge: bool = False
    integer_input: bool = False  # needs token ids straight from the input (Embedding)
    augmentation: bool = False  # active only while training
    defaults: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "defaults", {p.name: p.default for p in self.params})

    def param(self, name: str) -> Param:
        """The parameter called ``name``."""
        return next(p for p in self.params if p.name == name)


class ShapeError(CodedError):
    """A layer cannot take its input; ``code`` and ``values`` name the explanation."""


def _h(en: str, pt: str) -> dict[str, str]:
    return {"en": en, "pt": pt}


# --- shape and weight rules ---------------------------------------------------------------


def _same(config: dict, shapes: list[Shape]) -> Shape:
    return shapes[0]


def _window(length: int, size: int, stride: int, padding: str, what: str) -> int:
    if padding == "same":
        return math.ceil(length / stride)
    if size > length:
        raise ShapeError("window_too_large", size=size, length=length, what=what)
    return (length - size) // stride + 1


def _conv_nd(rank: int) -> Callable[[dict, list[Shape]], Shape]:
    def out(config: dict, shapes: list[Shape]) -> Shape:
        *spatial, _ = shapes[0]
        k, s = config["kernel_size"], config["strides"]
        dims = tuple(_window(n, k, s, config["padding"], "kernel_size") for n in spatial[:rank])
        return (*dims, config["filters"])

    return out


def _conv_weights(rank: int) -> Callable[[dict, list[Shape]], tuple[int, int]]:
    def weights(config: dict, shapes: list[Shape]) -> tuple[int, int]:
        cin = shapes[0][-1]
        kernel = config["kernel_size"] ** rank * cin * config["filters"]
        return kernel + (config["filters"] if config.get("use_bias", True) else 0), 0

    return weights


def _conv_transpose(config: dict, shapes: list[Shape]) -> Shape:
    h, w, _ = shapes[0]
    k, s = config["kernel_size"], config["strides"]
    grow = (lambda n: n * s) if config["padding"] == "same" else (lambda n: n * s + max(k - s, 0))
    return grow(h), grow(w), config["filters"]


def _pool_nd(rank: int) -> Callable[[dict, list[Shape]], Shape]:
    def out(config: dict, shapes: list[Shape]) -> Shape:
        *spatial, c = shapes[0]
        size = config["pool_size"]
        stride = config.get("strides") or size
        return (*(_window(n, size, stride, config["padding"], "pool_size") for n in spatial[:rank]), c)

    return out


def _dense(config: dict, shapes: list[Shape]) -> Shape:
    return (*shapes[0][:-1], config["units"])


def _dense_weights(config: dict, shapes: list[Shape]) -> tuple[int, int]:
    return shapes[0][-1] * config["units"] + (config["units"] if config.get("use_bias", True) else 0), 0


def _flatten(config: dict, shapes: list[Shape]) -> Shape:
    return (math.prod(shapes[0]),)


def _reshape(config: dict, shapes: list[Shape]) -> Shape:
    target = tuple(config["target_shape"])
    if math.prod(target) != math.prod(shapes[0]):
        raise ShapeError("reshape_size", target=target, size=math.prod(shapes[0]), shape=shapes[0])
    return target


def _global_pool(config: dict, shapes: list[Shape]) -> Shape:
    return (shapes[0][-1],)


def _upsample(config: dict, shapes: list[Shape]) -> Shape:
    h, w, c = shapes[0]
    return h * config["size"], w * config["size"], c


def _embedding(config: dict, shapes: list[Shape]) -> Shape:
    return (*shapes[0], config["output_dim"])


def _rnn(config: dict, shapes: list[Shape]) -> Shape:
    steps, _ = shapes[0]
    return (steps, config["units"]) if config["return_sequences"] else (config["units"],)


def _rnn_weights(gates: int, extra_bias: int = 0) -> Callable[[dict, list[Shape]], tuple[int, int]]:
    def weights(config: dict, shapes: list[Shape]) -> tuple[int, int]:
        units, features = config["units"], shapes[0][-1]
        return gates * (units * (features + units) + units * (1 + extra_bias)), 0

    return weights


def _add(config: dict, shapes: list[Shape]) -> Shape:
    if any(s != shapes[0] for s in shapes):
        raise ShapeError("merge_shapes", shapes=" + ".join(str(s) for s in shapes))
    return shapes[0]


def _concatenate(config: dict, shapes: list[Shape]) -> Shape:
    rank = len(shapes[0])
    axis = config["axis"] % rank if -rank <= config["axis"] < rank else None
    if axis is None or any(len(s) != rank for s in shapes):
        raise ShapeError("concat_shapes", shapes=" + ".join(str(s) for s in shapes), axis=config["axis"])
    rest = [tuple(d for i, d in enumerate(s) if i != axis) for s in shapes]
    if any(r != rest[0] for r in rest):
        raise ShapeError("concat_shapes", shapes=" + ".join(str(s) for s in shapes), axis=config["axis"])
    merged = list(shapes[0])
    merged[axis] = sum(s[axis] for s in shapes)
    return tuple(merged)


def _batchnorm_weights(config: dict, shapes: list[Shape]) -> tuple[int, int]:
    return 2 * shapes[0][-1], 2 * shapes[0][-1]


def _embedding_weights(config: dict, shapes: list[Shape]) -> tuple[int, int]:
    return config["input_dim"] * config["output_dim"], 0


# --- parameters shared by several layers --------------------------------------------------


def _activation(default: str = "linear", required: bool = False) -> Param:
    return Param("activation", "choice", default, _h(
        "Function applied to each output (relu for hidden layers, softmax for class probabilities).",
        "Função aplicada a cada saída (relu nas camadas ocultas, softmax para probabilidades de classe)."),
        choices=ACTIVATIONS, required=required)  # fmt: skip


USE_BIAS = Param(
    "use_bias", "bool", True, _h("Learn a bias added to each output.", "Aprender um viés somado a cada saída.")
)
PADDING = Param("padding", "choice", "valid", _h(
    "valid: no padding, the output shrinks; same: zero padding keeps the size (at stride 1).",
    "valid: sem preenchimento, a saída encolhe; same: preenche com zeros e mantém o tamanho (com passo 1)."),
    choices=PADDINGS)  # fmt: skip
FILTERS = Param(
    "filters",
    "int",
    32,
    _h("Number of kernels, i.e. output channels.", "Número de filtros, ou seja, canais de saída."),
    1,
    1024,
    required=True,
)
KERNEL = Param(
    "kernel_size",
    "int",
    3,
    _h("Side of the sliding window, in pixels.", "Lado da janela deslizante, em pixels."),
    1,
    15,
    required=True,
)
STRIDES = Param(
    "strides",
    "int",
    1,
    _h("Step of the window; 2 halves the output size.", "Passo da janela; 2 reduz a saída à metade."),
    1,
    8,
)
POOL = Param(
    "pool_size", "int", 2, _h("Side of the pooling window.", "Lado da janela de pooling."), 1, 8, required=True
)
POOL_STRIDES = Param(
    "strides",
    "optional_int",
    None,
    _h("Step of the window; empty means the pool size.", "Passo da janela; vazio significa o tamanho da janela."),
    1,
    8,
)
UNITS = Param("units", "int", 64, _h("Number of neurons (outputs).", "Número de neurônios (saídas)."), 1, 65536,
              required=True)  # fmt: skip
RNN_UNITS = Param("units", "int", 32, _h("Size of the hidden state.", "Tamanho do estado oculto."), 1, 4096,
                  required=True)  # fmt: skip
RETURN_SEQ = Param("return_sequences", "bool", False, _h(
    "Return the output of every step (to stack another recurrent layer), not only the last.",
    "Devolver a saída de cada passo (para empilhar outra camada recorrente), não só a última."))  # fmt: skip
RNN_DROPOUT = Param(
    "dropout",
    "float",
    0.0,
    _h("Dropout rate on the inputs of each step.", "Taxa de dropout nas entradas de cada passo."),
    0.0,
    1.0,
    open_high=True,
)
FACTOR = Param(
    "factor",
    "float",
    0.1,
    _h("Strength of the random change (fraction).", "Intensidade da mudança aleatória (fração)."),
    0.0,
    1.0,
    required=True,
)
FILL_MODE = Param("fill_mode", "choice", "reflect", _h(
    "How the pixels the change uncovers are filled: constant fills them with black (0), like the "
    "datasets' backgrounds; reflect mirrors the picture; wrap repeats it; nearest stretches its edge.",
    "Como são preenchidos os pixels que a mudança descobre: constant preenche com preto (0), como o "
    "fundo dos datasets; reflect espelha a imagem; wrap a repete; nearest estica a borda."),
    choices=("reflect", "constant", "wrap", "nearest"), later=True)  # fmt: skip
HEIGHT_FACTOR = Param("height_factor", "float", 0.1, _h("Fraction of the height to zoom or shift by.",
                                                        "Fração da altura para ampliar ou deslocar."), -1.0, 1.0,
                      required=True)  # fmt: skip
WIDTH_FACTOR = Param(
    "width_factor",
    "float",
    0.1,
    _h("Fraction of the width to shift by.", "Fração da largura para deslocar."),
    -1.0,
    1.0,
    required=True,
)


def _rnn_type(name: str, gates: int, extra_bias: int, en: str, pt: str) -> LayerType:
    return LayerType(name, "recurrent", (RNN_UNITS, _activation("tanh"), RNN_DROPOUT, RETURN_SEQ), _h(en, pt),
                     _rnn, _rnn_weights(gates, extra_bias), ranks=(2,))  # fmt: skip


LAYER_TYPES: tuple[LayerType, ...] = (
    LayerType("Dense", "core", (UNITS, _activation(), USE_BIAS), _h(
        "Fully connected: every output neuron sees every input.",
        "Totalmente conectada: cada neurônio de saída vê todas as entradas."), _dense, _dense_weights),
    LayerType("Activation", "core", (_activation("relu", required=True),), _h(
        "Applies an activation function on its own.", "Aplica uma função de ativação sozinha."), _same),
    LayerType("Dropout", "regularization", (Param("rate", "float", 0.5, _h(
        "Fraction of inputs set to zero at random while training (0 to 1, not 1).",
        "Fração das entradas zeradas ao acaso durante o treino (de 0 a 1, sem incluir 1)."),
        0.0, 1.0, required=True, open_high=True),), _h(
        "Randomly drops inputs while training, against overfitting.",
        "Descarta entradas ao acaso durante o treino, contra o sobreajuste."), _same),
    LayerType("Flatten", "reshaping", (), _h(
        "Turns an image or a sequence into one long vector.", "Transforma uma imagem ou sequência em um vetor."),
        _flatten),
    LayerType("Reshape", "reshaping", (Param("target_shape", "int_tuple", (28, 28, 1), _h(
        "New shape of each sample (same number of values).",
        "Novo formato de cada amostra (mesmo número de valores)."), required=True),), _h(
        "Rearranges the values into a new shape.", "Reorganiza os valores em um novo formato."), _reshape),
    LayerType("Rescaling", "preprocessing", (
        Param("scale", "float", 1 / 255, _h("Multiply every input by this.", "Multiplica cada entrada por isto."),
              -1e6, 1e6, required=True),
        Param("offset", "float", 0.0, _h("Then add this.", "Depois soma isto."), -1e6, 1e6)), _h(
        "Rescales inputs, e.g. pixels from 0-255 to 0-1.", "Reescala as entradas, p. ex. pixels de 0-255 para 0-1."),
        _same),
    LayerType("BatchNormalization", "normalization", (
        Param("momentum", "float", 0.99, _h("Momentum of the moving averages.", "Momento das médias móveis."),
              0.0, 1.0),
        Param("epsilon", "float", 0.001, _h("Small number added to the variance.", "Número pequeno somado à variância."),
              1e-8, 1.0)), _h(
        "Normalises each channel over the batch; stabilises and speeds training.",
        "Normaliza cada canal no lote; estabiliza e acelera o treino."), _same, _batchnorm_weights),
    LayerType("Conv2D", "convolution", (FILTERS, KERNEL, STRIDES, PADDING, _activation(), USE_BIAS), _h(
        "Slides small learned kernels over the image to detect local patterns.",
        "Desliza pequenos filtros aprendidos pela imagem para detectar padrões locais."),
        _conv_nd(2), _conv_weights(2), ranks=(3,)),
    LayerType("Conv2DTranspose", "convolution", (FILTERS, KERNEL, STRIDES, PADDING, _activation(), USE_BIAS), _h(
        "Transposed convolution: grows the image (used in decoders and GANs).",
        "Convolução transposta: aumenta a imagem (usada em decodificadores e GANs)."),
        _conv_transpose, _conv_weights(2), ranks=(3,)),
    LayerType("MaxPooling2D", "pooling", (POOL, POOL_STRIDES, PADDING), _h(
        "Keeps the largest value of each window: shrinks the image.",
        "Mantém o maior valor de cada janela: reduz a imagem."), _pool_nd(2), ranks=(3,)),
    LayerType("AveragePooling2D", "pooling", (POOL, POOL_STRIDES, PADDING), _h(
        "Keeps the mean of each window: shrinks the image.", "Mantém a média de cada janela: reduz a imagem."),
        _pool_nd(2), ranks=(3,)),
    LayerType("GlobalAveragePooling2D", "pooling", (), _h(
        "Averages each channel over the whole image: one value per channel.",
        "Faz a média de cada canal na imagem inteira: um valor por canal."), _global_pool, ranks=(3,)),
    LayerType("UpSampling2D", "reshaping", (
        Param("size", "int", 2, _h("Repeat factor for rows and columns.", "Fator de repetição de linhas e colunas."),
              1, 8),
        Param("interpolation", "choice", "nearest", _h("How new pixels are filled.", "Como os novos pixels são preenchidos."),
              choices=("nearest", "bilinear"))), _h(
        "Enlarges the image by repeating pixels.", "Amplia a imagem repetindo pixels."), _upsample, ranks=(3,)),
    LayerType("Conv1D", "convolution", (FILTERS, KERNEL, STRIDES, PADDING, _activation(), USE_BIAS), _h(
        "Slides learned kernels along a sequence.", "Desliza filtros aprendidos ao longo de uma sequência."),
        _conv_nd(1), _conv_weights(1), ranks=(2,)),
    LayerType("MaxPooling1D", "pooling", (POOL, POOL_STRIDES, PADDING), _h(
        "Keeps the largest value of each window of a sequence.", "Mantém o maior valor de cada janela da sequência."),
        _pool_nd(1), ranks=(2,)),
    LayerType("GlobalAveragePooling1D", "pooling", (), _h(
        "Averages over all steps of a sequence.", "Faz a média sobre todos os passos da sequência."),
        _global_pool, ranks=(2,)),
    LayerType("Embedding", "text", (
        Param("input_dim", "int", 10000, _h("Vocabulary size (largest token id + 1).",
                                            "Tamanho do vocabulário (maior id de token + 1)."), 1, 1_000_000,
              required=True),
        Param("output_dim", "int", 32, _h("Length of each word vector.", "Tamanho do vetor de cada palavra."),
              1, 4096, required=True)), _h(
        "Turns token ids into learned word vectors.", "Transforma ids de tokens em vetores de palavras aprendidos."),
        _embedding, _embedding_weights, ranks=(1,), integer_input=True),
    _rnn_type("SimpleRNN", 1, 0, "A simple recurrent layer.", "Uma camada recorrente simples."),
    _rnn_type("LSTM", 4, 0, "Long short-term memory: remembers over long sequences.",
              "Memória de longo e curto prazo: lembra ao longo de sequências longas."),
    _rnn_type("GRU", 3, 1, "Gated recurrent unit: a lighter LSTM.", "Unidade recorrente com portas: um LSTM mais leve."),
    LayerType("Add", "merge", (), _h("Adds its inputs element by element (same shapes).",
                                     "Soma as entradas elemento a elemento (mesmos formatos)."), _add, merge=True),
    LayerType("Concatenate", "merge", (Param("axis", "int", -1, _h("Axis to join along (-1: channels/features).",
                                                                  "Eixo da junção (-1: canais/atributos)."), -4, 3),),
              _h("Joins its inputs side by side.", "Junta as entradas lado a lado."), _concatenate, merge=True),
    LayerType("RandomFlip", "augmentation", (Param("mode", "choice", "horizontal_and_vertical", _h(
        "Which flips to apply at random.", "Quais espelhamentos aplicar ao acaso."),
        choices=("horizontal", "vertical", "horizontal_and_vertical")),), _h(
        "Mirrors images at random while training.", "Espelha imagens ao acaso durante o treino."), _same,
        ranks=(3,), augmentation=True),
    LayerType("RandomRotation", "augmentation", (FACTOR, FILL_MODE), _h(
        "Rotates images at random by up to factor × 360°.", "Gira imagens ao acaso até fator × 360°."), _same,
        ranks=(3,), augmentation=True),
    LayerType("RandomZoom", "augmentation", (HEIGHT_FACTOR, FILL_MODE), _h(
        "Zooms images in or out at random.", "Amplia ou reduz imagens ao acaso."), _same,
        ranks=(3,), augmentation=True),
    LayerType("RandomTranslation", "augmentation", (HEIGHT_FACTOR, WIDTH_FACTOR, FILL_MODE), _h(
        "Shifts images at random.", "Desloca imagens ao acaso."), _same, ranks=(3,), augmentation=True),
    LayerType("RandomContrast", "augmentation", (FACTOR,), _h(
        "Changes the contrast at random.", "Altera o contraste ao acaso."), _same, ranks=(3,), augmentation=True),
)  # fmt: skip

REGISTRY: dict[str, LayerType] = {layer.name: layer for layer in LAYER_TYPES}
FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(layer.family for layer in LAYER_TYPES))


def normalise_config(layer: LayerType, config: dict) -> dict:
    """The layer's defaults overlaid with ``config`` (tuples as lists, JSON-style)."""
    merged = {**layer.defaults, **config}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in merged.items()}
