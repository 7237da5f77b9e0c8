#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `flow run --runner slurm` on the test cluster (scripts/slurm-testbed.sh), with git
# isolation and the scripted agent as Slurm jobs:
#   wide:      40 tasks run across the three nodes (each agent logs its node; all three
#              get tasks); every task is marked and committed exactly once
#   node-kill: a node's slurmd and its job's whole process tree are killed mid-task; the
#              task fails as an infrastructure failure, runs again on another node, and
#              every task ends done exactly once, tasks.md and the branch as in a local run
#   interrupt: Ctrl-C twice cancels the running jobs: squeue is empty afterwards and
#              none of the agents' processes is left
#   resume:    flow killed -9 mid-run leaves its job in the queue; the next run cancels
#              it and runs the task again
# usage: cluster_run.sh FLOW TESTBED_SCRIPT TESTBED_DIR
set -euo pipefail
flow=$(realpath "$1") testbed=$(realpath "$2") dir=$(realpath "$3")
export SLURM_CONF=$dir/slurm.conf
here=$(cd "$(dirname "$0")" && pwd)
agent=$here/node-agent.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-cluster-XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
fail=0
problem() { echo "FAIL: $*"; fail=1; }

queue_empty() { [ -z "$(squeue --noheader --format=%i 2>/dev/null)" ]; }
wait_queue_empty() {
  for _ in $(seq 100); do queue_empty && return 0; sleep 0.1; done
  return 1
}

# A git repository with a tasks.md of $1 tasks, [P] each, naming its own file.
repo() {
  rm -rf "$work/repo"
  mkdir -p "$work/repo"
  cd "$work/repo"
  git init -q -b main
  git config user.email test@example.com
  git config user.name test
  {
    echo "# Tasks: cluster"
    echo
    echo "## Phase 1: Work"
    echo
    for i in $(seq 1 "$1"); do printf -- '- [ ] T%03d [P] Write src/f%03d.txt\n' "$i" "$i"; done
  } > tasks.md
  git add tasks.md
  git commit -qm "the plan"
  export CLUSTER_LOG=$work/agents-$2.log
  : > "$CLUSTER_LOG"
}

# Every task marked and committed exactly once, each file holding its task once.
all_done_once() {
  local n=$1 what=$2
  [ "$(grep -c '^- \[X\] T' tasks.md)" = "$n" ] || problem "$what: $(grep -c '^- \[X\] T' tasks.md) of $n tasks marked"
  [ "$(git log --format=%s | grep -c '^T[0-9]')" = "$n" ] || problem "$what: $(git log --format=%s | grep -c '^T[0-9]') task commits, expected $n"
  [ -z "$(git log --format=%s | grep '^T[0-9]' | cut -d' ' -f1 | sort | uniq -d)" ] || problem "$what: a task committed twice"
  for i in $(seq 1 "$n"); do
    f=$(printf 'src/f%03d.txt' "$i")
    [ "$(cat "$f" 2>/dev/null)" = "$(printf 'T%03d' "$i")" ] || problem "$what: $f is '$(cat "$f" 2>/dev/null)'"
  done
  [ -z "$(git status --porcelain -- . ':!.flow')" ] || problem "$what: the working tree is not clean"
}

queue_empty || { echo "FAIL: the test cluster's queue is not empty to begin with"; exit 1; }

# --- wide ------------------------------------------------------------------------------
repo 40 wide
start=$SECONDS
TEST_AGENT_SECONDS=1 "$flow" run tasks.md --runner slurm --workers 12 --agent-cmd "$agent" --progress plain \
  > "$work/wide.out" 2>&1 || problem "wide: flow exited $? ($(tail -3 "$work/wide.out"))"
