#!/usr/bin/env bash
# Headless Chromium for the browser tests (tests/e2e/test_browser.py and the desk's). Debian package `chromium`.
exec "$(dirname "$0")/install_debian_package.sh" /usr/bin/chromium chromium "the browser tests"
