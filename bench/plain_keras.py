"""The plain Keras script a student would write for a lesson network, run in its own process.

A Keras backend is fixed per process, so the benchmark starts this script once per round:
    python -m bench.plain_keras --model fashion_mlp --batch 32 --epochs 2 --backend tensorflow
It times what a script does (prepare the arrays, build, compile, fit; imports and the
dataset file read excluded, as for the app's warm workers) and prints one ``RESULT`` line.
"""

from __future__ import annotations

import argparse
import json
import os
import time

MODELS = ("fashion_mlp", "keras_convnet", "digits_mlp")


def _load(model: str):
    """Raw arrays as the loaders return them (uint8 images, 0..16 for the digits)."""
    if model == "digits_mlp":
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        digits = load_digits()
        x_train, x_test, y_train, y_test = train_test_split(
            digits.images, digits.target, test_size=0.2, stratify=digits.target, random_state=0
        )
        return (x_train, y_train), (x_test, y_test), 16.0
    import keras

    return (*keras.datasets.fashion_mnist.load_data(), 255.0)


def _model(name: str, keras):
    layers = keras.layers
    if name == "fashion_mlp":
        body = [layers.Flatten(), layers.Dense(256, activation="relu"), layers.Dropout(0.2)]
    elif name == "digits_mlp":
        body = [layers.Flatten(), layers.Dense(64, activation="relu")]
    else:  # the keras.io simple MNIST convnet
        body = [
            layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
            layers.Flatten(), layers.Dropout(0.5),
        ]  # fmt: skip
    return [*body, layers.Dense(10, activation="softmax")]


def main() -> None:
    """Train once and print ``RESULT {samples_per_second, test_accuracy, seconds}``."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=MODELS, default="fashion_mlp")
    parser.add_argument("--backend", default="tensorflow")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--samples", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.environ["KERAS_BACKEND"] = args.backend
    import keras
    import numpy as np

    (x_train, y_train), (x_test, y_test), pixel_max = _load(args.model)
    start = time.perf_counter()
    if args.samples and args.samples < len(y_train):
        keep = np.random.default_rng(args.seed).permutation(len(y_train))[: args.samples]
        x_train, y_train = x_train[keep], y_train[keep]
    x_train = (x_train.astype("float32") / pixel_max)[..., None]
    x_test = (x_test.astype("float32") / pixel_max)[..., None]
    keras.utils.set_random_seed(args.seed)
    model = keras.Sequential([keras.Input(x_train.shape[1:]), *_model(args.model, keras)])
    model.compile(optimizer=keras.optimizers.Adam(0.001), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch, validation_split=0.2, verbose=0)
    seconds = time.perf_counter() - start
    accuracy = float(model.evaluate(x_test, y_test, verbose=0)[1])
    trained = len(y_train) * 0.8 * args.epochs
    result = {"samples_per_second": trained / seconds, "test_accuracy": accuracy, "seconds": seconds}
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