echo "wide: 40 tasks in $((SECONDS - start)) s"
all_done_once 40 wide
nodes=$(awk '{print $3}' "$CLUSTER_LOG" | sort -u | tr '\n' ' ')
[ "$nodes" = "node1 node2 node3 " ] || problem "wide: tasks ran on '$nodes', not on all three nodes"
echo "wide: per node: $(awk '{print $3}' "$CLUSTER_LOG" | sort | uniq -c | tr -s ' ' | tr '\n' ',')"
[ "$(wc -l < "$CLUSTER_LOG")" = 40 ] || problem "wide: $(wc -l < "$CLUSTER_LOG") agent runs for 40 tasks"
grep -q 'running on node' .flow/runs/*/T001-0.1.out || problem "wide: the agent's stdout is not in its log"
wait_queue_empty || problem "wide: jobs left in the queue"

# --- node-kill -------------------------------------------------------------------------
repo 6 kill
export CLUSTER_HANG=T002 CLUSTER_HANG_FILE=$work/hang
rm -f "$CLUSTER_HANG_FILE"
start=$SECONDS
TEST_AGENT_SECONDS=0.5 "$flow" run tasks.md --runner slurm --workers 3 --agent-cmd "$agent" --progress plain \
  > "$work/kill.out" 2>&1 &
pid=$!
for _ in $(seq 600); do [ -s "$CLUSTER_HANG_FILE" ] && break; sleep 0.1; done
read -r _ _ node job agent_pid < "$CLUSTER_HANG_FILE" || true
if [ -z "${node:-}" ]; then
  problem "node-kill: T002 never started"
else
  # The node dies: its slurmd, the job's slurmstepd and everything under it.
  kill -9 "$(cat "$dir/run/slurmd-$node.pid")"
  # The agent runs under the job script (bash), whose parent is the job's slurmstepd.
  stepd=$(ps -o ppid= "$agent_pid" | tr -d ' ')
  [ "$(cat "/proc/$stepd/comm" 2>/dev/null)" = slurmstepd ] || stepd=$(ps -o ppid= "$stepd" | tr -d ' ')
  [ "$(cat "/proc/$stepd/comm" 2>/dev/null)" = slurmstepd ] || problem "node-kill: T002's job script's parent ($stepd) is not a slurmstepd"
  victims=("$stepd")
  descendants() { local c; for c in $(ps -o pid= --ppid "$1"); do echo "$c"; descendants "$c"; done; }
  all=("${victims[@]}" "$agent_pid")
  for v in "${victims[@]}"; do mapfile -t -O "${#all[@]}" all < <(descendants "$v"); done
  kill -9 "${all[@]}" 2>/dev/null || true
  killed_at=$SECONDS
  rc=0; wait "$pid" || rc=$?
  echo "node-kill: $node killed; flow finished $((SECONDS - killed_at)) s later, $((SECONDS - start)) s in all (exit $rc)"
  [ "$rc" = 0 ] || problem "node-kill: flow exited $rc ($(tail -5 "$work/kill.out"))"
  all_done_once 6 node-kill
  retry=$(awk '$1 == "T002" && $2 == 2 {print $3}' "$CLUSTER_LOG")
  [ -n "$retry" ] && [ "$retry" != "$node" ] || problem "node-kill: T002's retry ran on '$retry' (the killed node is $node)"
  [ "$(awk '$1 == "T002"' "$CLUSTER_LOG" | wc -l)" = 2 ] || problem "node-kill: T002 ran $(awk '$1 == "T002"' "$CLUSTER_LOG" | wc -l) times, expected 2"
  grep -q "ended NODE_FAIL: an infrastructure failure" .flow/runs/*/T002-1.1.out ||
    problem "node-kill: the failure does not say NODE_FAIL ($(cat .flow/runs/*/T002-1.1.out))"
  for t in $(seq 1 6); do
    id=$(printf 'T%03d' "$t")
    [ "$(grep -c "\"event\":\"task-finished\",\"task\":\"$id\".*\"outcome\":\"succeeded\"" .flow/implementation.log)" = 1 ] ||
      problem "node-kill: $id did not succeed exactly once in the journal"
  done
  grep '"event":"attempt-failed","task":"T002"' .flow/implementation.log | grep -q '"attempt":1' ||
    problem "node-kill: T002's first attempt is not journaled as failed"
  grep -q '"event":"retry-scheduled","task":"T002"' .flow/implementation.log || problem "node-kill: no retry of T002 journaled"
  for p in "${all[@]}"; do
    if [ -e "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; then problem "node-kill: process $p is still alive"; fi
  done
fi
unset CLUSTER_HANG CLUSTER_HANG_FILE
bash "$testbed" node-up "${node:-node1}" "$dir" >/dev/null || problem "node-kill: $node did not come back"
wait_queue_empty || problem "node-kill: jobs left in the queue"

# --- interrupt -------------------------------------------------------------------------
repo 4 interrupt
TEST_AGENT_PLAN=T001:hang,T002:hang,T003:hang,T004:hang "$flow" run tasks.md --runner slurm --workers 3 \
  --agent-cmd "$agent" --progress plain > "$work/interrupt.out" 2>&1 &
pid=$!
for _ in $(seq 600); do [ "$(wc -l < "$CLUSTER_LOG")" -ge 3 ] && break; sleep 0.1; done
[ "$(wc -l < "$CLUSTER_LOG")" -ge 3 ] || problem "interrupt: three agents did not start"
sleep 0.5  # their `sleep` children exist
kill -INT "$pid"
sleep 0.5
kill -INT "$pid"
start=$SECONDS
rc=0; wait "$pid" || rc=$?
echo "interrupt: flow exited $rc $((SECONDS - start)) s after the second Ctrl-C"
[ "$rc" = 130 ] || problem "interrupt: exit $rc, expected 130"
queue_empty || problem "interrupt: squeue still lists $(squeue --noheader --format='%i %T' | tr '\n' ' ')"
[ "$(grep -c '^- \[X\]' tasks.md)" = 0 ] || problem "interrupt: a killed task was marked"
[ "$(grep -c '"event":"task-killed"' .flow/implementation.log)" = 3 ] || problem "interrupt: $(grep -c '"event":"task-killed"' .flow/implementation.log) tasks journaled killed, expected 3"
# No agent process is left: neither the agents nor their `sleep` children.
while read -r _ _ _ _ apid; do
  kids=$(ps -o pid= --ppid "$apid" 2>/dev/null || true)
  for p in $apid $kids; do
    if [ -e "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" 2>/dev/null; then problem "interrupt: process $p is still alive"; fi
  done
done < "$CLUSTER_LOG"
[ -z "$(pgrep -f "^sleep 300$" 2>/dev/null | while read -r p; do grep -lx "SLURM_CONF=$SLURM_CONF" <(tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null) >/dev/null && echo "$p"; done)" ] ||
  problem "interrupt: an agent's sleep outlived its job"

# --- resume ----------------------------------------------------------------------------
# flow killed (-9) while a job runs: the job is orphaned in the queue until the next run,
# which cancels it (journaled leftover-killed) and runs its task again.
repo 3 resume
export CLUSTER_HANG=T001 CLUSTER_HANG_FILE=$work/hang-resume
"$flow" run tasks.md --runner slurm --workers 3 --agent-cmd "$agent" --progress plain > "$work/resume1.out" 2>&1 &
pid=$!
for _ in $(seq 600); do [ -s "$CLUSTER_HANG_FILE" ] && break; sleep 0.1; done
read -r _ _ _ job agent_pid < "$CLUSTER_HANG_FILE" || true
unset CLUSTER_HANG CLUSTER_HANG_FILE
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
if [ -z "${job:-}" ]; then
  problem "resume: T001 never started"
else
  [ "$(squeue --noheader --jobs="$job" --format=%T 2>/dev/null)" = RUNNING ] || problem "resume: job $job is not left running"
  rc=0
  "$flow" run tasks.md --runner slurm --workers 3 --agent-cmd "$agent" --progress plain > "$work/resume2.out" 2>&1 || rc=$?
  [ "$rc" = 0 ] || problem "resume: the second run exited $rc ($(tail -5 "$work/resume2.out"))"
  all_done_once 3 resume
  grep '"event":"leftover-killed"' .flow/implementation.log | grep -q "\"container\":\"slurm:$job\"" ||
    problem "resume: the orphaned job $job is not journaled as stopped"
  [ "$(scontrol show job -o "$job" | grep -o 'JobState=[A-Z_]*')" = JobState=CANCELLED ] ||
    problem "resume: job $job is $(scontrol show job -o "$job" | grep -o 'JobState=[A-Z_]*')"
  for _ in $(seq 100); do [ -e "/proc/$agent_pid" ] || break; sleep 0.1; done
  [ ! -e "/proc/$agent_pid" ] || grep -q '^State:.*Z' "/proc/$agent_pid/status" || problem "resume: the orphaned agent $agent_pid still runs"
fi
wait_queue_empty || problem "resume: jobs left in the queue"

if [ "$fail" = 0 ]; then echo "cluster run: wide, node-kill, interrupt and resume pass"; fi
exit "$fail"
