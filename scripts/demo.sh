#!/usr/bin/env bash
# The main job, offline: crawl every saved site in fixtures/ with its site type's
# spider (no network at all) and leave the JSONL in output/<spider>/. Prints a line
# per site and a totals table; Scrapy's log goes to output/run_all-<time>.log (-v: here).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m crawler.run_all -s REPLAY_DIR=fixtures "$@"
