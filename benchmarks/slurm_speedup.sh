#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Slurm runner on the test cluster (scripts/slurm-testbed.sh up):
#   speed-up:  a wide graph of sleeping agents on one node (partition `one`) versus three
#              (partition `flow`), the same slots per node (4) and --workers = all slots
#   overhead:  the per-attempt cost of submission: N quick tasks one at a time, local
#              runner versus Slurm
# usage: slurm_speedup.sh FLOW TESTBED_DIR [TASKS=24] [SECONDS=20] [N=20]
set -euo pipefail
flow=$(realpath "$1") dir=$(realpath "$2")
tasks=${3:-24} secs=${4:-20} n=${5:-20}
export SLURM_CONF=$dir/slurm.conf
agent=$(cd "$(dirname "$0")/../tests/agents" && pwd)/test-agent.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-slurm-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT

# A folder (no git: --isolation none) with $1 [P] tasks, each naming its own file.
plan() {
  rm -rf "$work/p"
  mkdir -p "$work/p/.flow"
  { echo "# Tasks"; echo; echo "## Phase 1"; echo
    for i in $(seq 1 "$1"); do printf -- '- [ ] T%03d [P] Write out/f%03d.txt\n' "$i" "$i"; done; } > "$work/p/tasks.md"
}
# Runs the plan; prints the wall seconds.
timed() {
  local start end
  start=$(date +%s.%N)
  "$flow" run "$work/p/tasks.md" --isolation none --progress plain --agent-cmd "$agent" "$@" > "$work/out" 2>&1 ||
    { cat "$work/out" >&2; exit 1; }
  end=$(date +%s.%N)
  grep -q "$(grep -c '^- \[X\]' "$work/p/tasks.md") succeeded" "$work/out" || { cat "$work/out" >&2; exit 1; }
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}

export TEST_AGENT_SECONDS=$secs
plan "$tasks"; printf 'runner:\n  kind: slurm\n  partition: one\n' > "$work/p/.flow/config.yaml"
one=$(timed --workers 4)
plan "$tasks"; printf 'runner:\n  kind: slurm\n  partition: flow\n' > "$work/p/.flow/config.yaml"
three=$(timed --workers 12)
printf 'speed-up: %d agents of %d s: one node (4 slots) %.1f s, three nodes (12 slots) %.1f s: %.2fx (ideal 3)\n' \
  "$tasks" "$secs" "$one" "$three" "$(awk -v a="$one" -v b="$three" 'BEGIN { print a / b }')"

export TEST_AGENT_SECONDS=0
plan "$n"
local_s=$(timed --workers 1)
plan "$n"
slurm_s=$(timed --workers 1 --runner slurm)
printf 'overhead: %d quick tasks one at a time: local %.1f s, slurm %.1f s: %.2f s more per attempt\n' \
  "$n" "$local_s" "$slurm_s" "$(awk -v s="$slurm_s" -v l="$local_s" -v n="$n" 'BEGIN { print (s - l) / n }')"
