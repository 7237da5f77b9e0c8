#!/bin/sh
# SPDX-License-Identifier: MIT
# A stand-in for Aider (agents.aider.program) that hosts' tests run through flow's Aider
# adapter: it records its argv (one per line) in $FAKE_AIDER_ARGS when set, writes the
# files its task names, and ends as Aider does, with its token and cost line; a task
# named in $FAKE_AIDER_FAIL (comma-separated IDs) is paid for, then fails retryably.
set -eu
[ -z "${FAKE_AIDER_ARGS:-}" ] || printf '%s\n' "$@" >> "$FAKE_AIDER_ARGS"
printf '%s\n' "$FLOW_TASK_FILES" | while IFS= read -r f; do
  [ -n "$f" ] || continue
  mkdir -p "$(dirname "$f")"
  echo "$FLOW_TASK_ID" >> "$f"
done
echo "Applied edit to ${FLOW_TASK_ID}"
echo "Tokens: 1.2k sent, 80 received. Cost: \$${FAKE_AIDER_COST:-0.05} message, \$${FAKE_AIDER_COST:-0.05} session."
case ",${FAKE_AIDER_FAIL:-}," in *",$FLOW_TASK_ID,"*) echo "litellm.APIConnectionError: Connection refused" >&2; exit 1 ;; esac
