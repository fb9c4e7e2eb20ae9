# Installs the Python test peers' packages (aiosmtpd, standardwebhooks, icalendar) in a venv at
# target/py-peers and exports TENURE_TEST_PYTHON (that venv's python), which the SMTP and
# outgoing-webhook tests use to run crates/tenure/tests/peers/*.py, and the iCalendar feed test
# crates/tenure-calendar/tests/ics_check.py.
# Sourced by scripts/test, from the repository's root. Never skips silently: without the peers
# it fails in CI (CI=true) and, elsewhere, prints a banner and sets TENURE_TEST_PYTHON=skip so
# every skipped test says so.

PY_PEERS_VENV=target/py-peers

py_peers_ready() {
    "$PY_PEERS_VENV/bin/python" -c 'import aiosmtpd, standardwebhooks, icalendar' >/dev/null 2>&1
}

py_make_venv() {
    # A venv whose pip works is kept; a half-made one (made without ensurepip) is made anew.
    if "$PY_PEERS_VENV/bin/python" -m pip --version >/dev/null 2>&1; then
        return 0
    fi
    command -v python3 >/dev/null 2>&1 || return 1
    rm -rf "$PY_PEERS_VENV"
    mkdir -p "$(dirname "$PY_PEERS_VENV")"
    if python3 -m venv "$PY_PEERS_VENV" >&2; then
        return 0
    fi
    rm -rf "$PY_PEERS_VENV"
    # Debian's python3 comes without venv/ensurepip: they are in its python3-venv package.
    if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1 \
        && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "scripts/test: installing python3-venv from Debian's packages…" >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv) >&2 || return 1
        if python3 -m venv "$PY_PEERS_VENV" >&2; then
            return 0
        fi
        rm -rf "$PY_PEERS_VENV"
    fi
    return 1
}

py_install_peers() {
    py_peers_ready && return 0
    py_make_venv || return 1
    echo "scripts/test: installing aiosmtpd, standardwebhooks and icalendar in $PY_PEERS_VENV…" >&2
    "$PY_PEERS_VENV/bin/python" -m pip install -q --disable-pip-version-check \
        aiosmtpd standardwebhooks icalendar >&2 || return 1
    py_peers_ready
}

ensure_python_peers() {
    if [ "${TENURE_TEST_PYTHON:-}" = skip ] && [ "${CI:-}" != true ]; then
        py_banner "TENURE_TEST_PYTHON=skip was set: SMTP, outgoing-webhook and iCalendar feed tests will be SKIPPED (each says so)."
        return 0
    fi
    if py_install_peers; then
        export TENURE_TEST_PYTHON=$PWD/$PY_PEERS_VENV/bin/python
        echo "scripts/test: Python peers (aiosmtpd, standardwebhooks, icalendar) in $PY_PEERS_VENV" >&2
        return 0
    fi
    if [ "${CI:-}" = true ]; then
        py_banner "The Python test peers (aiosmtpd, standardwebhooks, icalendar) could not be installed in $PY_PEERS_VENV, and CI requires them."
        exit 1
    fi
    py_banner "The Python test peers (aiosmtpd, standardwebhooks, icalendar) could not be installed in $PY_PEERS_VENV: SMTP, outgoing-webhook and iCalendar feed tests will be SKIPPED (each says so)."
    export TENURE_TEST_PYTHON=skip
}

py_banner() {
    echo "" >&2
    echo "################################################################################" >&2
    echo "## $1" >&2
    echo "################################################################################" >&2
    echo "" >&2
}
