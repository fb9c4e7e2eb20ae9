# Finds Chromium and chromedriver for the browser test, or installs Debian's `chromium` and
# `chromium-driver` (as root). Sourced by scripts/test. Never skips silently: without them it
# fails in CI (CI=true) and, elsewhere, prints a banner and sets TENURE_TEST_BROWSER=skip so the
# test says it was skipped.

browser_present() {
    [ -x "${TENURE_TEST_CHROMIUM:-/usr/bin/chromium}" ] && [ -x "${TENURE_TEST_CHROMEDRIVER:-/usr/bin/chromedriver}" ]
}

browser_install() {
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
    echo "scripts/test: installing Chromium and chromedriver from Debian's packages…" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >&2 \
        || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >&2; }
}

ensure_browser() {
    if [ "${TENURE_TEST_BROWSER:-}" = skip ] && [ "${CI:-}" != true ]; then
        pg_banner "TENURE_TEST_BROWSER=skip was set: the browser test will be SKIPPED (it says so)."
        return 0
    fi
    if browser_present || { browser_install && browser_present; }; then
        echo "scripts/test: the browser test uses $("${TENURE_TEST_CHROMIUM:-/usr/bin/chromium}" --version 2>/dev/null)" >&2
        return 0
    fi
    if [ "${CI:-}" = true ]; then
        pg_banner "Chromium and chromedriver could not be found or installed, and CI requires them."
        exit 1
    fi
    pg_banner "No Chromium/chromedriver: the browser test will be SKIPPED (install chromium chromium-driver)."
    export TENURE_TEST_BROWSER=skip
}
