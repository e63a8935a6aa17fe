#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite: lint, lib units, AppTests, browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
export TF_CPP_MIN_LOG_LEVEL=3
.venv/bin/ruff check .
# Two processes (KP_TEST_PROCESSES to change; 0 runs in this one), each taking whole test files
# (a file's fixtures, e.g. a warm worker pool or the Ray instance, are made once): see
# requirements-dev.txt. Files start in collection order, longest first (tests/conftest.py:
# LONGEST_FIRST), not xdist's default of most tests first. Not --dist loadgroup: pytest 9
# ignores the group xdist 3.8 writes into a test's id, so its groups are silently not kept.
.venv/bin/python -m pytest -n "${KP_TEST_PROCESSES:-2}" --dist loadfile --no-loadscope-reorder "$@"
