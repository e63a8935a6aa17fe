#!/usr/bin/env bash
# Set up (if needed) and serve the app on http://localhost:8501.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export TF_CPP_MIN_LOG_LEVEL=3
exec .venv/bin/streamlit run app.py --server.port "${PORT:-8501}" "$@"
