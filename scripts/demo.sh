#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs flow on the bundled example feature with the demonstration agent, in a fresh
# copy (a new git repository in a temporary folder), so the repository stays as it was.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
flow="${FLOW:-$here/build/flow}"
work="$(mktemp -d "${TMPDIR:-/tmp}/flow-demo-XXXXXX")"
cp -r "$here/examples/todo-cli/." "$work/"
# A repository with one commit: flow runs each task in its own worktree and commits it,
# with its [X], on the branch.
git -C "$work" init -q -b main
git -C "$work" add -A
git -C "$work" -c user.name="flow demo" -c user.email=demo@flow.invalid commit -qm "The todo-cli feature: spec, plan, tasks"
echo "flow demo: running examples/todo-cli in $work (demonstration agent, 3 workers, git isolation)"
echo
"$flow" run "$work/specs/001-todo-cli/tasks.md" --workers 3 \
  --agent-cmd "$here/examples/todo-cli/demo-agent.sh"
echo
"$flow" check "$work/specs/001-todo-cli/tasks.md"
echo
echo "one commit per task on main:"
git -C "$work" log --oneline -8
echo "  … $(git -C "$work" rev-list --count HEAD) commits in all"
