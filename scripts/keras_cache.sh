#!/usr/bin/env bash
# Prepare an offline classroom machine's Keras cache (datasets and pretrained weights).
#   on a connected machine:  ./scripts/keras_cache.sh export keras-cache.tar.gz
#   on the offline machine:  ./scripts/keras_cache.sh import keras-cache.tar.gz
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export TF_CPP_MIN_LOG_LEVEL=3
exec .venv/bin/python -m lib.data.cache_archive "$@"
