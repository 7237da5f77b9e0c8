#!/bin/sh
# SPDX-License-Identifier: MIT
# DEMONSTRATION AGENT — not an AI. It lets flow's example run on a machine with no
# credentials: for the task in $FLOW_TASK_ID it creates (or appends to) each file the
# task names ($FLOW_TASK_FILES, one per line, relative to the work directory), takes a
# moment, and exits 0. A real run uses a coding agent, e.g.
#   flow run tasks.md --agent-cmd 'claude -p "Read {prompt_file} and do the task" --permission-mode acceptEdits'
set -eu
: "${FLOW_TASK_ID:?run me through flow run}"
printf '%s\n' "$FLOW_TASK_FILES" | while IFS= read -r f; do
  [ -n "$f" ] || continue
  case "$f" in /*|../*|*/../*) echo "demo agent: refusing $f" >&2; exit 1 ;; esac
  case "$f" in */) mkdir -p "$f"; continue ;; esac
  mkdir -p "$(dirname "$f")"
  echo "# $FLOW_TASK_ID (attempt $FLOW_ATTEMPT): written by flow's demonstration agent" >> "$f"
done
sleep "${DEMO_AGENT_SECONDS:-0.3}"
