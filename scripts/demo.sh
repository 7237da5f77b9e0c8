#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs flow on the bundled example feature with the demonstration agent, in a fresh
# copy (a new git repository in a temporary folder), so the repository stays as it was.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
flow="${FLOW:-$here/build/flow}"
work="$(mktemp -d "${TMPDIR:-/tmp}/flow-demo-XXXXXX")"
cp -r "$here/examples/todo-cli/." "$work/"
git -C "$work" init -q 2>/dev/null || true
echo "flow demo: running examples/todo-cli in $work (demonstration agent, 3 workers)"
echo
"$flow" run "$work/specs/001-todo-cli/tasks.md" --workers 3 \
  --agent-cmd "$here/examples/todo-cli/demo-agent.sh"
echo
"$flow" check "$work/specs/001-todo-cli/tasks.md"
