#!/usr/bin/env bash
# The project's test command (README, "Test it"); CI runs exactly this.
#
# Browser tests drive Debian's Chromium (/usr/bin/chromium) through Playwright;
# Playwright's own browser downloads are never used.  Chromium is installed with
# apt-get where it is missing and we are root; otherwise those tests skip and
# say why (in CI, CI=true, they fail instead).  Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM:-}" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing chromium from Debian for the browser tests" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq chromium >/dev/null
    else
        echo "chromium not found and not root: browser tests will skip (apt-get install chromium)" >&2
    fi
fi

python3 -m pip install -q -e ".[test]"
python3 -m pytest "$@"
