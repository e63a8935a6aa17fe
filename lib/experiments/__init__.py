"""Experiments as the lessons teach them: baselines, sweeps, cross-validation and imbalanced classes.

Every experiment is a set of ordinary runs (one config each, trained by the job manager and
cached by its hash); these modules only make the configs and read the results back.
The two config keys training applies, cross-validation folds and imbalanced classes, live
with training (``lib/train/folds.py``, ``lib/train/imbalance.py``), so imports point one
way: experiments → train.
"""
