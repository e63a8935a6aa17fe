#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite: lint, lib units, AppTests, browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
export TF_CPP_MIN_LOG_LEVEL=3
.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
