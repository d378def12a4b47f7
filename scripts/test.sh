#!/usr/bin/env bash
# The project's test command (README, "Test it"); CI runs exactly this.
#
# Browser tests drive Debian's Chromium (/usr/bin/chromium) through Playwright;
# Playwright's own browser downloads are never used.  Missing Debian packages are
# installed with apt-get where we are root; otherwise those tests skip and say
# why (in CI, CI=true, they fail instead).  Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests need: Chromium for the browser tests, PostgreSQL with
# PostGIS for the shared-store tests (a throw-away cluster is started by the tests
# themselves, on a free port under a temporary folder, and stopped at the end).
need=()
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM:-}" ]; then need+=(chromium); fi
if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
    need+=(postgresql postgresql-postgis)
fi
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing ${need[*]} from Debian for the tests" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "missing ${need[*]} and not root: the tests that need them will skip (apt-get install ${need[*]})" >&2
    fi
fi

python3 -m pip install -q -e ".[test]"
python3 -m pytest "$@"
