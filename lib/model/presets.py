"""The lessons' networks, each loadable in one click with its recommended settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lib.data.datasets import BUILT_IN, DatasetInfo
from lib.model.analysis import Target, analyse
from lib.model.spec import ModelSpec, Node, sequential
from lib.model.train_config import CompileSettings, FitSettings, TrainSettings


@dataclass(frozen=True)
class Preset:
    """A named model for a dataset, with the compile/fit settings the lesson uses."""

    id: str
    title: dict[str, str]
    dataset: str
    target_kind: str  # "classes" | "value" | "input"
    make: Callable[[tuple[int, ...]], ModelSpec]
    settings: Callable[[], TrainSettings]

    def spec(self, input_shape: tuple[int, ...]) -> ModelSpec:
        """The model for ``input_shape``."""
        spec = self.make(tuple(input_shape))
        spec.name = self.id
        return spec

    def target(self, num_classes: int) -> Target:
        """The output target on a dataset with ``num_classes``."""
        return Target(self.target_kind, num_classes)


def _settings(
    optimizer="Adam",
    lr=0.001,
    loss="sparse_categorical_crossentropy",
    metrics=("accuracy",),
    epochs=5,
    batch=128,
    **params,
) -> Callable[[], TrainSettings]:
    return lambda: TrainSettings(
        CompileSettings(optimizer, {"learning_rate": lr, **params}, loss, list(metrics)),
        FitSettings(epochs=epochs, batch_size=batch),
    )


def _dense(units: int, activation: str = "relu") -> tuple[str, dict]:
    return "Dense", {"units": units, "activation": activation}


def _conv(filters: int, kernel: int = 3, activation: str = "relu", padding: str = "valid", strides: int = 1):
    return "Conv2D", {"filters": filters, "kernel_size": kernel, "activation": activation, "padding": padding,
                      "strides": strides}  # fmt: skip


FLATTEN = ("Flatten", {})
SOFTMAX10 = _dense(10, "softmax")


def _two_branch(shape: tuple[int, ...]) -> ModelSpec:
    spec = ModelSpec(shape, [], "functional")
    for branch, kernel in (("a", 3), ("b", 5)):
        spec.nodes += [
            Node(
                f"conv_{branch}",
                "Conv2D",
                {"filters": 16, "kernel_size": kernel, "padding": "same", "activation": "relu"},
                ["input"],
            ),
            Node(f"pool_{branch}", "MaxPooling2D", {"pool_size": 2}, [f"conv_{branch}"]),
            Node(f"flatten_{branch}", "Flatten", {}, [f"pool_{branch}"]),
        ]
    spec.nodes += [
        Node("concatenate", "Concatenate", {"axis": -1}, ["flatten_a", "flatten_b"]),
        Node("dense", "Dense", {"units": 10, "activation": "softmax"}, ["concatenate"]),
    ]
    return spec


def _h(en: str, pt: str) -> dict[str, str]:
    return {"en": en, "pt": pt}


PRESETS: dict[str, Preset] = {p.id: p for p in (
    Preset("fashion_mlp", _h("Fashion-MNIST MLP (Flatten, Dense 256, Dropout 0.2, Dense 10)",
                             "MLP Fashion-MNIST (Flatten, Dense 256, Dropout 0,2, Dense 10)"),
           "fashion_mnist", "classes",
           lambda s: sequential(s, FLATTEN, _dense(256), ("Dropout", {"rate": 0.2}), SOFTMAX10),
           _settings(epochs=5, batch=32)),
    Preset("digits_mlp", _h("Digits 8×8 MLP (fast, offline)", "MLP Dígitos 8×8 (rápida, offline)"),
           "digits", "classes", lambda s: sequential(s, FLATTEN, _dense(64), SOFTMAX10),
           _settings(epochs=20, batch=32)),
    Preset("mnist_mlp", _h("MNIST MLP 512-512 with Dropout", "MLP MNIST 512-512 com Dropout"), "mnist", "classes",
           lambda s: sequential(s, FLATTEN, _dense(512), ("Dropout", {"rate": 0.2}), _dense(512),
                                ("Dropout", {"rate": 0.2}), SOFTMAX10),
           _settings("RMSprop", epochs=20, batch=128)),
    Preset("sigmoid_mlp", _h("784-128-64-10 sigmoid MLP, SGD 0.01", "MLP sigmoid 784-128-64-10, SGD 0,01"),
           "mnist", "classes",
           lambda s: sequential(s, FLATTEN, _dense(128, "sigmoid"), _dense(64, "sigmoid"), SOFTMAX10),
           _settings("SGD", lr=0.01, epochs=10, batch=32, momentum=0.0, nesterov=False)),
    Preset("lenet5", _h("LeNet-5", "LeNet-5"), "mnist", "classes",
           lambda s: sequential(s, _conv(6, 5, "tanh", "same"), ("AveragePooling2D", {"pool_size": 2}),
                                _conv(16, 5, "tanh"), ("AveragePooling2D", {"pool_size": 2}), FLATTEN,
                                _dense(120, "tanh"), _dense(84, "tanh"), SOFTMAX10),
           _settings(epochs=10, batch=128)),
    Preset("keras_convnet", _h("Simple convnet (keras.io)", "Convnet simples (keras.io)"), "fashion_mnist", "classes",
           lambda s: sequential(s, _conv(32), ("MaxPooling2D", {"pool_size": 2}), _conv(64),
                                ("MaxPooling2D", {"pool_size": 2}), FLATTEN, ("Dropout", {"rate": 0.5}), SOFTMAX10),
           _settings(epochs=5, batch=128)),
    Preset("cifar_cnn", _h("CIFAR-10 small CNN with BatchNormalization", "CNN pequena CIFAR-10 com BatchNormalization"),
           "cifar10", "classes",
           lambda s: sequential(s, _conv(32, padding="same"), ("BatchNormalization", {}), _conv(32),
                                ("BatchNormalization", {}), ("MaxPooling2D", {"pool_size": 2}), ("Dropout", {"rate": 0.25}),
                                _conv(64, padding="same"), ("BatchNormalization", {}), _conv(64),
                                ("BatchNormalization", {}), ("MaxPooling2D", {"pool_size": 2}), ("Dropout", {"rate": 0.25}),
                                FLATTEN, _dense(512), ("Dropout", {"rate": 0.5}), SOFTMAX10),
           _settings(epochs=10, batch=64)),
    Preset("imdb_gap", _h("IMDB Embedding + GlobalAveragePooling1D", "IMDB Embedding + GlobalAveragePooling1D"),
           "imdb", "classes",
           lambda s: sequential(s, ("Embedding", {"input_dim": 10000, "output_dim": 16}),
                                ("GlobalAveragePooling1D", {}), _dense(16), _dense(1, "sigmoid")),
           _settings(loss="binary_crossentropy", epochs=10, batch=512)),
    Preset("imdb_lstm", _h("IMDB Embedding + LSTM", "IMDB Embedding + LSTM"), "imdb", "classes",
           lambda s: sequential(s, ("Embedding", {"input_dim": 10000, "output_dim": 32}), ("LSTM", {"units": 32}),
                                _dense(1, "sigmoid")),
           _settings(loss="binary_crossentropy", epochs=3, batch=128)),
    Preset("boston_mlp", _h("Boston housing regression MLP", "MLP de regressão Imóveis de Boston"),
           "boston_housing", "value", lambda s: sequential(s, _dense(64), _dense(64), _dense(1, "linear")),
           _settings("RMSprop", loss="mean_squared_error", metrics=("mae",), epochs=80, batch=16)),
    Preset("two_branch_cnn", _h("Functional two-branch CNN with Concatenate",
                                "CNN Functional de dois ramos com Concatenate"),
           "mnist", "classes", _two_branch, _settings(epochs=5, batch=128)),
    Preset("conv_autoencoder", _h("Convolutional autoencoder", "Autoencoder convolucional"), "fashion_mnist", "input",
           lambda s: sequential(s, _conv(16, padding="same"), ("MaxPooling2D", {"pool_size": 2, "padding": "same"}),
                                _conv(8, padding="same"), ("MaxPooling2D", {"pool_size": 2, "padding": "same"}),
                                ("Conv2DTranspose", {"filters": 8, "kernel_size": 3, "strides": 2, "padding": "same",
                                                     "activation": "relu"}),
                                ("Conv2DTranspose", {"filters": 16, "kernel_size": 3, "strides": 2, "padding": "same",
                                                     "activation": "relu"}),
                                _conv(1, activation="sigmoid", padding="same")),
           _settings(loss="binary_crossentropy", metrics=(), epochs=5, batch=128)),
)}  # fmt: skip


# The output a preset gets on another task: last activation, loss, metrics and target kind.
HEADS = {
    "classification": ("softmax", "sparse_categorical_crossentropy", ["accuracy"], "classes"),
    "regression": ("linear", "mean_squared_error", ["mae"], "value"),
}


@dataclass
class Fitted:
    """A preset fitted to another dataset: its network, its training settings and its target kind."""

    spec: ModelSpec
    settings: TrainSettings
    target_kind: str


def for_dataset(preset: Preset, info: DatasetInfo) -> Fitted | None:
    """The preset's network for another dataset of its kind (an uploaded one); None when it does not fit.

    The input takes the dataset's shape and the last Dense layer gives one unit per class
    (or one value); a preset made for the other task also gets that task's activation,
    loss and metrics. A network whose layers cannot take the shape (LeNet-5 on 8×8
    pictures) does not fit.
    """
    made_for = BUILT_IN[preset.dataset]
    if made_for.kind != info.kind:
        return None
    spec, settings = preset.spec(info.input_shape), preset.settings()
    if preset.target_kind == "input":
        return Fitted(spec, settings, "input") if analyse(spec, preset.target(info.num_classes)).ok else None
    last = spec.nodes[-1] if spec.nodes else None
    if last is None or last.class_name != "Dense":
        return None
    activation, loss, metrics, kind = HEADS[info.task]
    last.config = {**last.config, "units": info.num_classes if info.is_classification else 1}
    if made_for.task != info.task:
        last.config["activation"] = activation
        settings = settings.with_compile(loss=loss, metrics=list(metrics))
    return Fitted(spec, settings, kind) if analyse(spec, Target(kind, info.num_classes)).ok else None


def fitting(info: DatasetInfo) -> list[str]:
    """Ids of the presets made for this dataset, else of those that fit it (see :func:`for_dataset`).

    Those made for pictures of the same shape come first, then those of the same colour depth
    (a CIFAR network before an MNIST one for colour photos).
    """
    own = [p.id for p in PRESETS.values() if p.dataset == info.name]
    if own:
        return own
    shape = tuple(info.input_shape)

    def likeness(preset: Preset) -> tuple[bool, bool]:
        made_for = BUILT_IN[preset.dataset].input_shape
        return made_for != shape, made_for[-1] != shape[-1]

    return [p.id for p in sorted(PRESETS.values(), key=likeness) if for_dataset(p, info) is not None]
