#!/usr/bin/env bash
# Installs a Debian package a test or a make target needs, when its program is missing.
#   scripts/install_debian_package.sh PROGRAM PACKAGE WHAT-NEEDS-IT
# PROGRAM: the path of its executable (an absolute path), or a command name looked up on PATH.
# As root it runs apt-get; otherwise it says what to run and exits 1.
set -euo pipefail

program=$1 package=$2 needed_by=$3
if [[ -x $program ]] || { [[ $program != /* ]] && command -v "$program" > /dev/null; }; then
  exit 0
fi
if [[ $(id -u) -eq 0 ]]; then
  apt-get update -qq && apt-get install -y -qq "$package"
  exit 0
fi
echo "$package is missing (needed by $needed_by). Install it as root:" >&2
echo "  sudo apt-get update && sudo apt-get install -y $package" >&2
exit 1
