#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter, or explains what to install and exits 1.
# Rasa 3.6 supports Python 3.8-3.10 only; we standardise on 3.10.
# Order: $PYTHON (if set), python3.10 on PATH, pyenv installs under $PYENV_ROOT or ~/.pyenv.
set -euo pipefail

is_python310() {
  [ -x "$1" ] || command -v "$1" >/dev/null 2>&1 || return 1
  "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null
}

candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
for root in "${PYENV_ROOT:-}" "$HOME/.pyenv"; do
  [ -n "$root" ] || continue
  for p in "$root"/versions/3.10.*/bin/python; do
    [ -e "$p" ] && candidates+=("$p")
  done
done

for candidate in "${candidates[@]+"${candidates[@]}"}"; do
  if is_python310 "$candidate"; then
    echo "$candidate"
    exit 0
  fi
done

if [ -n "${PYTHON:-}" ]; then
  echo "error: PYTHON=$PYTHON is not a Python 3.10 interpreter." >&2
fi
cat >&2 <<'EOF'
error: Python 3.10 not found. Naadloos runs on Rasa 3.6, which needs Python 3.10
(3.11 and newer are not supported). Install it, for example:
  - Debian/Ubuntu:  apt-get install python3.10 python3.10-venv
  - pyenv:          pyenv install 3.10.13
  - macOS:          brew install python@3.10
or point to one explicitly:  make install PYTHON=/path/to/python3.10
EOF
exit 1
