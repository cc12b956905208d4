#!/usr/bin/env bash
# Refreshes docs/screenshots/*.png: runs the browser tests (headless
# Chromium through chromedriver), which save the main screens on the way.
set -euo pipefail
cd "$(dirname "$0")/.."
HOTLINE_REQUIRE_BROWSER=1 HOTLINE_SCREENSHOTS="$PWD/docs/screenshots" \
  cargo test -q -p hotline --test integration browser::
ls -l docs/screenshots
