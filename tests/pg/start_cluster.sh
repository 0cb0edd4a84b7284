#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster for the tests and print the url to export, e.g.
#     export SANHUI_TEST_POSTGRES_URL="$(bash tests/pg/start_cluster.sh)"
# PostgreSQL refuses to run as root, so as root the cluster belongs to the unprivileged `postgres`
# user (created by Debian's package). The cluster listens on loopback only, trusts local
# connections (it holds nothing but test data) and uses the C locale, so text sorts by code point
# exactly as in SQLite. Idempotent: a cluster already running in the directory is reused.
# Environment: SANHUI_PG_DIR (default /tmp/sanhui-pg), SANHUI_PG_PORT (default 55432).
set -euo pipefail

dir="${SANHUI_PG_DIR:-/tmp/sanhui-pg}"
port="${SANHUI_PG_PORT:-55432}"

bindir=""
for candidate in "$(command -v pg_ctl 2>/dev/null || true)" /usr/lib/postgresql/*/bin/pg_ctl; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then
        bindir="$(dirname "$(readlink -f "$candidate")")"
        break
    fi
done
if [ -z "$bindir" ]; then
    echo "no PostgreSQL server binaries (pg_ctl) found: apt-get install postgresql" >&2
    exit 1
fi

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    mkdir -p "$dir"
    chown postgres "$dir"
    chmod 700 "$dir"
fi

if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --no-locale -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
fi
if ! as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    # fsync off and a roomy max_connections: a throwaway cluster where every test opens a database.
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
fi
echo "postgresql://postgres@127.0.0.1:$port/postgres"
