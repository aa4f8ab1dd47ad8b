#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what it needs first
# (.venv, and Debian's redis-server and chromium for the tests that drive them).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --system
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
