#!/bin/sh
# SPDX-License-Identifier: MIT
# The scripted test agent (tests/agents/test-agent.sh) as a Slurm job: it first appends
# "<task> <attempt> <node> <job id> <pid>" to $CLUSTER_LOG, prints its node on stdout,
# and, for the task named by $CLUSTER_HANG on its first attempt, writes the same line
# to $CLUSTER_HANG_FILE and sleeps (for a test to kill its node under it).
set -eu
line="$FLOW_TASK_ID $FLOW_ATTEMPT ${SLURMD_NODENAME:-none} ${SLURM_JOB_ID:-none} $$"
echo "$line" >> "$CLUSTER_LOG"
echo "running on ${SLURMD_NODENAME:-none}"
if [ "$FLOW_TASK_ID" = "${CLUSTER_HANG:-}" ] && [ "$FLOW_ATTEMPT" = 1 ]; then
  echo "$line" > "$CLUSTER_HANG_FILE"
  exec sleep 300
fi
exec "$(dirname "$0")/../agents/test-agent.sh" "$@"
