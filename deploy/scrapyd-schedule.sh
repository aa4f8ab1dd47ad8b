#!/usr/bin/env bash
# Schedule one Scrapyd job per registered site (Scrapyd runs spiders, not
# crawler.run_all): official sites first, then mirrors. Run from cron instead of
# run_all when the crawls should run under Scrapyd. See deploy/scrapyd.md.
#   SCRAPYD=http://127.0.0.1:6800 STATE_URI=sqlite:////var/lib/edunews/state.db bash deploy/scrapyd-schedule.sh [--group NAME]
set -euo pipefail
cd "$(dirname "$0")/.."
SCRAPYD="${SCRAPYD:-http://127.0.0.1:6800}"
STATE_URI="${STATE_URI:-sqlite:////var/lib/edunews/state.db}"
.venv/bin/python -m crawler.run_all --list "$@" | while read -r _phase _n site spider _urls; do
  curl -fsS "$SCRAPYD/schedule.json" -d project=crawler -d spider="$spider" -d site="$site" \
    -d setting=STATE_ENABLED=1 -d setting="STATE_URI=$STATE_URI"
  echo
done
