"""Optimizers, losses and metrics the app offers: one declaration each, with help text.

The Training page's form, validation, the training job and the code export read these.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.model.layers import Param


def _h(en: str, pt: str) -> dict[str, str]:
    return {"en": en, "pt": pt}


LEARNING_RATE = Param("learning_rate", "float", 0.001, _h(
    "Size of each weight update; too large diverges, too small crawls.",
    "Tamanho de cada atualização dos pesos; grande demais diverge, pequeno demais se arrasta."),
    1e-6, 10.0, required=True)  # fmt: skip
BETA_1 = Param(
    "beta_1",
    "float",
    0.9,
    _h("Decay of the running mean of gradients.", "Decaimento da média móvel dos gradientes."),
    0.0,
    1.0,
    open_high=True,
)
BETA_2 = Param("beta_2", "float", 0.999, _h("Decay of the running mean of squared gradients.",
                                            "Decaimento da média móvel dos gradientes ao quadrado."), 0.0, 1.0,
               open_high=True)  # fmt: skip
RHO = Param(
    "rho",
    "float",
    0.9,
    _h("Decay of the running average of squared gradients.", "Decaimento da média móvel dos gradientes ao quadrado."),
    0.0,
    1.0,
    open_high=True,
)
MOMENTUM = Param(
    "momentum",
    "float",
    0.0,
    _h("Keeps part of the previous step (0 = none).", "Mantém parte do passo anterior (0 = nada)."),
    0.0,
    1.0,
    open_high=True,
)
WEIGHT_DECAY = Param(
    "weight_decay",
    "float",
    0.004,
    _h("Shrinks weights a little at every step.", "Encolhe um pouco os pesos a cada passo."),
    0.0,
    1.0,
)


@dataclass(frozen=True)
class OptimizerType:
    """A ``keras.optimizers`` class and the arguments the app exposes."""

    name: str
    params: tuple[Param, ...]
    help: dict[str, str]
    default_lr: float = 0.001


OPTIMIZERS: dict[str, OptimizerType] = {o.name: o for o in (
    OptimizerType("SGD", (LEARNING_RATE, MOMENTUM, Param("nesterov", "bool", False, _h(
        "Nesterov momentum: look ahead before stepping.", "Momento de Nesterov: olha adiante antes do passo."))),
        _h("Stochastic gradient descent, optionally with momentum.", "Descida do gradiente estocástica, com momento opcional."),
        0.01),
    OptimizerType("Adam", (LEARNING_RATE, BETA_1, BETA_2), _h(
        "Adaptive moments: a robust default.", "Momentos adaptativos: um padrão robusto.")),
    OptimizerType("AdamW", (LEARNING_RATE, WEIGHT_DECAY, BETA_1, BETA_2), _h(
        "Adam with decoupled weight decay.", "Adam com decaimento de pesos desacoplado.")),
    OptimizerType("RMSprop", (LEARNING_RATE, RHO, MOMENTUM), _h(
        "Divides by a running average of gradient size.", "Divide por uma média móvel do tamanho do gradiente.")),
    OptimizerType("Adagrad", (LEARNING_RATE,), _h(
        "Per-weight rates that shrink with use.", "Taxas por peso que diminuem com o uso."), 0.01),
    OptimizerType("Adadelta", (LEARNING_RATE, RHO), _h(
        "Adagrad with a moving window.", "Adagrad com uma janela móvel."), 1.0),
    OptimizerType("Adamax", (LEARNING_RATE, BETA_1, BETA_2), _h(
        "Adam with the infinity norm.", "Adam com a norma infinito.")),
    OptimizerType("Nadam", (LEARNING_RATE, BETA_1, BETA_2), _h(
        "Adam with Nesterov momentum.", "Adam com momento de Nesterov.")),
    OptimizerType("Lion", (LEARNING_RATE, BETA_1, BETA_2), _h(
        "Sign-based updates; use a smaller learning rate.", "Atualizações pelo sinal; use uma taxa menor."), 0.0001),
)}  # fmt: skip


@dataclass(frozen=True)
class LossType:
    """A ``keras.losses`` function.

    ``task`` is ``classification`` or ``regression``; ``labels`` how targets are encoded for
    it: ``sparse`` (class ids), ``onehot``, ``binary`` (0/1 in one column) or ``value``.
    """

    name: str
    task: str
    labels: str
    help: dict[str, str]


LOSSES: dict[str, LossType] = {loss.name: loss for loss in (
    LossType("sparse_categorical_crossentropy", "classification", "sparse", _h(
        "Cross-entropy with class ids as labels: the usual choice with softmax.",
        "Entropia cruzada com ids de classe como rótulos: a escolha comum com softmax.")),
    LossType("categorical_crossentropy", "classification", "onehot", _h(
        "Cross-entropy with one-hot labels.", "Entropia cruzada com rótulos one-hot.")),
    LossType("binary_crossentropy", "classification", "binary", _h(
        "For two classes with one sigmoid output (or several yes/no outputs).",
        "Para duas classes com uma saída sigmoid (ou várias saídas sim/não).")),
    LossType("kl_divergence", "classification", "onehot", _h(
        "Kullback-Leibler divergence between label and predicted distributions.",
        "Divergência de Kullback-Leibler entre as distribuições real e prevista.")),
    LossType("hinge", "classification", "binary", _h(
        "Margin loss for two classes (labels become -1/1).", "Perda de margem para duas classes (rótulos viram -1/1).")),
    LossType("squared_hinge", "classification", "binary", _h(
        "Squared margin loss for two classes.", "Perda de margem ao quadrado para duas classes.")),
    LossType("categorical_hinge", "classification", "onehot", _h(
        "Margin loss for several classes.", "Perda de margem para várias classes.")),
    LossType("cosine_similarity", "classification", "onehot", _h(
        "Negative cosine between label and prediction vectors.", "Cosseno negativo entre os vetores real e previsto.")),
    LossType("mean_squared_error", "regression", "value", _h(
        "Mean squared error: punishes large errors most.", "Erro quadrático médio: pune mais os erros grandes.")),
    LossType("mean_absolute_error", "regression", "value", _h(
        "Mean absolute error: in the target's own units.", "Erro absoluto médio: nas unidades do próprio alvo.")),
    LossType("mean_absolute_percentage_error", "regression", "value", _h(
        "Mean absolute error in percent of the target.", "Erro absoluto médio em porcentagem do alvo.")),
    LossType("mean_squared_logarithmic_error", "regression", "value", _h(
        "Squared error of log(1 + value): for targets spanning orders of magnitude.",
        "Erro quadrático de log(1 + valor): para alvos de várias ordens de grandeza.")),
    LossType("log_cosh", "regression", "value", _h(
        "log(cosh(error)): like MSE for small errors, MAE for large.",
        "log(cosh(erro)): como MSE para erros pequenos, MAE para grandes.")),
    LossType("huber", "regression", "value", _h(
        "Quadratic near zero, linear far away: robust to outliers.",
        "Quadrática perto de zero, linear longe: robusta a outliers.")),
    LossType("poisson", "regression", "value", _h(
        "For counts (targets ≥ 0).", "Para contagens (alvos ≥ 0).")),
)}  # fmt: skip

METRICS: dict[str, dict] = {
    "accuracy": {"task": "classification", "help": _h("Share of correct predictions.", "Fração de acertos.")},
    "top_5_accuracy": {
        "task": "classification",
        "help": _h("True class among the 5 most likely.", "Classe certa entre as 5 mais prováveis."),
    },
    "mae": {"task": "regression", "help": _h("Mean absolute error.", "Erro absoluto médio.")},
    "mse": {"task": "regression", "help": _h("Mean squared error.", "Erro quadrático médio.")},
    "rmse": {"task": "regression", "help": _h("Root mean squared error.", "Raiz do erro quadrático médio.")},
}


def metric_object(name: str, labels: str):
    """The Keras metric for ``name`` given the label encoding (accuracy needs the right one)."""
    import keras

    if name == "accuracy":
        return {"sparse": keras.metrics.SparseCategoricalAccuracy, "onehot": keras.metrics.CategoricalAccuracy,
                "binary": keras.metrics.BinaryAccuracy}[labels](name="accuracy")  # fmt: skip
    if name == "top_5_accuracy":
        cls = (
            keras.metrics.SparseTopKCategoricalAccuracy if labels == "sparse" else keras.metrics.TopKCategoricalAccuracy
        )
        return cls(k=5, name="top_5_accuracy")
    return {"mae": keras.metrics.MeanAbsoluteError, "mse": keras.metrics.MeanSquaredError,
            "rmse": keras.metrics.RootMeanSquaredError}[name](name=name)  # fmt: skip


def metric_code(name: str, labels: str) -> str:
    """The Keras expression for :func:`metric_object` (for exported scripts)."""
    if name == "accuracy":
        cls = {"sparse": "SparseCategoricalAccuracy", "onehot": "CategoricalAccuracy", "binary": "BinaryAccuracy"}[
            labels
        ]
        return f'keras.metrics.{cls}(name="accuracy")'
    if name == "top_5_accuracy":
        cls = "SparseTopKCategoricalAccuracy" if labels == "sparse" else "TopKCategoricalAccuracy"
        return f'keras.metrics.{cls}(k=5, name="top_5_accuracy")'
    cls = {"mae": "MeanAbsoluteError", "mse": "MeanSquaredError", "rmse": "RootMeanSquaredError"}[name]
    return f'keras.metrics.{cls}(name="{name}")'


# ``model.fit`` settings, declared like layer parameters: the Training form takes its
# bounds from here and every config (form, link, JSON, import) is checked against them.
FIT_PARAMS: dict[str, Param] = {p.name: p for p in (
    Param("epochs", "int", 5, _h("Passes over the training data.", "Passagens pelos dados de treino."), 1, 500),
    Param("batch_size", "int", 128, _h("Samples per weight update.", "Amostras por atualização dos pesos."), 1, 8192),
    Param("validation_split", "float", 0.2, _h("Share of the training data held out for validation.",
                                                "Fração dos dados de treino separada para validação."), 0.0, 0.5),
    Param("shuffle", "bool", True, _h("Shuffle the samples every epoch.", "Embaralhar as amostras a cada época.")),
    Param("seed", "int", 0, _h("Random seed: the same seed gives the same run.",
                               "Semente aleatória: a mesma semente dá o mesmo treino."), 0, 2**31 - 1),
    Param("early_stopping", "bool", False, _h("Stop when validation stops improving.",
                                              "Parar quando a validação deixa de melhorar.")),
    Param("patience", "int", 3, _h("Epochs without improvement before stopping.",
                                   "Épocas sem melhora antes de parar."), 1, 50),
    Param("reduce_lr", "bool", False, _h("Lower the learning rate on plateaus.",
                                         "Reduzir a taxa de aprendizado em platôs.")),
    Param("validation", "choice", "split", _h(
        "split: the last part of the training data (validation_split). held_out: a stratified random "
        "part set aside first and passed as validation_data.",
        "split: a última parte dos dados de treino (validation_split). held_out: uma parte aleatória "
        "estratificada separada antes e passada como validation_data."), choices=("split", "held_out")),
    Param("test_fraction", "float", 0.0, _h(
        "0: the dataset's own test set. Otherwise train and test are pooled and split again, stratified, "
        "with this share for testing (the sigmoid-MLP lesson uses 0.25).",
        "0: o conjunto de teste do próprio dataset. Senão, treino e teste são juntados e divididos de novo, "
        "estratificados, com esta fração para teste (a aula do MLP sigmoide usa 0,25)."), 0.0, 0.5),
    Param("class_weight", "choice", "none", _h(
        "none: every sample counts the same. balanced: each class weighs n / (classes × its count) in the loss, "
        "so a rare class counts as much as a common one (Keras's class_weight).",
        "none: toda amostra conta igual. balanced: cada classe pesa n / (classes × sua contagem) na perda, "
        "e uma classe rara conta tanto quanto uma comum (o class_weight do Keras)."), choices=("none", "balanced")),
)}  # fmt: skip


def fit_bounds(name: str, value: int) -> tuple[int, int, int]:
    """``(min, max, value)`` of an integer fit setting from the registry, the value clamped into them.

    Settings from a share link or an older session may lie outside the bounds, and a
    number input given such a value raises instead of showing.
    """
    param = FIT_PARAMS[name]
    low, high = int(param.low), int(param.high)
    return low, high, min(max(int(value), low), high)
