#!/usr/bin/env bash
# Headless Chromium for the browser test (tests/e2e/test_browser.py). Debian package `chromium`.
set -euo pipefail

if [[ -x /usr/bin/chromium ]]; then
  exit 0
fi
if [[ $(id -u) -eq 0 ]]; then
  apt-get update -qq && apt-get install -y -qq chromium
  exit 0
fi
echo "Chromium is missing (needed by tests/e2e/test_browser.py). Install it as root:" >&2
echo "  sudo apt-get update && sudo apt-get install -y chromium" >&2
exit 1
