#!/usr/bin/env bash
# Run the benchmarks in bench/ and print their ratios against plain Keras.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
export TF_CPP_MIN_LOG_LEVEL=3
exec .venv/bin/python -m bench "$@"
