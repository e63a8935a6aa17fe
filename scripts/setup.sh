#!/usr/bin/env bash
# Set up everything the app (and, with --dev, the tests) needs. Idempotent: a second run
# only checks. Usage: scripts/setup.sh [--dev | --cluster]  (--dev: tests too; --cluster: Ray)
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0; cluster=0
[ "${1:-}" = "--dev" ] && dev=1
[ "${1:-}" = "--cluster" ] && cluster=1
debs=(dataset-fashion-mnist)          # real Fashion-MNIST, offline (see packages.txt)
[ $dev = 1 ] && debs+=(chromium)      # the browser tests drive Debian's Chromium

apt_ready=0
apt_install() {  # install Debian packages that are missing, when we can (root or sudo)
  local sudo=""
  [ "$(id -u)" = 0 ] || { command -v sudo >/dev/null && sudo="sudo -n"; } || true
  if [ "$(id -u)" != 0 ] && [ -z "$sudo" ]; then
    echo "setup: not root; please install: $*" >&2; return 0
  fi
  if [ $apt_ready = 0 ]; then $sudo apt-get update -qq; apt_ready=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

missing=()
for pkg in "${debs[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
[ ${#missing[@]} -gt 0 ] && { echo "setup: installing Debian packages: ${missing[*]}"; apt_install "${missing[@]}"; }

python=$(command -v python3.11 || command -v python3)
if [ ! -x .venv/bin/python ]; then
  if ! "$python" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    echo "setup: installing python3-venv"; apt_install python3-venv
    "$python" -m venv .venv
  fi
fi

want=requirements.txt; stamp=.venv/.installed-app
[ $cluster = 1 ] && { want=requirements-cluster.txt; stamp=.venv/.installed-cluster; }
[ $dev = 1 ] && { want=requirements-dev.txt; stamp=.venv/.installed-dev; }
stale=0
for file in requirements.txt requirements-cluster.txt "$want"; do if [ "$file" -nt "$stamp" ]; then stale=1; fi; done
if [ ! -f "$stamp" ] || [ $stale = 1 ]; then
  echo "setup: installing Python packages from $want (first time: about 2 minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r "$want"
  touch "$stamp"
fi
