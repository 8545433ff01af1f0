#!/usr/bin/env bash
# Tries to install the Dutch spaCy model nl_core_news_sm (3.4.x). It is downloaded from spaCy's
# model releases, outside the package registries, so it may be unreachable; the assistant then
# uses spaCy's built-in Dutch language data. Either way it prints one line saying which is used.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=${1:-.venv}
MODEL=nl_core_news_sm

if ! "$VENV/bin/python" -c "import $MODEL" 2>/dev/null; then
  timeout 120 "$VENV/bin/python" -m spacy download "$MODEL" >/tmp/naadloos-spacy-download.log 2>&1 || true
fi
"$VENV/bin/python" -m naadloos.nlu.spacy_language
