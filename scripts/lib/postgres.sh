# Finds a PostgreSQL server for the tests, or starts one, and exports TENURE_TEST_POSTGRES
# (an admin URL; every test creates and drops its own database on it).
# Sourced by scripts/test. Never skips silently: without a server it fails in CI (CI=true) and,
# elsewhere, prints a banner and sets TENURE_TEST_POSTGRES=skip so every skipped test says so.

pg_reachable() {
    local url=$1
    if command -v psql >/dev/null 2>&1; then
        psql "$url" -Atqc 'SELECT 1' >/dev/null 2>&1
    else
        # No client: at least something must listen on the port.
        (exec 3<>/dev/tcp/127.0.0.1/5432) >/dev/null 2>&1
    fi
}

pg_find() {
    local url
    for url in "${TENURE_TEST_POSTGRES:-}" \
               "postgres://postgres@127.0.0.1:5432/postgres" \
               "postgres://root@127.0.0.1:5432/postgres" \
               "postgres://$(id -un)@127.0.0.1:5432/postgres" \
               "postgres://postgres:tenure-test@127.0.0.1:5432/postgres"; do
        [ -n "$url" ] && [ "$url" != skip ] || continue
        if pg_reachable "$url"; then
            echo "$url"
            return 0
        fi
    done
    return 1
}

pg_start() {
    if ! command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "scripts/test: installing PostgreSQL from Debian's packages…" >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2 || return 1
    fi
    command -v pg_ctlcluster >/dev/null 2>&1 || return 1
    local version
    for version in $(ls /etc/postgresql 2>/dev/null); do
        echo "scripts/test: starting PostgreSQL $version…" >&2
        pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
    done
    # pg_isready waits for the server itself (up to 60 s) instead of a sleep loop here.
    pg_isready -q -t 60 -h 127.0.0.1 -p 5432 || return 1
    # A fresh Debian cluster asks TCP clients for a password: give the postgres role a test one
    # (through the local socket, which trusts the postgres system user).
    if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null 2>&1; then
        runuser -u postgres -- psql -qc "ALTER ROLE postgres PASSWORD 'tenure-test'" >/dev/null 2>&1 || true
    fi
}

ensure_postgres() {
    if [ "${TENURE_TEST_POSTGRES:-}" = skip ] && [ "${CI:-}" != true ]; then
        pg_banner "TENURE_TEST_POSTGRES=skip was set: PostgreSQL tests will be SKIPPED (each says so)."
        return 0
    fi
    local url
    if url=$(pg_find) || { pg_start && url=$(pg_find); }; then
        export TENURE_TEST_POSTGRES=$url
        echo "scripts/test: PostgreSQL tests use $url" >&2
        return 0
    fi
    if [ "${CI:-}" = true ]; then
        pg_banner "No PostgreSQL server could be found or started, and CI requires one."
        exit 1
    fi
    pg_banner "No PostgreSQL server could be found or started: PostgreSQL tests will be SKIPPED (each says so)."
    export TENURE_TEST_POSTGRES=skip
}

pg_banner() {
    echo "" >&2
    echo "################################################################################" >&2
    echo "## $1" >&2
    echo "################################################################################" >&2
    echo "" >&2
}
