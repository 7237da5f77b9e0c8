#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the dashboard's browser test with Debian's chromium and playwright-core from npm
# (scripts/test.sh installs it into .cache/playwright-core; .ci/run installs chromium).
# Without them it skips (77), unless FLOW_REQUIRE_BROWSER=1 (CI), where it fails.
#   browser.sh <flow> <agent.sh> <repo> <artifacts-dir>
set -u
flow=$1 agent=$2 repo=$3 artifacts=$4
pw="$repo/.cache/playwright-core/node_modules/playwright-core"
missing=""
command -v node >/dev/null || missing="node"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing="$missing chromium (apt-get install chromium)"
[ -d "$pw" ] || missing="$missing playwright-core (npm install --prefix .cache/playwright-core playwright-core)"
if [ -n "$missing" ]; then
  echo "dashboard browser: missing:$missing"
  [ "${FLOW_REQUIRE_BROWSER:-}" = 1 ] && exit 1
  exit 77
fi
PLAYWRIGHT_CORE="$pw" exec node "$(dirname "$0")/browser_test.mjs" "$flow" "$agent" "$artifacts"
