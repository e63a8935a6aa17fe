"""The dataset registry: the seven ``keras.datasets``, scikit-learn's bundled digits, and the users' own.

Each entry declares what it is (kind, task, shapes, classes, source, cache files) and loads
through the real Keras loader; an uploaded dataset (:mod:`lib.data.own_store`) is an entry
like the others, read from the data folder. Loading never raises anything but :class:`DatasetError`,
whose ``code`` names a message in the translation catalogs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lib.data import keras_cache, own_store

TEXT_NUM_WORDS = 10_000  # vocabulary kept for imdb/reuters (most frequent words)
TEXT_MAXLEN = 200  # sequences are padded/truncated to this many tokens
TEXT_INDEX_FROM = 3  # Keras reserves 0 (padding), 1 (start) and 2 (out of vocabulary)


@dataclass(frozen=True)
class DatasetWords:
    """A built-in dataset's own words in one language (the app's generic words are in the catalogs).

    Attributes:
        title: its display name.
        classes: its class names, in label order (a classification dataset; else empty).
        features: a table's column names; feature_help: a line on each, in the same order.
        source, license: the citation and license lines in this language; "" keeps
            ``DatasetInfo.source`` / ``license`` as declared (citations stay as they are).

    """

    title: str
    classes: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    feature_help: tuple[str, ...] = ()
    source: str = ""
    license: str = ""


@dataclass(frozen=True)
class DatasetInfo:
    """What a dataset is, declared once.

    Attributes:
        name: registry key, also the ``keras.datasets`` module name.
        kind: ``"image"``, ``"text"`` or ``"tabular"``.
        task: ``"classification"`` or ``"regression"``.
        input_shape: shape of one sample as the model receives it.
        num_classes: number of classes (0 for regression).
        train_size, test_size: sample counts of the full dataset.
        pixel_max: the value that maps to 1.0 when images are scaled (255, or 16 for digits).
        source: citation line; license: license line.
        cache_files: files ``get_file`` keeps under ``$KERAS_HOME/datasets``.
        extracted: folders Keras extracts beside them (deleted with them on retry).
        origin_host: download host, probed before a download is tried.
        download_mb: download size, shown before downloading.
        draw_recipe: how a drawing or photo becomes one of its images (a key of
            ``lib.infer.recipes.RECIPES``, each citing how the dataset was made); None when
            nothing can be drawn for it.
        words: a built-in dataset's own words in each of the app's languages
            (``lib.i18n.LANGUAGES`` -> :class:`DatasetWords`: title, class and feature names).
        title, class_names, feature_names: an uploaded dataset's own names (one language:
            the user's).
        standardized: tabular features were already standardised when the dataset was made
            (an uploaded table: numbers standardised, categories one-hot encoded).
        loader: how a built-in dataset is read, a key of :data:`LOADERS` (``keras``:
            ``keras.datasets.<name>.load_data()``).

    """

    name: str
    kind: str
    task: str
    input_shape: tuple[int, ...]
    num_classes: int
    train_size: int
    test_size: int
    source: str
    license: str
    pixel_max: float = 255.0
    cache_files: tuple[str, ...] = ()
    extracted: tuple[str, ...] = ()
    origin_host: str | None = "storage.googleapis.com"
    download_mb: float = 0.0
    draw_recipe: str | None = None
    title: str = ""
    class_names: tuple[str, ...] = ()
    feature_names: tuple[str, ...] = ()
    standardized: bool = False
    loader: str = "keras"
    words: dict[str, DatasetWords] = field(default_factory=dict, hash=False)

    @property
    def is_own(self) -> bool:
        """True for a dataset a user uploaded."""
        return own_store.looks_own(self.name)

    @property
    def is_classification(self) -> bool:
        """True for classification datasets."""
        return self.task == "classification"

    def cache_paths(self) -> list[Path]:
        """Absolute paths of the cached files and extracted folders."""
        base = keras_cache.datasets_dir()
        return [base / f for f in self.cache_files + self.extracted]

    def is_cached(self) -> bool:
        """True when every file the loader needs is already on disk (no download)."""
        if self.origin_host is None:
            return True
        base = keras_cache.datasets_dir()
        return all((base / f).exists() for f in self.cache_files)


@dataclass
class Dataset:
    """Loaded arrays as Keras returns them (images uint8, text as token-id lists)."""

    info: DatasetInfo
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    word_index: dict[str, int] | None = field(default=None, repr=False)


class DatasetError(Exception):
    """A dataset could not be loaded; ``code`` keys the explanation in the catalogs."""

    def __init__(self, code: str, name: str, detail: str = "", paths: list[Path] | None = None):
        super().__init__(f"{code}: {name}: {detail}")
        self.code = code
        self.name = name
        self.detail = detail
        self.paths = paths or []


def _keras_datasets():
    import keras

    return keras.datasets


def _load_digits(info: DatasetInfo) -> Dataset:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    images = bunch.images.astype("uint8")
    x_train, x_test, y_train, y_test = train_test_split(
        images, bunch.target.astype("uint8"), test_size=0.2, stratify=bunch.target, random_state=0
    )
    return Dataset(info, x_train, y_train, x_test, y_test)


def _load_keras(info: DatasetInfo) -> Dataset:
    """``keras.datasets.<name>.load_data()`` (text: the lessons' vocabulary, and its word index)."""
    module = getattr(_keras_datasets(), info.name)
    if info.kind == "text":
        (x_train, y_train), (x_test, y_test) = module.load_data(num_words=TEXT_NUM_WORDS)
        return Dataset(info, x_train, y_train, x_test, y_test, module.get_word_index())
    (x_train, y_train), (x_test, y_test) = module.load_data()
    return Dataset(info, x_train, y_train.reshape(-1), x_test, y_test.reshape(-1))


# How a built-in dataset is read (DatasetInfo.loader): ways to load, not a second list of datasets.
LOADERS: dict[str, Callable[[DatasetInfo], Dataset]] = {"keras": _load_keras, "sklearn_digits": _load_digits}


POINTS_2D = "points2d"  # the 2-D playground's points: made from a run's config, never loaded


def is_known(name: object) -> bool:
    """True for a registry dataset or the playground's generated points (a run may name either)."""
    return name in REGISTRY or name == POINTS_2D or own_store.looks_own(name)


_KERAS_SOURCE = "keras.datasets"
_DIGIT_CLASSES = tuple("0123456789")
# fmt: off
_FASHION_MNIST_CLASSES = {
    "en": (
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ),
    "pt": (
        "Camiseta/top", "Calça", "Suéter", "Vestido", "Casaco", "Sandália", "Camisa", "Tênis", "Bolsa", "Bota",
    ),
}
_CIFAR10_CLASSES = {
    "en": (
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ),
    "pt": (
        "avião", "automóvel", "pássaro", "gato", "cervo", "cachorro", "sapo", "cavalo", "navio", "caminhão",
    ),
}
_CIFAR100_CLASSES = {
    "en": (
        "apple", "aquarium fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle", "bowl",
        "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle", "chair",
        "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur", "dolphin",
        "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard", "lamp",
        "lawn mower", "leopard", "lion", "lizard", "lobster", "man", "maple tree", "motorcycle", "mountain", "mouse",
        "mushroom", "oak tree", "orange", "orchid", "otter", "palm tree", "pear", "pickup truck", "pine tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket", "rose",
        "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider", "squirrel", "streetcar",
        "sunflower", "sweet pepper", "table", "tank", "telephone", "television", "tiger", "tractor", "train",
        "trout", "tulip", "turtle", "wardrobe", "whale", "willow tree", "wolf", "woman", "worm",
    ),
    "pt": (
        "maçã", "peixe de aquário", "bebê", "urso", "castor", "cama", "abelha", "besouro", "bicicleta", "garrafa",
        "tigela", "menino", "ponte", "ônibus", "borboleta", "camelo", "lata", "castelo", "lagarta", "gado",
        "cadeira", "chimpanzé", "relógio", "nuvem", "barata", "sofá", "caranguejo", "crocodilo", "xícara",
        "dinossauro", "golfinho", "elefante", "linguado", "floresta", "raposa", "menina", "hamster", "casa",
        "canguru", "teclado", "luminária", "cortador de grama", "leopardo", "leão", "lagarto", "lagosta", "homem",
        "bordo", "motocicleta", "montanha", "camundongo", "cogumelo", "carvalho", "laranja", "orquídea", "lontra",
        "palmeira", "pera", "caminhonete", "pinheiro", "planície", "prato", "papoula", "porco-espinho", "gambá",
        "coelho", "guaxinim", "raia", "estrada", "foguete", "rosa", "mar", "foca", "tubarão", "musaranho",
        "cangambá", "arranha-céu", "caracol", "cobra", "aranha", "esquilo", "bonde", "girassol", "pimentão", "mesa",
        "tanque", "telefone", "televisão", "tigre", "trator", "trem", "truta", "tulipa", "tartaruga", "guarda-roupa",
        "baleia", "salgueiro", "lobo", "mulher", "minhoca",
    ),
}
_REUTERS_CLASSES = {  # Keras's order: keras.datasets.reuters.get_label_names()
    "en": (
        "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee", "sugar",
        "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp",
        "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi", "iron-steel",
        "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog",
        "lead",
    ),
    "pt": (
        "cacau", "grãos", "óleo vegetal", "lucros", "aquisições", "trigo", "cobre", "habitação", "oferta de moeda",
        "café", "açúcar", "comércio", "reservas", "navegação", "algodão", "carcaças", "petróleo bruto",
        "gás natural", "inflação (IPC)", "câmbio", "juros", "PNB", "ração", "alumínio", "oleaginosas", "ouro",
        "estanho", "metais estratégicos", "pecuária", "varejo", "produção industrial", "ferro e aço", "borracha",
        "óleo de aquecimento", "empregos", "indicadores antecedentes", "balanço de pagamentos", "zinco", "laranja",
        "petroquímicos", "dólar", "gasolina", "prata", "preços no atacado", "suínos", "chumbo",
    ),
}
_BOSTON_FEATURES = (
    "CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX", "PTRATIO", "B", "LSTAT",
)  # the same in every language
_BOSTON_FEATURE_HELP = {
    "en": (
        "Per-capita crime rate by town", "Share of residential land zoned for lots over 25,000 sq.ft.",
        "Share of non-retail business acres per town", "Charles River dummy (1 if the tract bounds the river)",
        "Nitric oxide concentration (parts per 10 million)", "Average number of rooms per dwelling",
        "Share of owner-occupied units built before 1940", "Weighted distance to five Boston employment centres",
        "Index of accessibility to radial highways", "Property-tax rate per US$ 10,000",
        "Pupil-teacher ratio by town",
        "1000(Bk − 0.63)², Bk the share of Black residents (a problematic feature, kept as Keras ships it)",
        "% lower status of the population",
    ),
    "pt": (
        "Taxa de criminalidade per capita do bairro",
        "Parcela de terrenos residenciais com lotes acima de 25.000 pés²",
        "Parcela de área comercial não varejista do bairro",
        "Indicador do rio Charles (1 se o setor faz divisa com o rio)",
        "Concentração de óxido nítrico (partes por 10 milhões)", "Número médio de cômodos por moradia",
        "Parcela de imóveis próprios construídos antes de 1940",
        "Distância ponderada a cinco centros de emprego de Boston", "Índice de acesso a rodovias radiais",
        "Alíquota de imposto predial por US$ 10.000", "Razão alunos por professor no bairro",
        "1000(Bk − 0,63)², Bk a parcela de moradores negros (atributo problemático, mantido como o Keras o distribui)",
        "% da população de baixa renda",
    ),
}
# fmt: on
BUILT_IN: dict[str, DatasetInfo] = {
    info.name: info
    for info in (
        DatasetInfo(
            "digits",
            "image",
            "classification",
            (8, 8, 1),
            10,
            1437,
            360,
            "scikit-learn load_digits (UCI ML hand-written digits, 1,797 images)",
            "CC BY 4.0 (UCI)",
            pixel_max=16.0,
            origin_host=None,
            draw_recipe="uci_digits",
            loader="sklearn_digits",
            words={
                "en": DatasetWords("Digits 8×8 (scikit-learn)", _DIGIT_CLASSES),
                "pt": DatasetWords(
                    "Dígitos 8×8 (scikit-learn)",
                    _DIGIT_CLASSES,
                    source="load_digits do scikit-learn (dígitos manuscritos da UCI, 1.797 imagens)",
                ),
            },
        ),
        DatasetInfo(
            "mnist",
            "image",
            "classification",
            (28, 28, 1),
            10,
            60000,
            10000,
            f"{_KERAS_SOURCE}.mnist (LeCun, Cortes & Burges)",
            "CC BY-SA 3.0",
            cache_files=("mnist.npz",),
            download_mb=11,
            draw_recipe="mnist",
            words={
                "en": DatasetWords("MNIST digits", _DIGIT_CLASSES),
                "pt": DatasetWords("Dígitos MNIST", _DIGIT_CLASSES),
            },
        ),
        DatasetInfo(
            "fashion_mnist",
            "image",
            "classification",
            (28, 28, 1),
            10,
            60000,
            10000,
            f"{_KERAS_SOURCE}.fashion_mnist (Zalando Research)",
            "MIT",
            cache_files=tuple(f"fashion-mnist/{f}" for f in keras_cache.FASHION_FILES),
            download_mb=30,
            draw_recipe="fashion_mnist",
            words={
                "en": DatasetWords("Fashion-MNIST", _FASHION_MNIST_CLASSES["en"]),
                "pt": DatasetWords("Fashion-MNIST", _FASHION_MNIST_CLASSES["pt"]),
            },
        ),
        DatasetInfo(
            "cifar10",
            "image",
            "classification",
            (32, 32, 3),
            10,
            50000,
            10000,
            f"{_KERAS_SOURCE}.cifar10 (Krizhevsky, 2009)",
            "MIT-style (CIFAR)",
            cache_files=("cifar-10-batches-py-target_archive",),
            extracted=("cifar-10-batches-py-target",),
            origin_host="www.cs.toronto.edu",
            download_mb=163,
            draw_recipe="photo",
            words={
                "en": DatasetWords("CIFAR-10", _CIFAR10_CLASSES["en"]),
                "pt": DatasetWords("CIFAR-10", _CIFAR10_CLASSES["pt"], license="estilo MIT (CIFAR)"),
            },
        ),
        DatasetInfo(
            "cifar100",
            "image",
            "classification",
            (32, 32, 3),
            100,
            50000,
            10000,
            f"{_KERAS_SOURCE}.cifar100 (Krizhevsky, 2009)",
            "MIT-style (CIFAR)",
            cache_files=("cifar-100-python-target_archive",),
            extracted=("cifar-100-python-target",),
            origin_host="www.cs.toronto.edu",
            download_mb=161,
            draw_recipe="photo",
            words={
                "en": DatasetWords("CIFAR-100", _CIFAR100_CLASSES["en"]),
                "pt": DatasetWords("CIFAR-100", _CIFAR100_CLASSES["pt"], license="estilo MIT (CIFAR)"),
            },
        ),
        DatasetInfo(
            "imdb",
            "text",
            "classification",
            (TEXT_MAXLEN,),
            2,
            25000,
            25000,
            f"{_KERAS_SOURCE}.imdb (Maas et al., 2011)",
            "Research use (Stanford AI Lab)",
            cache_files=("imdb.npz", "imdb_word_index.json"),
            download_mb=18,
            words={
                "en": DatasetWords("IMDB reviews", ("negative", "positive")),
                "pt": DatasetWords(
                    "Críticas do IMDB", ("negativa", "positiva"), license="uso em pesquisa (Stanford AI Lab)"
                ),
            },
        ),
        DatasetInfo(
            "reuters",
            "text",
            "classification",
            (TEXT_MAXLEN,),
            46,
            8982,
            2246,
            f"{_KERAS_SOURCE}.reuters (Reuters-21578)",
            "Research use (Reuters / UCI)",
            cache_files=("reuters.npz", "reuters_word_index.json"),
            download_mb=3,
            words={
                "en": DatasetWords("Reuters newswires", _REUTERS_CLASSES["en"]),
                "pt": DatasetWords(
                    "Notícias da Reuters", _REUTERS_CLASSES["pt"], license="uso em pesquisa (Reuters / UCI)"
                ),
            },
        ),
        DatasetInfo(
            "boston_housing",
            "tabular",
            "regression",
            (13,),
            0,
            404,
            102,
            f"{_KERAS_SOURCE}.boston_housing (Harrison & Rubinfeld, 1978)",
            "Public domain (StatLib); see the dataset's known ethical problems",
            cache_files=("boston_housing.npz",),
            download_mb=0.06,
            words={
                "en": DatasetWords(
                    "Boston housing", features=_BOSTON_FEATURES, feature_help=_BOSTON_FEATURE_HELP["en"]
                ),
                "pt": DatasetWords(
                    "Imóveis de Boston",
                    features=_BOSTON_FEATURES,
                    feature_help=_BOSTON_FEATURE_HELP["pt"],
                    license="domínio público (StatLib); veja os conhecidos problemas éticos deste conjunto de dados",
                ),
            },
        ),
    )
}
DEFAULT_DATASET = "digits"
OWN_INFO_FIELDS = ("kind", "task", "input_shape", "num_classes", "train_size", "test_size", "source", "license",
                   "pixel_max", "draw_recipe", "title", "class_names", "feature_names", "standardized")  # fmt: skip


def own_info(name: str) -> DatasetInfo | None:
    """The registry entry of uploaded dataset ``name``; None when there is none (or it is unreadable)."""
    stored = own_store.read_info(name)
    if stored is None:
        return None
    try:
        values = {key: stored[key] for key in OWN_INFO_FIELDS}
        for key in ("input_shape", "class_names", "feature_names"):
            values[key] = tuple(values[key])
        return DatasetInfo(name, origin_host=None, **values)
    except (KeyError, TypeError):
        return None


class Registry(Mapping[str, DatasetInfo]):
    """The built-in datasets, then the uploaded ones (looked up in the data folder each time)."""

    def __init__(self, built_in: dict[str, DatasetInfo]):
        self.built_in = built_in

    def __getitem__(self, name: str) -> DatasetInfo:
        if name in self.built_in:
            return self.built_in[name]
        if (info := own_info(name)) is not None:
            return info
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return name in self.built_in or (own_store.looks_own(name) and own_info(name) is not None)

    def __iter__(self) -> Iterator[str]:
        yield from self.built_in
        yield from (n for n in own_store.names() if own_info(n) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


REGISTRY = Registry(BUILT_IN)


def _load_own(name: str) -> Dataset:
    arrays = own_store.load_arrays(name)
    return Dataset(REGISTRY[name], arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"])


_loaded: dict[str, Dataset] = {}
_lock = threading.Lock()


def offline_available() -> list[str]:
    """Names of the datasets that load with no network right now."""
    keras_cache.seed_fashion_mnist()
    return [name for name, info in BUILT_IN.items() if info.is_cached()]


def offline_stand_in(name: str) -> str | None:
    """The offline dataset to train ``name``'s networks on when ``name`` is not in the Keras cache.

    One with the same input shape, task and number of classes (Fashion-MNIST for MNIST's
    networks); None when ``name`` is cached itself or nothing offline fits its networks.
    """
    info, available = REGISTRY[name], offline_available()  # (also seeds Fashion-MNIST from Debian)
    if name in available:
        return None
    return next(
        (
            other
            for other in available
            if REGISTRY[other].input_shape == info.input_shape
            and REGISTRY[other].task == info.task
            and REGISTRY[other].num_classes == info.num_classes
        ),
        None,
    )


def load(name: str, probe_timeout: float = 3.0) -> Dataset:
    """Load dataset ``name`` through its real loader, once per process.

    Raises:
        DatasetError: ``download_failed`` (no network, DNS failure, timeout),
            ``corrupt_cache`` (a cached file could not be read; ``paths`` lists what to
            delete before retrying) or ``load_failed`` (anything else).

    """
    with _lock:
        if name in _loaded:
            return _loaded[name]
    if name not in REGISTRY:
        raise DatasetError("own_missing" if own_store.looks_own(name) else "load_failed", name)
    info = REGISTRY[name]
    if info.is_own:
        return _remember(name, _read_own(info))
    if name == "fashion_mnist":
        keras_cache.seed_fashion_mnist()
    was_cached = info.is_cached()
    if not was_cached and not keras_cache.can_reach(info.origin_host, timeout=probe_timeout):
        raise DatasetError("download_failed", name, f"cannot reach {info.origin_host}")
    try:
        dataset = LOADERS[info.loader](info)
    except Exception as exc:
        raise _explain_failure(info, exc, was_cached) from exc
    return _remember(name, dataset)


def _remember(name: str, dataset: Dataset) -> Dataset:
    with _lock:
        _loaded[name] = dataset
    return dataset


def _read_own(info: DatasetInfo) -> Dataset:
    try:
        return _load_own(info.name)
    except Exception as exc:
        raise DatasetError("own_damaged", info.name, str(exc)[:300], [own_store.arrays_path(info.name)]) from exc


def _explain_failure(info: DatasetInfo, exc: Exception, was_cached: bool) -> DatasetError:
    text = str(exc)
    if "URL fetch failure" in text or isinstance(exc, (ConnectionError, TimeoutError)):
        # A hash mismatch on a cached file also lands here: Keras re-downloads it.
        return DatasetError("download_failed", info.name, text[:300])
    if was_cached:
        return DatasetError("corrupt_cache", info.name, text[:300], info.cache_paths())
    return DatasetError("load_failed", info.name, text[:300])


def forget(name: str) -> None:
    """Drop ``name`` from the in-process cache (after its files were deleted)."""
    with _lock:
        _loaded.pop(name, None)


def delete_cache(name: str) -> None:
    """Delete the cached files of ``name`` so the next load downloads them again."""
    if own_store.looks_own(name):
        own_store.delete(name)
    else:
        keras_cache.remove_paths(REGISTRY[name].cache_paths())
    forget(name)


# --- preparing arrays for a model ----------------------------------------------------


def pad_sequences(sequences: np.ndarray | list, maxlen: int = TEXT_MAXLEN) -> np.ndarray:
    """Pad/truncate token lists to ``maxlen`` at the front, as ``keras.utils.pad_sequences``.

    Pure numpy so the Draw/Datasets pages never import TensorFlow for it.
    """
    out = np.zeros((len(sequences), maxlen), dtype="int32")
    for row, seq in enumerate(sequences):
        tail = list(seq)[-maxlen:]
        if tail:
            out[row, maxlen - len(tail) :] = tail
    return out


def scale_images(images: np.ndarray, info: DatasetInfo) -> np.ndarray:
    """Scale raw images to float32 in [0, 1] with a channel axis: the model's input."""
    x = images.astype("float32") / info.pixel_max
    return x[..., None] if x.ndim == 3 else x


@dataclass
class ModelData:
    """Arrays ready for ``model.fit`` (labels still as integers or floats)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    feature_mean: np.ndarray | None = None
    feature_std: np.ndarray | None = None


def repool(dataset: Dataset, test_fraction: float, seed: int = 0) -> Dataset:
    """Train and test pooled, then split again with ``test_fraction`` for testing (stratified for classes)."""
    from sklearn.model_selection import train_test_split

    x = np.concatenate([dataset.x_train, dataset.x_test])
    y = np.concatenate([dataset.y_train, dataset.y_test])
    stratify = y if dataset.info.is_classification else None
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_fraction, stratify=stratify, random_state=seed
    )
    return Dataset(dataset.info, x_train, y_train, x_test, y_test, dataset.word_index)


def prepare(dataset: Dataset, train_samples: int | None = None, seed: int = 0) -> ModelData:
    """Turn a loaded dataset into model inputs, optionally on a stratified subset.

    Images are scaled to [0, 1]; text is padded to ``TEXT_MAXLEN``; tabular features are
    standardised with the (subset's) training mean and standard deviation.
    """
    info = dataset.info
    x_train, y_train = dataset.x_train, dataset.y_train
    if train_samples and train_samples < len(y_train):
        keep = subset_indices(y_train, train_samples, seed, stratify=info.is_classification)
        x_train, y_train = x_train[keep], y_train[keep]
    if info.kind == "image":
        return ModelData(
            scale_images(x_train, info),
            y_train.astype("int32"),
            scale_images(dataset.x_test, info),
            dataset.y_test.astype("int32"),
        )
    if info.kind == "text":
        return ModelData(
            pad_sequences(x_train),
            y_train.astype("int32"),
            pad_sequences(dataset.x_test),
            dataset.y_test.astype("int32"),
        )
    if info.standardized:  # an uploaded table: standardised (and one-hot encoded) when it was made
        label = "int32" if info.is_classification else "float32"
        return ModelData(
            x_train.astype("float32"),
            y_train.astype(label),
            dataset.x_test.astype("float32"),
            dataset.y_test.astype(label),
        )
    mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-7
    return ModelData(
        ((x_train - mean) / std).astype("float32"),
        y_train.astype("float32"),
        ((dataset.x_test - mean) / std).astype("float32"),
        dataset.y_test.astype("float32"),
        mean,
        std,
    )


def subset_indices(y: np.ndarray, n: int, seed: int = 0, stratify: bool = True) -> np.ndarray:
    """Indices of ``n`` samples of ``y``, keeping class proportions when ``stratify``."""
    rng = np.random.default_rng(seed)
    if not stratify:
        return np.sort(rng.choice(len(y), size=n, replace=False))
    classes, counts = np.unique(y, return_counts=True)
    quota = np.floor(counts / counts.sum() * n).astype(int)
    # Hand out the rounding remainder to the largest classes so the total is exactly n.
    for i in np.argsort(-counts)[: n - quota.sum()]:
        quota[i] += 1
    picked = [rng.choice(np.flatnonzero(y == c), size=q, replace=False) for c, q in zip(classes, quota)]
    return np.sort(np.concatenate(picked))


# --- looking at the data ---------------------------------------------------------------


def decode_text(tokens: list[int] | np.ndarray, word_index: dict[str, int]) -> str:
    """Turn token ids back into words (ids are shifted by ``TEXT_INDEX_FROM`` in Keras)."""
    reverse = {i + TEXT_INDEX_FROM: w for w, i in word_index.items()}
    specials = {0: "", 1: "", 2: "<?>"}
    words = (specials.get(int(t), reverse.get(int(t), "<?>")) for t in tokens)
    return " ".join(w for w in words if w)


def class_counts(y: np.ndarray, num_classes: int) -> np.ndarray:
    """Number of samples of each class."""
    return np.bincount(y.astype(int).reshape(-1), minlength=num_classes)


def samples_per_class(y: np.ndarray, per_class: int, num_classes: int) -> dict[int, np.ndarray]:
    """The first ``per_class`` sample indices of each class (a stable sample grid)."""
    flat = y.astype(int).reshape(-1)
    return {c: np.flatnonzero(flat == c)[:per_class] for c in range(num_classes)}


def mean_images(x: np.ndarray, y: np.ndarray, num_classes: int, limit: int = 5000) -> np.ndarray:
    """Mean image of each class over the first ``limit`` samples."""
    x, flat = x[:limit].astype("float32"), y[:limit].astype(int).reshape(-1)
    return np.stack([x[flat == c].mean(axis=0) if (flat == c).any() else x[0] * 0 for c in range(num_classes)])
