#!/usr/bin/env bash
# Make the project runnable on a fresh machine: a .venv in the repo root with the
# pinned dependencies, and (with --system) the Debian packages the tests drive
# for real: redis-server and chromium. Safe to run again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--system" ]; then
    missing=()
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
    if [ ${#missing[@]} -gt 0 ]; then
        SUDO=""
        [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        echo "installing Debian packages: ${missing[*]}"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
    echo "installing the project's dependencies into .venv (pip's log: .venv/pip-install.log)"
    # pip's own warnings go to a log, shown only if the install fails.
    if ! { .venv/bin/python -m pip install -q --upgrade pip \
           && .venv/bin/python -m pip install -q -e '.[test]'; } > .venv/pip-install.log 2>&1; then
        cat .venv/pip-install.log >&2
        echo "installing the dependencies failed (log above, and in .venv/pip-install.log)" >&2
        exit 1
    fi
    rm -f .venv/.installed-*
    touch "$stamp"
fi
