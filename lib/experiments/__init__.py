"""Experiments as the lessons teach them: baselines, sweeps, cross-validation and imbalanced classes.

Every experiment is a set of ordinary runs (one config each, trained by the job manager and
cached by its hash); these modules only make the configs and read the results back.
``folds`` and ``imbalance`` are data transformations that training applies (they import
nothing from ``lib.train``); ``sweeps``, ``class_sweeps`` and ``baseline`` build on the
run store.
"""
