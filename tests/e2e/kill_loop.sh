#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The kill -9 loop: many runs of a small feature, each killed at a random moment (or at a
# named point inside integration: after the replay, after the commit, holding the main
# index.lock, before or after the fast-forward, before a branch is deleted, or right
# after an agent was spawned), then resumed to completion. Half
# under git isolation, half with --isolation none. After every iteration:
#  - no task ran again once it was committed (the agent checks tasks.md in the
#    repository when it starts, and logs a re-run to a file outside it)
#  - no flow/* branch, no worktree and no agent process is left
#  - no work is lost: every task's file is there with its content, tasks.md has every
#    box ticked and is otherwise byte for byte the original; one commit per task (git)
#  - tasks.md was never damaged: right after each kill it is the original with some
#    boxes ticked
# Prints the tallies: iterations, kills at each phase, re-runs, leftovers, losses.
# usage: kill_loop.sh FLOW [ITERATIONS]   (KILL_LOOP_SEED fixes the random moments)
set -euo pipefail
flow=$1
iterations=${2:-200}
seed=${KILL_LOOP_SEED:-$$}
RANDOM=$seed
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-killloop-XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.invalid
started_at=$(date +%s)

cat > "$work/tasks.md" <<'TASKS'
# Tasks: kill loop

## Phase 1: Setup

- [ ] T001 Create `src/base.txt`

## Phase 2: Work

- [ ] T002 [P] Create `src/a.txt`
- [ ] T003 [P] Create `src/b.txt`
- [ ] T004 [P] Create `src/c.txt`
- [ ] T005 Create `src/d.txt` (depends on T002)

## Phase 3: Polish

- [ ] T006 Create `docs/notes.txt`
TASKS
sed 's/^- \[ \]/- [X]/' "$work/tasks.md" > "$work/expected.md"
ids="T001 T002 T003 T004 T005 T006"

# The agent: writes its task's files (overwriting: a legitimate re-run of an unfinished
# task leaves the same bytes), after a random short while. It logs every run, and a
# run of a task that tasks.md in the repository already shows done.
cat > "$work/agent.sh" <<'AGENT'
#!/bin/sh
set -eu
echo "$FLOW_RUN_ID $FLOW_TASK_ID $FLOW_ATTEMPT" >> "$KILL_LOOP_RUNS"
if grep -q "^- \[X\] $FLOW_TASK_ID " "$KILL_LOOP_TASKS"; then
  echo "$FLOW_RUN_ID $FLOW_TASK_ID ran again although tasks.md had it done" >> "$KILL_LOOP_RERUNS"
fi
sleep "0.$(( $(od -An -N1 -tu1 /dev/urandom) % 25 + 5 ))"
printf '%s\n' "$FLOW_TASK_FILES" | while IFS= read -r f; do
  [ -n "$f" ] || continue
  mkdir -p "$(dirname "$f")"
  printf '%s done\n' "$FLOW_TASK_ID" > "$f"
done
AGENT
chmod +x "$work/agent.sh"
export KILL_LOOP_RERUNS="$work/reruns"
: > "$KILL_LOOP_RERUNS"

declare -A kills=()
problems=0 leftovers=0 lost=0 damaged=0 failed_resumes=0 done_iterations=0
problem() { echo "FAIL (iteration $i, $mode, killed $where): $*"; problems=$((problems + 1)); }

new_repo() {
  repo="$work/repo"
  rm -rf "$repo"
  mkdir -p "$repo/specs/001-loop"
  git -C "$repo" init -q -b main
  cp "$work/tasks.md" "$repo/specs/001-loop/tasks.md"
  echo "seed" > "$repo/README"
  git -C "$repo" add README specs
  git -C "$repo" commit -qm "the plan"
  tasks="$repo/specs/001-loop/tasks.md"
  journal="$repo/.flow/implementation.log"
  export KILL_LOOP_TASKS=$tasks KILL_LOOP_RUNS="$work/runs"
  : > "$KILL_LOOP_RUNS"
}
run_flow() {  # the flow command line for this mode
  "$flow" run "$tasks" --workers 3 --isolation "$mode" --agent-cmd "$work/agent.sh" --progress plain "$@"
}
start_flow() {  # in the background, as $pid: flow itself, not a subshell around it
  local out=$1; shift
  env "$@" "$flow" run "$tasks" --workers 3 --isolation "$mode" --agent-cmd "$work/agent.sh" --progress plain > "$out" 2>&1 &
  pid=$!
}
not_damaged() {  # tasks.md is the original with some boxes ticked
  if ! sed 's/^- \[X\]/- [ ]/' "$tasks" | cmp -s - "$work/tasks.md"; then
    damaged=$((damaged + 1)); problem "tasks.md damaged $1: $(diff <(sed 's/^- \[X\]/- [ ]/' "$tasks") "$work/tasks.md" | head -5)"
  fi
}

