#!/usr/bin/env bash
# The chat widget `rasa-webchat` 1.0.1 from npm, for the browser test that embeds it on a page of
# another origin (tests/e2e/test_rasa_webchat_browser.py). Only its browser bundle (lib/index.js,
# UMD: `window.WebChat`) and its licence (Apache-2.0) are kept, in
#   $NAADLOOS_VAR_DIR/vendor/rasa-webchat-1.0.1/   (default var/, ignored by git)
# Fetched once with `npm pack` (npm checks the registry's sha512); the bundle's SHA-256 is checked
# here on every run. Needs npm and the npm registry; without them it says so and exits 1 (the test
# then skips, naming this script).
set -euo pipefail

cd "$(dirname "$0")/.."
PACKAGE=rasa-webchat
VERSION=1.0.1
BUNDLE_SHA256=bfedd788e4bd7df12f64b5bf2963e634f84bac1cb176b6cede60c507d3553f1e
var_dir=${NAADLOOS_VAR_DIR:-var}
target=$var_dir/vendor/$PACKAGE-$VERSION

fail() {
  echo "install_rasa_webchat: $*" >&2
  exit 1
}

bundle_ok() {
  [[ -f $1 ]] && [[ $(sha256sum "$1" | cut -d' ' -f1) == "$BUNDLE_SHA256" ]]
}

bundle_ok "$target/index.js" && exit 0

command -v npm > /dev/null || fail "npm is missing (needed to fetch $PACKAGE@$VERSION for the browser test). Install Node.js with npm, e.g. sudo apt-get install -y npm"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
( cd "$scratch" && npm pack "$PACKAGE@$VERSION" --loglevel=error > /dev/null ) \
  || fail "npm could not fetch $PACKAGE@$VERSION from the npm registry (see npm's message above)"
tar -xzf "$scratch/$PACKAGE-$VERSION.tgz" -C "$scratch" package/lib/index.js package/LICENSE
bundle_ok "$scratch/package/lib/index.js" || fail "$PACKAGE@$VERSION lib/index.js does not have the expected SHA-256 $BUNDLE_SHA256"
mkdir -p "$target"
cp "$scratch/package/LICENSE" "$target/LICENSE"
cp "$scratch/package/lib/index.js" "$target/index.js.partial"
mv "$target/index.js.partial" "$target/index.js"
echo "install_rasa_webchat: $PACKAGE $VERSION in $target"
