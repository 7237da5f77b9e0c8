#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what building and testing flow needs on Debian 12, from Debian's packages only.
set -euo pipefail

packages=(
  g++ cmake ninja-build make git pkg-config procps
  libboost1.81-dev        # headers: Graph, Asio, Process v2
  libboost-json1.81-dev   # Boost.JSON: journal, events, agent streams, --json outputs
  libfmt-dev libyaml-cpp-dev doctest-dev
  libgit2-dev             # each task replayed and committed in process (the git CLI where git would differ)
  python3 python3-pytest python3-yaml
  tmux                    # the live view's terminal tests (capture-pane)
  zsh fish groff-base man-db  # the shell completions' and the man page's tests
  python3-venv python3-pip python3-setuptools python3-wheel   # the Python wheel and its venv test
)

# npm fetches the real Claude Code CLI for the adapter's end-to-end test (scripts/test.sh).
command -v npm >/dev/null || packages+=(npm)

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
