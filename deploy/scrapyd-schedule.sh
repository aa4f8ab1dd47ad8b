#!/usr/bin/env bash
# Schedule one Scrapyd job per registered site (Scrapyd runs spiders, not
# crawler.run_all): official sites first, then mirrors once those have ended.
# Waits for the jobs and exits non-zero when one died (Scrapyd lists a dead job
# as "finished"; its log says otherwise). Run from cron in place of run_all when
# the crawls run under Scrapyd. See deploy/scrapyd.md and crawler/scrapyd_schedule.py.
#   SCRAPYD=http://127.0.0.1:6800 STATE_URI=sqlite:////var/lib/edunews/state.db \
#       bash deploy/scrapyd-schedule.sh [--group NAME | --site NAME ...] [-s NAME=VALUE ...] [--no-wait]
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m crawler.scrapyd_schedule "$@"
