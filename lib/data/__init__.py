"""Datasets: the registry and real Keras loaders, the offline cache, what the explorer shows."""
