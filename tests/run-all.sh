#!/usr/bin/env bash
# The whole test suite on any machine, fresh or not: `bash tests/run-all.sh [pytest arguments]`.
#
# It installs or starts what the tests need and is missing, then runs ruff, mypy and pytest in the
# project's .venv. Every step is idempotent and quick when its part is already there, so this is the
# command for a developer as much as for CI (.ci/run calls exactly this). Since everything is
# installed here, pytest runs with CI=true: a PostgreSQL, Synapse or Chromium that is still missing
# FAILS its tests instead of skipping them, so a pass means 0 skipped for those.
#
# Debian packages need root (or sudo). Environment: SANHUI_VENV (default .venv) is the virtualenv
# the project and its test extras go into; SANHUI_PG_DIR / SANHUI_PG_PORT (tests/pg/start_cluster.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}
apt_updated=""
apt_install() {
    if [ -z "$apt_updated" ]; then
        as_root apt-get update -qq
        apt_updated=yes
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

# Reports and exports: the month-end chart draws Chinese labels, so the tests need a CJK font
# (tests/test_chart.py fails without one). WenQuanYi Micro Hei is small and covers simplified Chinese.
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
    apt_install fonts-wqy-microhei
fi

# PostgreSQL (issue 7): every storage and service test also runs on PostgreSQL, and the slow tests
# run three bot processes on one database. Debian's server package; a throwaway cluster owned by the
# unprivileged `postgres` user (PostgreSQL refuses to run as root), on loopback only, trust auth.
# tests/storage_fixtures.py reads SANHUI_TEST_POSTGRES_URL. A running cluster is reused.
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    apt_install postgresql
fi
SANHUI_TEST_POSTGRES_URL="$(bash tests/pg/start_cluster.sh)"
export SANHUI_TEST_POSTGRES_URL

# Matrix (issue 5): tests/matrix starts a real Synapse homeserver. Synapse lives in its own virtualenv
# (.venv-synapse) so its pinned dependencies never fight the bot's; tests/matrix/synapse.py finds it
# through SANHUI_SYNAPSE_PYTHON (an existing one given in the environment is used as it is). The
# bot's mautrix[encryption] needs python-olm: pip takes its wheel (x86_64); where there is none, pip
# builds it from source, which needs cmake and a C++ compiler.
if [ -z "${SANHUI_SYNAPSE_PYTHON:-}" ] || ! "$SANHUI_SYNAPSE_PYTHON" -c 'import synapse.app.homeserver' 2>/dev/null; then
    if [ ! -x .venv-synapse/bin/python ] || ! .venv-synapse/bin/python -c 'import synapse.app.homeserver' 2>/dev/null; then
        python3 -m venv .venv-synapse
        .venv-synapse/bin/python -m pip install --quiet --upgrade pip
        .venv-synapse/bin/python -m pip install --quiet 'matrix-synapse>=1.136'
    fi
    SANHUI_SYNAPSE_PYTHON="$PWD/.venv-synapse/bin/python"
fi
export SANHUI_SYNAPSE_PYTHON

# The web view (issue 16): tests/web drive headless Chromium from Debian's package through Playwright
# (never a browser download).
if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium
fi

# The project and its test extras (pytest, hypothesis, ruff, mypy, playwright) in its virtualenv.
venv="${SANHUI_VENV:-.venv}"
if ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then  # none yet, or one left half-made
    python3 -m venv --clear "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
if ! "$venv/bin/python" -c 'import olm' 2>/dev/null \
    && ! "$venv/bin/python" -m pip download --quiet --no-deps --only-binary=:all: --dest "$(mktemp -d)" python-olm >/dev/null 2>&1; then
    command -v cmake >/dev/null && command -v g++ >/dev/null || apt_install cmake g++ make
fi
# Quick when nothing changed; picks up a dependency added to pyproject.toml since the last run.
"$venv/bin/python" -m pip install --quiet -e '.[test]'

"$venv/bin/python" -m ruff check .
"$venv/bin/python" -m mypy
CI=true "$venv/bin/python" -m pytest "$@"