# How long a whole run takes, per mode: the random kill moments fall within it.
declare -A span=()
for mode in git none; do
  new_repo
  t0=$(date +%s%N)
  run_flow > "$work/calibrate.out" 2>&1 || { echo "calibration run ($mode) failed:"; cat "$work/calibrate.out"; exit 1; }
  span[$mode]=$(( ($(date +%s%N) - t0) / 1000000 ))
done
echo "kill loop: seed $seed; a run takes ${span[git]} ms with git isolation, ${span[none]} ms without"

for ((i = 1; i <= iterations; ++i)); do
  mode=git; [ $((i % 2)) = 0 ] && mode=none
  new_repo
  # A named point one time in three; a random moment otherwise.
  points=(before-task-started); [ "$mode" = git ] && points+=(after-replay after-commit index-locked before-fast-forward after-fast-forward before-branch-delete)
  where=random
  if [ $((RANDOM % 3)) = 0 ]; then where=${points[$((RANDOM % ${#points[@]}))]}; fi
  pause_file="$work/paused"
  rm -f "$pause_file"
  if [ "$where" = random ]; then
    delay_ms=$(( RANDOM % (span[$mode] + span[$mode] / 10 + 1) ))
    start_flow "$work/killed.out"
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  else
    start_flow "$work/killed.out" FLOW_TEST_PAUSE=$where FLOW_TEST_PAUSE_FILE=$pause_file
    for _ in $(seq 1 600); do [ -e "$pause_file" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
  fi
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # Where the kill landed: the named point, or the killed run's last journal event.
  if [ "$where" = random ]; then
    last=$(tail -1 "$journal" 2>/dev/null | grep -o '"event":"[^"]*"' | cut -d'"' -f4 || true)
    case "$last" in
      "") where="before the journal" ;;
      run-finished) where="after the run finished" ;;
      *) where="after $last" ;;
    esac
  fi
  kills[$mode: $where]=$(( ${kills[$mode: $where]:-0} + 1 ))
  not_damaged "by the kill"
  if ! run_flow > "$work/resume.out" 2>&1; then
    failed_resumes=$((failed_resumes + 1)); problem "the resumed run failed: $(tail -5 "$work/resume.out")"
  fi
  not_damaged "after the resume"
  cmp -s "$tasks" "$work/expected.md" || { lost=$((lost + 1)); problem "tasks.md is not all done: $(grep -c '^- \[ \]' "$tasks") open"; }
  for id in $ids; do
    f=$(grep "^- \[.\] $id " "$work/tasks.md" | grep -o '`[^`]*`' | tr -d '`')
    [ "$(cat "$repo/$f" 2>/dev/null)" = "$id done" ] || { lost=$((lost + 1)); problem "$id's $f is missing or wrong"; }
    if [ "$mode" = git ]; then
      c=$(git -C "$repo" log --format=%s | grep -c "^$id " || true)
      [ "$c" = 1 ] || { lost=$((lost + 1)); problem "$id has $c commits"; }
    fi
  done
  if [ "$mode" = git ]; then
    [ "$(git -C "$repo" worktree list | wc -l)" = 1 ] || { leftovers=$((leftovers + 1)); problem "worktrees left: $(git -C "$repo" worktree list | tail -n +2)"; }
    [ -z "$(git -C "$repo" branch --list 'flow/*')" ] || { leftovers=$((leftovers + 1)); problem "branches left: $(git -C "$repo" branch --list 'flow/*')"; }
    [ -z "$(git -C "$repo" status --porcelain)" ] || { leftovers=$((leftovers + 1)); problem "the tree is not clean: $(git -C "$repo" status --porcelain | head -3)"; }
  fi
  if pgrep -f "^/bin/sh $work/agent.sh" > /dev/null; then
    leftovers=$((leftovers + 1)); problem "agents still running: $(pgrep -af "^/bin/sh $work/agent.sh" | head -3)"
  fi
  done_iterations=$i
done

reruns=$(wc -l < "$KILL_LOOP_RERUNS")
[ "$reruns" = 0 ] || { problems=$((problems + 1)); echo "FAIL: re-runs of committed tasks:"; cat "$KILL_LOOP_RERUNS"; }
echo "kill loop: kills by mode and phase:"
for k in "${!kills[@]}"; do printf '  %-40s %d\n' "$k" "${kills[$k]}"; done | sort
elapsed=$(( $(date +%s) - started_at ))
echo "kill loop: $done_iterations iterations ($(( (done_iterations + 1) / 2 )) git, $(( done_iterations / 2 )) none)," \
     "re-runs $reruns, leftovers $leftovers, lost $lost, damaged $damaged, failed resumes $failed_resumes, $elapsed s"
[ "$problems" = 0 ] && echo "kill loop: passed"
[ "$problems" = 0 ]
