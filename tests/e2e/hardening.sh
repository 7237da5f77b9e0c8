#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What users, disks and crashes really do, against the real CLI, real files and a real
# git repository: one scenario per run (issues 11 and 12).
# usage: hardening.sh FLOW TEST_AGENT SCENARIO
set -uo pipefail
flow=$(realpath "$1") agent=$2 scenario=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-hardening-XXXXXX")
cleanup() {
  chattr -i "$work"/* "$work"/*/* 2>/dev/null
  chmod -R u+w "$work" 2>/dev/null
  umount "$work/small" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail=0
bad() { echo "FAIL [$scenario]: $*"; fail=1; }
# run_flow OUT args…: flow's exit status in $rc, its output in OUT.
run_flow() {
  local out=$1
  shift
  timeout 120 "$flow" "$@" > "$out" 2>&1
  rc=$?
}
# An agent that logs its task's ID to agents.log and writes it into each file the task names.
files_agent() {
  cat > "$work/agent.sh" <<AGENT
#!/bin/sh
echo "\$FLOW_TASK_ID" >> "$work/agents.log"
printf '%s\n' "\$FLOW_TASK_FILES" | while IFS= read -r f; do [ -n "\$f" ] && mkdir -p "\$(dirname "\$f")" && echo "\$FLOW_TASK_ID" >> "\$f"; done
exit 0
AGENT
  chmod +x "$work/agent.sh"
}
# user_edits_during_run NAME TASK SED BEFORE AFTER: $work/NAME/tasks.md, the printf
# format BEFORE, is run with files_agent's agent; when task TASK starts, the user edits
# the file (sed SED); after the run it must be the printf format AFTER.
user_edits_during_run() {
  mkdir -p "$work/$1"
  printf "$4" > "$work/$1/tasks.md"
  git_repo "$work/$1"
  printf '#!/bin/sh\n[ "$FLOW_TASK_ID" = %s ] && sed -i %s %s\nexec %s\n' "$2" "'$3'" "$work/$1/tasks.md" "$work/agent.sh" > "$work/$1.sh"
  chmod +x "$work/$1.sh"
  run_flow "$work/$1.out" run "$work/$1/tasks.md" --agent-cmd "$work/$1.sh" --progress plain
  [ "$rc" = 0 ] || bad "$1: the run exited $rc: $(tail -5 "$work/$1.out")"
  printf "$5" > "$work/$1.want"
  cmp -s "$work/$1/tasks.md" "$work/$1.want" || bad "$1: tasks.md is not as the user's edit and flow's marks leave it: $(diff "$work/$1.want" "$work/$1/tasks.md")"
}
# done_for_good FILE AGENTS TASKS: a second run of $work/repo/FILE starts no agent (the
# log keeps AGENTS lines), and a fresh clone, with no journal, reads its TASKS done.
done_for_good() {
  run_flow "$work/out2" run "$work/repo/$1" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "the second run exited $rc: $(tail -5 "$work/out2")"
  [ "$(wc -l < "$work/agents.log")" = "$2" ] || bad "the second run ran agents again: $(tr '\n' ' ' < "$work/agents.log")"
  git clone -q "$work/repo" "$work/clone"
  run_flow "$work/clone.out" check "$work/clone/$1"
  grep -q "$3 tasks in 1 phases (0 groups): $3 done, 0 pending" "$work/clone.out" ||
    bad "a fresh clone does not read the $3 done: $(head -3 "$work/clone.out")"
}
# killed_unlanded DIR: a run of DIR/tasks.md (committed) killed -9 before its task's work
# lands, its mark staged; the user then commits (taking the staged mark along) and
# checks tasks.md out again, which now marks work that never landed.
killed_unlanded() {
  git_repo "$1"
  FLOW_TEST_PAUSE=before-fast-forward FLOW_TEST_PAUSE_FILE="$1.paused" \
    "$flow" run "$1/tasks.md" --agent-cmd "$work/agent.sh" --progress plain > "$1.killed" 2>&1 &
  local pid=$!
  for _ in $(seq 300); do [ -e "$1.paused" ] && break; sleep 0.1; done
  kill -9 "$pid"; wait "$pid" 2>/dev/null
  echo notes > "$1/NOTES"
  git -C "$1" add NOTES && git -C "$1" commit -qm "user notes"
  git -C "$1" checkout -q -- tasks.md
}
# first_run FILE AGENTS: $work/repo committed, FILE kept as $work/tasks.before, and one
# run of it, which exits 0 having started the agents AGENTS ("T001 T002 ") in that order.
first_run() {
  git_repo "$work/repo"
  cp "$work/repo/$1" "$work/tasks.before"
  run_flow "$work/out" run "$work/repo/$1" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "the run exited $rc: $(tail -5 "$work/out")"
  local ran
  ran=$(tr '\n' ' ' < "$work/agents.log" 2>/dev/null)
  [ "$ran" = "$2" ] || bad "agents ran '$ran', expected '$2'"
}
git_repo() {
  git -C "$1" init -q -b main
  git -C "$1" config user.email t@example.com
  git -C "$1" config user.name t
  git -C "$1" add -A
  git -C "$1" commit -qm init
}

case "$scenario" in

# Files with no task: every command answers, none crashes; one set of exit codes.
no-tasks)
  : > "$work/empty.md"
  printf 'Just prose, no task.\n\nMore prose.\n' > "$work/prose.md"
  head -c 4096 /dev/urandom > "$work/garbage.md"
  printf -- '- [ ] T001 a\n\000\n' > "$work/nul.md"
  # Lines that start with task IDs, but of no one shape twice: read as no task, which a
  # run must not call a success. (A task list written as paragraphs is read: `paragraphs`.)
  printf '# Tasks\n\nT001. Capture the baseline in `a.json`.\nTASK-2. Add `b.py` [P]\n' > "$work/paragraphs.md"
  for f in "$work/empty.md" "$work/prose.md" /dev/null "$work/garbage.md" "$work/nul.md" "$work/paragraphs.md"; do
    codes=""
    for cmd in check plan simulate status; do
      run_flow "$work/out" "$cmd" "$f"
      [ "$rc" -ge 128 ] && bad "flow $cmd $f crashed (exit $rc): $(tail -3 "$work/out")"
      codes="$codes $rc"
    done
    run_flow "$work/out" run "$f" --agent-cmd "$agent" --isolation none --workdir "$work"
    [ "$rc" -ge 128 ] && bad "flow run $f crashed (exit $rc)"
    codes="$codes $rc"
    case "$f" in
      *garbage.md|*nul.md|*paragraphs.md) want=" 2 2 2 2 2" ;;
      *) want=" 0 0 0 0 0" ;;
    esac
    [ "$codes" = "$want" ] || bad "$f: check, plan, simulate, status, run exited$codes, expected$want"
  done
  run_flow "$work/out" plan "$work/empty.md"
  grep -q "no tasks" "$work/out" || bad "plan of an empty file does not say it has no tasks: $(cat "$work/out")"
  run_flow "$work/out" check "$work/paragraphs.md"
  grep -q "paragraphs.md:3: error: no tasks found: 2 lines start with a task ID outside a list" "$work/out" ||
    bad "check of lines that start with task IDs does not name the first: $(cat "$work/out")"
  ;;

# A task list written as paragraphs, as three of one public repository's files are: read
# and run, its `[X]` tasks done, its `Deps:` lines followed; tasks.md stays byte for byte
# (their state is the journal's), and the next run has nothing to do.
paragraphs)
  mkdir -p "$work/repo/specs"
  cat > "$work/repo/specs/tasks.md" <<'TASKS'
# Tasks

## Task List

### Setup
T001. Create `app/one.txt` with a greeting. [P]  
T002. Create `app/two.txt`. [Depends: T001]

### Bold
**T003** [X]: Create `app/three.txt`.  
Deps: None.

**T004 [P]**: Create `app/four.txt`.  
Deps: T002.

Polish

T005. (Docs [P]) Create `app/five.txt`.
- File: `app/five.txt`
TASKS
  cp "$work/repo/specs/tasks.md" "$work/before.md"
  git_repo "$work/repo"
  run_flow "$work/out" check "$work/repo/specs/tasks.md"
  [ "$rc" = 0 ] || bad "check of a paragraph task list: exit $rc: $(cat "$work/out")"
  grep -q "5 tasks in .*: 1 done, 4 pending" "$work/out" || bad "check: $(head -2 "$work/out")"
  runs="$work/runs"; : > "$runs"
  export TEST_AGENT_RUNS=$runs
  run_flow "$work/out" run "$work/repo/specs/tasks.md" --workers 2 --agent-cmd "$agent"
  [ "$rc" = 0 ] || bad "run of a paragraph task list: exit $rc: $(tail -5 "$work/out")"
  for id in T001 T002 T004 T005; do
    [ "$(grep -c " $id [0-9]* end$" "$runs" || true)" = 1 ] || bad "$id did not run once: $(cat "$runs")"
  done
  grep -q " T003 " "$runs" && bad "T003, done ([X]), ran"
  # T004 waited for T002 (its Deps line), which waited for T001.
  order=$(grep ' end$' "$runs" | awk '{print $2}' | tr '\n' ' ')
  case "$order" in *T002*T004*) ;; *) bad "T004 did not wait for T002: $order" ;; esac
  case "$order" in *T001*T002*) ;; *) bad "T002 did not wait for T001: $order" ;; esac
  cmp -s "$work/repo/specs/tasks.md" "$work/before.md" || bad "tasks.md changed: $(diff "$work/before.md" "$work/repo/specs/tasks.md")"
  run_flow "$work/out" run "$work/repo/specs/tasks.md" --agent-cmd "$agent"
  [ "$rc" = 0 ] || bad "the second run: exit $rc"
  [ "$(grep -c ' end$' "$runs")" = 4 ] || bad "the second run ran tasks again: $(cat "$runs")"
  # Boxes named by the word and a number (biqiangwu/flowerSalesSystem's `- [ ] **任务 1.3**
  # [P]: …`): tasks 1.1 …, each marked in its box, the order its text states kept.
  mkdir -p "$work/words"
  # A task put between two (`**任务 1.1a**`, `**Task 2b**`) is one of them too; each commit's
  # subject is its line from the word on, its bold closed (it kept a stray `**`).
  printf '## Phase 1\n\n- [ ] **任务 1.1** [P]: 创建 `app/a.txt`\n- [ ] **任务 1.1a**: 依赖任务 1.1 - 创建 `app/d.txt`\n- [ ] **任务 1.2** [P]: 创建 `app/b.txt`\n- [ ] **任务 1.3**: 依赖任务 1.1a - 创建 `app/c.txt`\n' > "$work/words/tasks.md"
  git_repo "$work/words"
  : > "$runs"
  run_flow "$work/words.out" run "$work/words/tasks.md" --workers 2 --agent-cmd "$agent"
  [ "$rc" = 0 ] || bad "words: the run exited $rc: $(tail -5 "$work/words.out")"
  [ "$(grep -c '^- \[X\] \*\*任务 1\.[123]a*\*\*' "$work/words/tasks.md")" = 4 ] || bad "words: the boxes are not ticked: $(cat "$work/words/tasks.md")"
  order=$(grep ' end$' "$runs" | awk '{print $2}' | tr '\n' ' ')
  case "$order" in *1.1\ *1.1a*1.3*) ;; *) bad "words: 1.3 did not wait for 1.1a, nor 1.1a for 1.1: $order" ;; esac
  [ "$(grep -c ' end$' "$runs")" = 4 ] || bad "words: not four tasks ran: $(cat "$runs")"
  # (Read whole first: git log flushes each commit, and a grep -q that stops at its match
  # would fail the pipe under pipefail.)
  subjects=$(git -C "$work/words" log --format=%s)
  grep -qx '任务 1.1a: 依赖任务 1.1 - 创建 `app/d.txt`' <<< "$subjects" ||
    bad "words: 1.1a's commit subject: $(tr '\n' '|' <<< "$subjects")"
  # The emphasis around the word in its other spellings (`*Task 1.1*`, `__Task 1.2__`), and
  # a bold that closes in the text (`**Task 1.3: …**`, `**Task 1.4 - Create** …`): tasks
  # (the italic ones were boxes of no ID, and the run ended 0 without them), their text
  # shown and committed without the stray `**`. A full-width colon ends the head.
  mkdir -p "$work/emph"
  printf '## Phase 1\n\n- [ ] *Task 1.1* Create `app/a.txt`\n- [ ] __Task 1.2__ Create `app/b.txt`\n- [ ] **Task 1.3: Create `app/c.txt`**\n- [ ] **Task 1.4 - Create** `app/d.txt`\n- [ ] **任务 1.5** [P]：创建 `app/e.txt`\n' > "$work/emph/tasks.md"
  git_repo "$work/emph"
  : > "$runs"
  run_flow "$work/emph.out" run "$work/emph/tasks.md" --agent-cmd "$agent" --progress plain
  [ "$rc" = 0 ] || bad "emph: the run exited $rc: $(tail -5 "$work/emph.out")"
  [ "$(grep -c ' end$' "$runs")" = 5 ] || bad "emph: not five tasks ran: $(cat "$runs")"
  [ "$(grep -c '^- \[X\] ' "$work/emph/tasks.md")" = 5 ] || bad "emph: the boxes are not ticked: $(cat "$work/emph/tasks.md")"
  for f in a b c d e; do [ -f "$work/emph/app/$f.txt" ] || bad "emph: app/$f.txt was not made"; done
  grep -q ' started .*\*\*' "$work/emph.out" && bad "emph: a progress line shows the bold: $(grep ' started ' "$work/emph.out")"
  grep -q ' started .*：' "$work/emph.out" && bad "emph: a progress line starts at the colon: $(grep ' started ' "$work/emph.out")"
  subjects=$(git -C "$work/emph" log --format=%s)
  [ "$(tr '\n' '|' <<< "$subjects")" = '任务 1.5 [P]：创建 `app/e.txt`|Task 1.4 - Create `app/d.txt`|Task 1.3: Create `app/c.txt`|Task 1.2 Create `app/b.txt`|Task 1.1 Create `app/a.txt`|init|' ] ||
    bad "emph: the commit subjects: $(tr '\n' '|' <<< "$subjects")"
  ;;

# check reports what plan and run refuse (a cycle) and a task that waits for itself.
cycle)
  printf -- '- [ ] T001 a (depends on T002)\n- [ ] T002 b (depends on T001)\n' > "$work/cycle.md"
  run_flow "$work/out" check "$work/cycle.md"
  [ "$rc" = 2 ] || bad "check on a cycle exited $rc, expected 2"
  grep -q "cycle.md:[0-9]*: error: dependency cycle" "$work/out" || bad "check says nothing of the cycle: $(cat "$work/out")"
  grep -q " 0 errors" "$work/out" && bad "check says 0 errors on a cycle"
  run_flow "$work/out" check --json "$work/cycle.md"
  grep -q '"errors":1' "$work/out" || bad "check --json counts no error for the cycle"
  run_flow "$work/out" plan "$work/cycle.md"
  [ "$rc" = 2 ] || bad "plan on a cycle exited $rc, expected 2"
  printf -- '- [ ] T001 a\n- [ ] T002 b (depends on T002)\n' > "$work/self.md"
  for cmd in check plan; do
    run_flow "$work/out" "$cmd" "$work/self.md"
    grep -q "self.md:2: warning: T002 depends on itself" "$work/out" || bad "$cmd: no diagnostic for a self-dependency: $(cat "$work/out")"
  done
  ;;

# Durations are validated where they are parsed: CLI and config.
durations)
  printf -- '- [ ] T001 a `a.txt`\n' > "$work/tasks.md"
  for t in 9.3e9 1e10 inf nan -1 1e400 0x10 abc; do
    run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$agent" --isolation none --timeout "$t"
    [ "$rc" = 2 ] || bad "--timeout $t exited $rc, expected 2 (a usage error)"
    grep -q "timed out" "$work/out" && bad "--timeout $t timed the attempt out"
  done
  run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$agent" --isolation none --timeout 30m
  [ "$rc" = 0 ] || bad "--timeout 30m: exit $rc: $(cat "$work/out")"
  for v in 1e300 nan -5; do
    printf 'T001 %s\n' "$v" > "$work/durations.txt"
    run_flow "$work/out" simulate "$work/tasks.md" --durations "$work/durations.txt"
    [ "$rc" = 2 ] || bad "simulate --durations with $v exited $rc, expected 2"
  done
  mkdir -p "$work/.flow"
  for v in 1e400 inf nan "[30m]" "{a: 1}" 1e10; do
    printf 'implementer:\n  parallel:\n    taskTimeout: %s\n' "$v" > "$work/.flow/config.yaml"
    run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$agent" --isolation none
    [ "$rc" = 2 ] || bad "taskTimeout: $v exited $rc, expected 2"
    grep -q "config.yaml:3: error: implementer.parallel.taskTimeout should be a duration" "$work/out" ||
      bad "taskTimeout: $v: no clear error: $(cat "$work/out")"
  done
  ;;

# Config wording: a subject for every error, duplicate keys refused.
config)
  printf -- '- [ ] T001 a `a.txt`\n' > "$work/tasks.md"
  mkdir -p "$work/.flow"
  printf -- '- a\n- b\n' > "$work/.flow/config.yaml"
  run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$agent" --isolation none
  grep -q "error: the settings file should be a mapping" "$work/out" || bad "top-level list: $(cat "$work/out")"
  printf 'errorRecovery:\n  maxRetries: 2\n  maxRetries: 5\n' > "$work/.flow/config.yaml"
  run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$agent" --isolation none
  [ "$rc" = 2 ] || bad "a duplicate key exited $rc"
  grep -q "config.yaml:3: error: duplicate key 'errorRecovery.maxRetries' (first at line 2)" "$work/out" ||
    bad "duplicate key: $(cat "$work/out")"
  printf 'agent:\n  model: [a, b]\n' > "$work/.flow/config.yaml"
  run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$agent" --isolation none
  grep -q "agent.model should be a single value, not a list" "$work/out" || bad "list for a text: $(cat "$work/out")"
  grep -qi "bad conversion" "$work/out" && bad "yaml-cpp's 'bad conversion' reached the user"
  ;;

# Without isolation, a user's edit that shifts lines while flow runs: every later task is
# still marked (by ID and line text), none fails, nothing runs twice.
marks-shift)
  cat > "$work/agent.sh" <<'AGENT'
#!/bin/sh
printf '%s\n' "$FLOW_TASK_FILES" | while IFS= read -r f; do [ -n "$f" ] && echo "$FLOW_TASK_ID" >> "$f"; done
# T002's moment doubles as the user's: two lines inserted at the top of tasks.md, once
# T001's mark is in (flow marks T001 while T002 runs; an edit read before that mark and
# saved after it would undo it, which is a race of this script, not what is tested).
if [ "$FLOW_TASK_ID" = T002 ]; then
  i=0; until grep -q '^- \[X\] T001' tasks.md || [ $i -ge 100 ]; do sleep 0.05; i=$((i+1)); done
  { printf 'A note the user added.\n\n'; cat tasks.md; } > tasks.new && cat tasks.new > tasks.md && rm tasks.new
fi
AGENT
  chmod +x "$work/agent.sh"
  printf -- '# Tasks\n\n- [ ] T001 Write `a.txt`\n- [ ] T002 Write `b.txt`\n- [ ] T003 Write `c.txt`\n- [ ] T004 Write `d.txt`\n' > "$work/tasks.md"
  run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$work/agent.sh" --isolation none
  [ "$rc" = 0 ] || bad "the run exited $rc: $(cat "$work/out")"
  grep -q "mark-failed" "$work/.flow/implementation.log" && bad "marks failed: $(grep mark-failed "$work/.flow/implementation.log")"
  n=$(grep -c '^- \[X\] T00[1-4]' "$work/tasks.md")
  [ "$n" = 4 ] || bad "$n of 4 tasks marked: $(cat "$work/tasks.md")"
  head -1 "$work/tasks.md" | grep -q "A note the user added" || bad "the user's edit was lost"
  run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$work/agent.sh" --isolation none
  [ "$(cat "$work/c.txt")" = T003 ] || bad "T003 ran again: c.txt holds $(cat "$work/c.txt")"
  ;;

# After a crash that left a finished task unmarked (what a kill -9 between its
# task-finished and marked lines leaves), a user's edit that shifts lines neither blocks
# the next run nor makes it run the task again.
marks-shift-crash)
  # T001's line holds a control byte: the journal escapes it, and must read it back.
  printf -- '# Tasks\n\n- [ ] T001 Write `a.txt` \001 now\n- [ ] T002 Write `b.txt`\n' > "$work/tasks.md"
  run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$agent" --isolation none --only T001
  [ "$rc" = 0 ] || bad "the first run exited $rc: $(cat "$work/out")"
  journal="$work/.flow/implementation.log"
  grep -v '"event":"marked"\|"event":"run-finished"' "$journal" > "$journal.new" && mv "$journal.new" "$journal"
  sed -i 's/^- \[X\] T001/- [ ] T001/' "$work/tasks.md"
  { printf 'Intro the user wrote.\n\nMore of it.\n'; cat "$work/tasks.md"; } > "$work/t" && mv "$work/t" "$work/tasks.md"
  for k in 1 2; do
    run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$agent" --isolation none
    [ "$rc" = 0 ] || bad "run $k after the crash exited $rc: $(cat "$work/out")"
  done
  [ "$(cat "$work/a.txt")" = T001 ] || bad "T001 ran again after the crash: a.txt holds $(cat "$work/a.txt" | tr '\n' ' ')"
  grep -q '^- \[X\] T001' "$work/tasks.md" || bad "T001 is not marked: $(cat "$work/tasks.md")"
  grep -q '^- \[X\] T002' "$work/tasks.md" || bad "T002 is not marked"
  ;;

# Tasks written as headings (no checkbox) never run again once they succeeded: on later
# runs, after the user shifts lines, and after a crash.
headings)
  cat > "$work/agent.sh" <<AGENT
#!/bin/sh
echo "\$FLOW_TASK_ID" >> "$work/agents.log"
printf '%s\n' "\$FLOW_TASK_FILES" | while IFS= read -r f; do [ -n "\$f" ] && echo "\$FLOW_TASK_ID" >> "\$f"; done
# The first time T003 runs, flow is killed (as by a crash) while it works.
if [ "\$FLOW_TASK_ID" = T003 ] && [ ! -e "$work/crashed" ]; then touch "$work/crashed"; kill -9 \$PPID; exit 1; fi
exit 0
AGENT
  chmod +x "$work/agent.sh"
  printf '# Tasks\n\n### T001 Create `a.txt`\n\nSome detail.\n\n### T002 Create `b.txt`\n\n### T003 Create `c.txt`\n' > "$work/tasks.md"
  run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$work/agent.sh" --isolation none
  [ -e "$work/crashed" ] || bad "T003 did not run: $(cat "$work/out")"
  run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$work/agent.sh" --isolation none
  [ "$rc" = 0 ] || bad "the run after the crash exited $rc: $(cat "$work/out")"
  { printf 'Intro.\n\n'; cat "$work/tasks.md"; } > "$work/t" && mv "$work/t" "$work/tasks.md"
  run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$work/agent.sh" --isolation none
  [ "$rc" = 0 ] || bad "the third run exited $rc: $(cat "$work/out")"
  runs=$(sort "$work/agents.log" | uniq -c | awk '{printf "%s:%s ", $2, $1}')
  [ "$runs" = "T001:1 T002:1 T003:2 " ] || bad "agents ran $runs, expected T001:1 T002:1 T003:2 (T003 again after the crash only)"
  run_flow "$work/out" status "$work/tasks.md"
  grep -q "3 tasks: 3 done" "$work/out" || bad "status does not count the heading tasks done: $(head -3 "$work/out")"
  ;;

# A task the user set aside ([~]) holds only what names it; criteria lists and broken
# task lines do not run, and the run says why before it starts.
marks-held)
  printf '## Phase 1\n- [X] T001 a in `a.txt`\n- [~] T002 b in `b.txt`\n- [ ] T003 [P] c in `c.txt` (depends on T002)\n- [ ] T004 [P] d in `d.txt`\n- [] T005 broken in `e.txt`\n\n## Success Criteria\n- [ ] SC-001 Users sign up in `f.txt`\n' > "$work/tasks.md"
  git_repo "$work"
  TEST_AGENT_RUNS="$work/../$(basename "$work").runs" run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$agent" --isolation none
  runs="$work/../$(basename "$work").runs"
  [ "$rc" = 1 ] || bad "a run with a held task exited $rc, expected 1: $(cat "$work/out")"
  ran=$(awk '$4 == "begin" {print $2}' "$runs" 2>/dev/null | sort | tr '\n' ' ')
  rm -f "$runs"
  [ "$ran" = "T004 " ] || bad "ran '$ran', expected only T004"
  grep -q "tasks.md:4: warning: T003 waits for T002 (depends on T002), which the file marks \[~\]" "$work/out" ||
    bad "the held task is not said before the run: $(cat "$work/out")"
  grep -q "tasks.md:6: warning: this looks like a task but is not one" "$work/out" || bad "the broken line is not said: $(cat "$work/out")"
  grep -q "blocked by T002: T003" "$work/out" || bad "the summary does not name what holds T003: $(cat "$work/out")"
  grep -q -- '- \[~\] T002' "$work/tasks.md" && grep -q -- '- \[ \] T003' "$work/tasks.md" && grep -q -- '- \[X\] T004' "$work/tasks.md" &&
    grep -q -- '- \[ \] SC-001' "$work/tasks.md" || bad "marks: $(cat "$work/tasks.md")"
  ;;

# A line over the parser's limit may hold a task that cannot run: the summary says so
# and the exit status is not 0.
long-line)
  { printf -- '- [ ] T001 Write `a.txt`\n- [ ] T002 Write `b.txt` '; head -c 1100000 /dev/zero | tr '\0' a; printf '\n'; } > "$work/tasks.md"
  run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$agent" --isolation none
  [ "$rc" = 1 ] || bad "the run exited $rc, expected 1"
  grep -q "not run: line 2" "$work/out" || bad "the summary does not name line 2: $(tail -5 "$work/out")"
  ;;

# Clean exits leave no lock behind to "take over"; a killed run does.
lock)
  printf -- '- [ ] T001 Write `a.txt`\n- [ ] T002 Write `b.txt`\n' > "$work/tasks.md"
  run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$agent" --isolation none --only T001
  run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$agent" --isolation none --only T001
  grep -q "took over the lock" "$work/out" && bad "a run after a clean exit says: $(grep 'took over' "$work/out")"
  TEST_AGENT_SECONDS=30 "$flow" run "$work/tasks.md" --agent-cmd "$agent" --isolation none > "$work/out" 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q task-started "$work/.flow/implementation.log" 2>/dev/null && grep -c task-started "$work/.flow/implementation.log" | grep -q '^2$' && break; sleep 0.1; done
  kill -9 "$pid"; wait "$pid" 2>/dev/null
  # What a run killed while it replaced tasks.md leaves, without git too: its temporary.
  echo half > "$work/.tasks.md.flow-Ab12Cd"
  run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$agent" --isolation none
  grep -q "took over the lock of pid $pid" "$work/out" || bad "the run after kill -9 does not say it took over: $(cat "$work/out")"
  [ -e "$work/.tasks.md.flow-Ab12Cd" ] && bad "--isolation none: the killed run's temporary of tasks.md is still there"
  grep -q "removed .tasks.md.flow-Ab12Cd, a temporary a killed run left" "$work/out" || bad "--isolation none: the temporary's removal is not said"
  ;;

# Marks and journal writes that fail are failures, in the summary and the exit status;
# no agent starts on a prompt that could not be written.
# The user saves tasks.md (as an editor does: a new file renamed over it) while flow
# writes its marks: the save is kept and the mark set again on it, not overwritten.
save-during-mark)
  printf '## Phase 1\n- [ ] T001 a in `a.txt`\n' > "$work/tasks.md"
  git_repo "$work"
  FLOW_TEST_PAUSE=marks-before-rename FLOW_TEST_PAUSE_MS=1500 FLOW_TEST_PAUSE_FILE="$work/../$(basename "$work").paused" \
    "$flow" run "$work/tasks.md" --agent-cmd "$agent" --isolation none > "$work/out" 2>&1 &
  pid=$!
  paused="$work/../$(basename "$work").paused"
  for _ in $(seq 100); do [ -e "$paused" ] && break; sleep 0.1; done
  [ -e "$paused" ] || bad "flow never reached the mark's write: $(cat "$work/out")"
  rm -f "$paused"
  { cat "$work/tasks.md"; printf -- '- [ ] T002 b in `b.txt`, added by the user\n'; } > "$work/edit.tmp"
  mv "$work/edit.tmp" "$work/tasks.md"
  wait "$pid"
  rc=$?
  rm -f "$paused"
  grep -q -- '- \[X\] T001 a' "$work/tasks.md" || bad "T001 is not marked: $(cat "$work/tasks.md"; cat "$work/out")"
  grep -q -- '- \[ \] T002 b in `b.txt`, added by the user' "$work/tasks.md" || bad "the user's save was lost: $(cat "$work/tasks.md")"
  [ "$rc" = 1 ] || bad "expected exit 1 (T002 was added during the run and did not run), got $rc: $(cat "$work/out")"
  grep -q "T002 (line 3): written into tasks.md during the run" "$work/out" || bad "the added task is not said: $(cat "$work/out")"
  ;;

# tasks.md is replaced atomically under git isolation too: a reader polling it never
# finds it missing or half-written while tasks land (each by a fast-forward of the branch).
replace-git)
  r="$work/repo"
  mkdir -p "$r/specs"
  printf '## Phase 1\n- [ ] T001 [P] a in `a.txt`\n- [ ] T002 [P] b in `b.txt`\n- [ ] T003 [P] c in `c.txt`\n- [ ] T004 d in `a.txt`\n' \
    > "$r/specs/tasks.md"
  git_repo "$r"
  # What a run killed while writing tasks.md leaves: its temporary, which is removed; and
  # the temporary of the note it writes before a fast-forward, in .git.
  echo half > "$r/specs/.tasks.md.flow-Xy12Zq"
  echo half > "$r/.git/.flow-integration.pending.flow-Qw34Er"
  watch="$work/watch"
  python3 "$(dirname "$0")/watch_replace.py" "$r/specs/tasks.md" "$watch.ready" "$watch.stop" > "$watch.out" &
  wpid=$!
  for _ in $(seq 100); do [ -e "$watch.ready" ] && break; sleep 0.1; done
  [ -e "$watch.ready" ] || bad "the watcher did not start"
  run_flow "$work/out" run "$r/specs/tasks.md" --agent-cmd "$agent" --workers 3 --isolation git
  touch "$watch.stop"
  wait "$wpid"
  events=$(sort "$watch.out" | uniq -c | tr -s ' \n' ' ')
  rm -f "$watch".*
  [ "$rc" = 0 ] || bad "the run exited $rc: $(cat "$work/out")"
  [ "$(grep -c -- '- \[X\]' "$r/specs/tasks.md")" = 4 ] || bad "not every task is marked: $(cat "$r/specs/tasks.md")"
  [ -z "$(git -C "$r" status --porcelain)" ] || bad "the tree is not clean: $(git -C "$r" status --porcelain)"
  grep -q "removed .tasks.md.flow-Xy12Zq, a temporary a killed run left" "$work/out" || bad "the temporary's removal is not said"
  [ -e "$r/.git/.flow-integration.pending.flow-Qw34Er" ] && bad "the pending note's temporary is still in .git"
  case "$events" in
    *delete*|*create*|*modify*) bad "tasks.md was not replaced atomically; its name saw:$events" ;;
    *moved_to*) ;;
    *) bad "tasks.md was never replaced (events:$events)" ;;
  esac
  ;;

write-fail)
  # A full disk, for real: a 70 MiB tmpfs that T001's agent fills.
  mkdir -p "$work/small"
  mount -t tmpfs -o size=70m tmpfs "$work/small" || { echo "cannot mount a tmpfs"; exit 1; }
  cat > "$work/small/agent.sh" <<AGENT
#!/bin/sh
echo "\$FLOW_TASK_ID" >> "$work/agents.log"
printf '%s\n' "\$FLOW_TASK_FILES" | while IFS= read -r f; do [ -n "\$f" ] && echo "\$FLOW_TASK_ID" >> "\$f"; done
[ "\$FLOW_TASK_ID" = T001 ] && cat /dev/zero > fill 2>/dev/null
exit 0
AGENT
  chmod +x "$work/small/agent.sh"
  printf -- '- [ ] T001 Write `a.txt`\n- [ ] T002 Write `b.txt`\n' > "$work/small/tasks.md"
  run_flow "$work/out" run "$work/small/tasks.md" --agent-cmd "$work/small/agent.sh" --isolation none
  [ "$rc" = 1 ] || bad "disk full: the run exited $rc, expected 1: $(cat "$work/out")"
  grep -q " 0 failed" "$work/out" && bad "disk full: the summary says 0 failed: $(grep failed "$work/out")"
  grep -q "T002" "$work/agents.log" && bad "disk full: T002's agent started though its prompt could not be written"
  grep -q "cannot write the prompt" "$work/out" || bad "disk full: no word of the prompt: $(cat "$work/out")"
  grep -q "failed:  T002 after 1 attempt \[io\]" "$work/out" || bad "disk full: the prompt's failure is not io: $(cat "$work/out")"
  umount "$work/small"
  # An immutable tasks.md, and an immutable folder: the mark cannot be written.
  for what in file dir; do
    d="$work/$what"
    mkdir -p "$d"
    printf -- '- [ ] T001 Write `a.txt`\n' > "$d/tasks.md"
    if [ "$what" = file ]; then chattr +i "$d/tasks.md"; else chattr +i "$d"; fi || { echo "no chattr here"; exit 1; }
    run_flow "$work/out" run "$d/tasks.md" --agent-cmd "$agent" --isolation none --workdir "$work"
    chattr -i "$d/tasks.md" "$d" 2>/dev/null
    [ "$rc" = 1 ] || bad "immutable $what: the run exited $rc, expected 1: $(cat "$work/out")"
    grep -q "1 succeeded, 0 failed" "$work/out" && bad "immutable $what: the summary says 1 succeeded, 0 failed"
    grep -q "failed:  T001" "$work/out" || bad "immutable $what: T001 is not reported failed: $(cat "$work/out")"
  done
  # The journal made immutable while the run works: its task-finished, marked and
  # run-finished lines are lost, and the run says so.
  d="$work/journal"
  mkdir -p "$d"
  cat > "$d/agent.sh" <<'AGENT'
#!/bin/sh
chattr +i .flow/implementation.log
echo "$FLOW_TASK_ID" > a.txt
AGENT
  chmod +x "$d/agent.sh"
  printf -- '- [ ] T001 Write `a.txt`\n' > "$d/tasks.md"
  run_flow "$work/out" run "$d/tasks.md" --agent-cmd "$d/agent.sh" --isolation none --workdir "$d"
  chattr -i "$d/.flow/implementation.log"
  [ "$rc" = 1 ] || bad "immutable journal: the run exited $rc, expected 1: $(cat "$work/out")"
  grep -q "write failed: cannot write the journal" "$work/out" || bad "immutable journal: not said: $(cat "$work/out")"
  # The next run knows that run ended (it released its lock): no crash to recover from.
  run_flow "$work/out" run "$d/tasks.md" --agent-cmd "$agent" --isolation none --workdir "$d"
  grep -q "ended, but its journal does not say so" "$work/out" || bad "the next run: $(cat "$work/out")"
  grep -q "took over the lock" "$work/out" && bad "the next run thinks the last one died: $(cat "$work/out")"
  ;;

# A disk that fills while flow commits a task's work (git isolation): an io failure,
# not retried, naming what failed and why.
disk-full-git)
  mkdir -p "$work/small"
  mount -t tmpfs -o size=70m tmpfs "$work/small" || { echo "cannot mount a tmpfs"; exit 1; }
  r="$work/small/repo"
  mkdir -p "$r"
  printf -- '- [ ] T001 Write `a.txt`\n- [ ] T002 Write `b.txt`\n' > "$r/tasks.md"
  git_repo "$r"
  # T001's agent leaves a file that cannot be committed, and the rest of the disk full;
  # the space comes back when its worktree goes.
  cat > "$work/agent.sh" <<AGENT
#!/bin/sh
printf '%s\n' "\$FLOW_TASK_FILES" | while IFS= read -r f; do [ -n "\$f" ] && echo "\$FLOW_TASK_ID" >> "\$f"; done
if [ "\$FLOW_TASK_ID" = T001 ]; then head -c 1000000 /dev/urandom > big.bin; cat /dev/zero > fill 2>/dev/null; fi
exit 0
AGENT
  chmod +x "$work/agent.sh"
  run_flow "$work/out" run "$r/tasks.md" --agent-cmd "$work/agent.sh" --workers 1
  [ "$rc" = 1 ] || bad "disk full under git: the run exited $rc, expected 1: $(cat "$work/out")"
  grep -q "failed:  T001 after 1 attempt \[io\]" "$work/out" || bad "disk full under git: T001 is not an io failure: $(cat "$work/out")"
  grep -q "No space left on device" "$work/out" || bad "disk full under git: the errno is not given: $(cat "$work/out")"
  grep -q "T001 .*\[config\]" "$work/out" && bad "disk full under git: classed config"
  umount "$work/small"
  ;;

# A run that found nothing to do hides neither the run that did the work (status) nor
# its commits (rollback); every run can be listed and shown.
runs)
  mkdir -p "$work/repo/specs/x"
  printf -- '- [ ] T001 Write `a.txt`\n- [ ] T002 Write `b.txt`\n' > "$work/repo/specs/x/tasks.md"
  echo readme > "$work/repo/README"
  git_repo "$work/repo"
  tasks="$work/repo/specs/x/tasks.md"
  run_flow "$work/out1" run "$tasks" --agent-cmd "$agent" --isolation git
  [ "$rc" = 0 ] || bad "the first run exited $rc: $(cat "$work/out1")"
  run_flow "$work/out2" run "$tasks" --agent-cmd "$agent" --isolation git
  [ "$rc" = 0 ] || bad "the second run exited $rc: $(cat "$work/out2")"
  grep -q "took over the lock" "$work/out2" && bad "the second run says: $(grep 'took over' "$work/out2")"
  first=$(grep -o '"run":"[^"]*","event":"run-started"' "$work/repo/.flow/implementation.log" | head -1 | cut -d'"' -f4)
  second=$(grep -o '"run":"[^"]*","event":"run-started"' "$work/repo/.flow/implementation.log" | sed -n 2p | cut -d'"' -f4)
  [ -n "$first" ] && [ -n "$second" ] || bad "two runs not journaled"
  run_flow "$work/out" status "$tasks"
  grep -q "last run $first" "$work/out" || bad "status shows another run than $first, which did the work: $(head -3 "$work/out")"
  run_flow "$work/out" status "$tasks" --runs
  [ "$rc" = 0 ] || bad "status --runs exited $rc: $(cat "$work/out")"
  grep -q "^$first .*2 tasks: 2 succeeded, 0 failed, 2 commits" "$work/out" || bad "status --runs: $(cat "$work/out")"
  grep -q "^$second .*nothing to do" "$work/out" || bad "status --runs does not show the empty run: $(cat "$work/out")"
  run_flow "$work/out" status "$tasks" --run "$second"
  grep -q "last run $second" "$work/out" || bad "status --run $second: $(head -3 "$work/out")"
  run_flow "$work/out" rollback "$tasks"
  [ "$rc" = 0 ] || bad "rollback exited $rc: $(cat "$work/out")"
  grep -q "rolled back run $first: main is at .* (2 commits undone)" "$work/out" || bad "rollback: $(cat "$work/out")"
  grep -q '^- \[X\]' "$tasks" && bad "tasks are still marked after the rollback"
  run_flow "$work/out" rollback "$tasks"
  [ "$rc" = 1 ] || bad "a second rollback exited $rc"
  grep -q "nothing to roll back" "$work/out" || bad "a second rollback: $(cat "$work/out")"
  ;;

# A symlinked tasks.md: its target is marked and the link stays a link. A read-only one
# is refused before anything runs, and left as it was.
symlink-readonly)
  mkdir -p "$work/real"
  printf -- '- [ ] T001 Write `a.txt`\n' > "$work/real/tasks.md"
  chmod 640 "$work/real/tasks.md"
  ln -s real/tasks.md "$work/tasks.md"
  run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$agent" --isolation none --workdir "$work"
  [ "$rc" = 0 ] || bad "symlink: exit $rc: $(cat "$work/out")"
  [ -L "$work/tasks.md" ] || bad "the link was replaced by a regular file"
  grep -q '^- \[X\] T001' "$work/real/tasks.md" || bad "the link's target is not marked: $(cat "$work/real/tasks.md")"
  [ "$(stat -c %a "$work/real/tasks.md")" = 640 ] || bad "the target's mode is now $(stat -c %a "$work/real/tasks.md")"
  # Under git isolation the branch moves under tasks.md: its mode stays the user's.
  mkdir -p "$work/mode"
  printf -- '- [ ] T001 Write `a.txt`\n' > "$work/mode/tasks.md"
  chmod 600 "$work/mode/tasks.md"
  git_repo "$work/mode"
  run_flow "$work/out" run "$work/mode/tasks.md" --agent-cmd "$agent" --isolation git
  [ "$rc" = 0 ] || bad "mode 600 under git: exit $rc: $(cat "$work/out")"
  grep -q '^- \[X\] T001' "$work/mode/tasks.md" || bad "mode 600 under git: T001 not marked"
  [ "$(stat -c %a "$work/mode/tasks.md")" = 600 ] || bad "mode 600 under git: now $(stat -c %a "$work/mode/tasks.md")"
  # Run as root on a user's file: git writes tasks.md as root; its owner is put back.
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$work/owner"
    printf -- '- [ ] T001 Write `a.txt`\n' > "$work/owner/tasks.md"
    git_repo "$work/owner"
    chown 65534:65534 "$work/owner/tasks.md"
    run_flow "$work/out" run "$work/owner/tasks.md" --agent-cmd "$agent" --isolation git
    [ "$rc" = 0 ] || bad "owner under git: exit $rc: $(cat "$work/out")"
    grep -q '^- \[X\] T001' "$work/owner/tasks.md" || bad "owner under git: T001 not marked"
    [ "$(stat -c %u:%g "$work/owner/tasks.md")" = 65534:65534 ] ||
      bad "owner under git: tasks.md is now owned by $(stat -c %u:%g "$work/owner/tasks.md")"
  fi
  for iso in none git; do
    d="$work/ro-$iso"
    mkdir -p "$d"
    printf -- '- [ ] T001 Write `a.txt`\n' > "$d/tasks.md"
    [ "$iso" = git ] && git_repo "$d"
    chmod 444 "$d/tasks.md"
    before=$(md5sum < "$d/tasks.md")
    run_flow "$work/out" run "$d/tasks.md" --agent-cmd "$agent" --isolation "$iso"
    [ "$rc" = 2 ] || bad "read-only ($iso): exit $rc, expected 2: $(cat "$work/out")"
    grep -q "is read-only" "$work/out" || bad "read-only ($iso): no clear message: $(cat "$work/out")"
    [ -e "$d/a.txt" ] && bad "read-only ($iso): an agent ran"
    [ "$(md5sum < "$d/tasks.md")" = "$before" ] || bad "read-only ($iso): tasks.md was changed"
    [ "$(stat -c %a "$d/tasks.md")" = 444 ] || bad "read-only ($iso): its mode is now $(stat -c %a "$d/tasks.md")"
  done
  ;;

# Inputs are bounded (a clear error over the documented 64 MiB) and paths are
# de-duplicated in linear time: 400k paths in one task body (each twice, and as bare
# basenames) is checked well inside the timeout, where quadratic time took hours.
bounds)
  run_flow "$work/out" check /dev/zero
  [ "$rc" = 2 ] || bad "check /dev/zero exited $rc, expected 2: $(head -c 300 "$work/out")"
  grep -q "larger than 64 MiB" "$work/out" || bad "check /dev/zero: no clear error: $(head -c 300 "$work/out")"
  head -c $((65 << 20)) /dev/zero | tr '\0' 'a' > "$work/huge.md"
  run_flow "$work/out" plan "$work/huge.md"
  [ "$rc" = 2 ] && grep -q "larger than 64 MiB" "$work/out" || bad "a 65 MiB file: exit $rc: $(head -c 300 "$work/out")"
  python3 - "$work/many.md" <<'PY'
import sys
n = 200000
lines = ["- [ ] T001 Touch many files"]
lines += ["  - `src/m%d/f%d.py` and again `src/m%d/f%d.py`, also f%d.py" % (i, i, i, i, i) for i in range(n)]
lines += ["  - `lib/g%d.rs`" % i for i in range(n)]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
  timeout 60 "$flow" check --json "$work/many.md" > "$work/many.json"
  rc=$?
  [ "$rc" = 0 ] || bad "check on 400k paths exited $rc (124: still working after 60 s)"
  if [ "$rc" = 0 ]; then
    paths=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["tasks"][0]["paths"]))' "$work/many.json")
    [ "$paths" = 400000 ] || bad "400000 distinct paths expected, $paths found"
  fi
  ;;

# An agent that floods its output gets a capped log (stdout and stderr in one file, one
# cap), head and tail kept; a task naming more files than one environment string can
# hold still runs, its list in a file.
logs-files)
  cat > "$work/agent.sh" <<'AGENT'
#!/bin/sh
if [ "$FLOW_TASK_ID" = T001 ]; then
  echo "FIRST LINE"
  head -c 100000000 /dev/zero | tr '\0' o
  head -c 100000000 /dev/zero | tr '\0' e >&2
  sleep 0.2  # stderr's last bytes are read before the last line comes on stdout
  echo
  echo "LAST LINE"
  exit 0
fi
[ -n "${FLOW_TASK_FILES_FILE:-}" ] || { echo "no FLOW_TASK_FILES_FILE" >&2; exit 1; }
wc -l < "$FLOW_TASK_FILES_FILE" | tr -d ' ' > count.txt
f=$(head -1 "$FLOW_TASK_FILES_FILE") && mkdir -p "$(dirname "$f")" && echo done > "$f"  # the task's work
AGENT
  chmod +x "$work/agent.sh"
  python3 - "$work/tasks.md" <<'PY'
import sys
many = " ".join("`src/folder_%05d/file_name.py`" % i for i in range(20000))
open(sys.argv[1], "w").write("- [ ] T001 Print a lot\n- [ ] T002 Touch many files " + many + "\n")
PY
  run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$work/agent.sh" --isolation none --retries 0
  [ "$rc" = 0 ] || bad "the run exited $rc: $(tail -c 2000 "$work/out")"
  out=$(ls "$work"/.flow/runs/*/T001-0.1.out)
  ! ls "$work"/.flow/runs/*/T001-0.1.err >/dev/null 2>&1 || bad "stderr has a file of its own"
  size=$(stat -c %s "$out")
  [ "$size" -le $(((16 << 20) + 4096)) ] || bad "$(basename "$out") is $size bytes: not capped"
  grep -q "bytes of output cut here" "$out" || bad "$(basename "$out") does not say what was cut"
  grep -q "eeee" "$out" || bad "$(basename "$out") lacks stderr's output"
  head -1 "$out" | grep -q "FIRST LINE" || bad "the log lost its head"
  tail -1 "$out" | grep -q "LAST LINE" || bad "the log lost its tail: $(tail -c 100 "$out")"
  [ "$(cat "$work/count.txt" 2>/dev/null)" = 20000 ] || bad "T002's agent saw $(cat "$work/count.txt" 2>/dev/null) of 20000 files"
  ;;

# Secrets an agent prints (the keys in flow's environment, of any shape) reach neither
# the run's summary, nor the journal, nor flow status, nor the next attempt's prompt,
# nor the attempt's log.
secrets)
  printf -- '- [ ] T001 Write `a.txt`\n' > "$work/tasks.md"
  cat > "$work/agent.sh" <<'AGENT'
#!/bin/sh
echo "using key=$OPENAI_API_KEY and $ANTHROPIC_API_KEY" >&2
echo "Error: connection refused with $OPENAI_API_KEY" >&2
exit 1
AGENT
  chmod +x "$work/agent.sh"
  export OPENAI_API_KEY=sk-test-SECRET123 ANTHROPIC_API_KEY=sk-ant-api03-SECRETANTH456
  run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$work/agent.sh" --isolation none --retries 1
  [ "$rc" = 1 ] || bad "the run exited $rc, expected 1: $(cat "$work/out")"
  run_flow "$work/status" status "$work/tasks.md"
  run_flow "$work/status.json" status --json "$work/tasks.md"
  grep -q "redacted" "$work/out" || bad "the summary quotes no masked line: $(cat "$work/out")"
  for f in "$work/out" "$work/status" "$work/status.json" "$work/.flow/implementation.log" "$work"/.flow/runs/*/*.prompt.md \
           "$work"/.flow/runs/*/*.out; do
    grep -q "SECRET" "$f" && bad "a key is in $(basename "$f"): $(grep SECRET "$f" | head -2)"
  done
  ;;

# Secrets the project's own commands print (a test gate that fails once, the hooks, the
# integration check) are masked as an agent's are: in their output files, the journal,
# the retry prompt, the summary and flow status; the gate's failure still says what failed.
gate-secrets)
  mkdir -p "$work/repo/.flow"
  printf -- '- [ ] T001 Write `a.txt`\n' > "$work/repo/tasks.md"
  cat > "$work/repo/.flow/config.yaml" <<'CONFIG'
testing:
  runTests: ["sh", "-c", "echo \"connecting with $ANTHROPIC_API_KEY as $GH_TOKEN\"; test ! -f result.txt || grep -q good result.txt || { echo \"FAIL: test_result: expected good (token $GH_TOKEN)\"; exit 1; }"]
  integrationCheck: merge
errorRecovery:
  baseDelay: 10ms
  maxDelay: 20ms
hooks:
  pre-implement: [sh, -c, 'echo "pre with $GH_TOKEN"']
  task-complete: [sh, -c, 'echo "complete with $ANTHROPIC_API_KEY"']
  post-implement: [sh, -c, 'echo "post with $GH_TOKEN"']
CONFIG
  git_repo "$work/repo"
  # The token has no key's shape: only its being in flow's environment gives it away.
  export ANTHROPIC_API_KEY=sk-ant-test-GATESECRET4711 GH_TOKEN=plain-GATESECRET-7Q2ZX9
  TEST_AGENT_PLAN=T001:bad-once run_flow "$work/out" run "$work/repo/tasks.md" --agent-cmd "$agent" --isolation git
  [ "$rc" = 0 ] || bad "the run exited $rc, expected 0 (T001 passes its gate on the retry): $(cat "$work/out")"
  run_flow "$work/status" status "$work/repo/tasks.md"
  run_flow "$work/status.json" status --json "$work/repo/tasks.md"
  flow_dir=$work/repo/.flow
  for f in "$work/out" "$work/status" "$work/status.json"; do
    grep -q "GATESECRET" "$f" && bad "a key is in flow's output ($(basename "$f")): $(grep GATESECRET "$f" | head -2)"
  done
  leaks=$(grep -rl "GATESECRET" "$flow_dir")
  [ -z "$leaks" ] || bad "a key is under .flow: $(echo "$leaks" | sed "s|^$flow_dir/||" | tr '\n' ' ')"
  for f in "$flow_dir"/runs/*/T001-*.1.gate-tests.out "$flow_dir"/runs/*/hook-pre-implement.out \
           "$flow_dir"/runs/*/hook-task-complete-T001.out "$flow_dir"/runs/*/hook-post-implement.out \
           "$flow_dir"/runs/*/integration-T001.out; do
    grep -q "\[redacted\]" "$f" 2>/dev/null || bad "$(basename "$f") shows no masked key: $(cat "$f" 2>&1)"
  done
  grep '"event":"attempt-failed"' "$flow_dir/implementation.log" | grep -q "\[redacted\]" ||
    bad "the journal's failure lines show no masked key"
  prompt=$(ls "$flow_dir"/runs/*/T001-*.2.prompt.md 2>/dev/null | head -1)
  grep -q "FAIL: test_result: expected good (token \[redacted\])" "$prompt" 2>/dev/null ||
    bad "the retry prompt lacks the gate's failure: $(cat "$prompt" 2>&1)"
  # testing.testFirst: a story's tests run before its implementation (against its branch
  # and the one before it); their output is masked too.
  mkdir -p "$work/first/.flow"
  printf '## Phase 1: User Story 1 - Greeting (Priority: P1)\n\n- [ ] T001 [US1] Test the greeting in `tests/test_greet.txt`\n- [ ] T002 [US1] Implement the greeting in `app/greet.py`\n' > "$work/first/tasks.md"
  cat > "$work/first/.flow/config.yaml" <<'CONFIG'
testing:
  runTests: ["sh", "-c", "echo \"testing as $GH_TOKEN\"; if [ -f tests/test_greet.txt ] && [ ! -f app/greet.py ]; then echo \"FAIL: test_greet ($ANTHROPIC_API_KEY)\"; exit 1; fi"]
  testFirst: true
CONFIG
  git_repo "$work/first"
  run_flow "$work/first.out" run "$work/first/tasks.md" --agent-cmd "$agent" --isolation git
  [ "$rc" = 0 ] || bad "the test-first run exited $rc: $(cat "$work/first.out")"
  grep '"event":"test-first"' "$work/first/.flow/implementation.log" | grep -q '"exit":1' ||
    bad "the story's tests did not run first (and fail)"
  leaks=$(grep -rl "GATESECRET" "$work/first/.flow" "$work/first.out")
  [ -z "$leaks" ] || bad "a key is in the test-first run's files: $(echo "$leaks" | sed "s|^$work/||" | tr '\n' ' ')"
  for f in "$work/first/.flow"/runs/*/test-first-*.out; do
    grep -q "\[redacted\]" "$f" 2>/dev/null || bad "$(basename "$f") shows no masked key: $(cat "$f" 2>&1)"
  done
  ls "$work/first/.flow"/runs/*/test-first-*.out > /dev/null 2>&1 || bad "no test-first output was kept"
  # A gate the attempt's timeout stopped, silent: said so, not "exit -1" and a blank line.
  mkdir -p "$work/slow/.flow"
  printf -- '- [ ] T001 Write `a.txt`\n' > "$work/slow/tasks.md"
  printf 'testing:\n  runTests: ["sleep", "30"]\n' > "$work/slow/.flow/config.yaml"
  git_repo "$work/slow"
  run_flow "$work/slow.out" run "$work/slow/tasks.md" --agent-cmd "$agent" --isolation git --timeout 1 --retries 0
  [ "$rc" = 1 ] || bad "the run whose gate timed out exited $rc, expected 1"
  grep -q "validation: tests (sleep 30) failed (timed out after 1 s) in the task's worktree, with no output" "$work/slow.out" ||
    bad "the gate's timeout is not said: $(grep -A2 'failed:' "$work/slow.out")"
  ;;

# flow status after a user's edit moved the tasks: a failed task is still reported
# failed (found by ID and line text), not as to do.
status-shift)
  printf -- '- [ ] T001 Write `a.txt`\n- [ ] T002 Write `b.txt`\n' > "$work/tasks.md"
  TEST_AGENT_PLAN=T002:auth run_flow "$work/out" run "$work/tasks.md" --agent-cmd "$agent" --isolation none
  [ "$rc" = 1 ] || bad "the run exited $rc, expected 1 (T002 fails): $(cat "$work/out")"
  { printf '# Tasks\n\nIntro.\n\n'; cat "$work/tasks.md"; } > "$work/t" && mv "$work/t" "$work/tasks.md"
  run_flow "$work/out" status "$work/tasks.md"
  grep -q "2 tasks: 1 done, 1 failed, 0 blocked, 0 to do" "$work/out" || bad "status after the edit: $(head -1 "$work/out")"
  run_flow "$work/out" status --json "$work/tasks.md"
  grep -q '"id":"T002","line":6,"state":"failed"' "$work/out" || bad "status --json after the edit: $(cat "$work/out")"
  ;;

# What an agent prints, and a task's text, never drive the terminal: an agent that
# fails with escape sequences in its output (clear the screen, move the cursor, a title)
# and a task whose description holds one are shown as text by run, status and retry.
terminal-escapes)
  printf -- '- [ ] T001 Write `a.txt` \033[2J\033]0;owned\007 here\n' > "$work/tasks.md"
  cat > "$work/agent.sh" <<'AGENT'
#!/bin/sh
printf 'working\033[2J\033[H\rover\n' >&2
printf '\033]0;title\007Invalid API key\n' >&2
exit 1
AGENT
  chmod +x "$work/agent.sh"
  run_flow "$work/run.out" run "$work/tasks.md" --agent-cmd "$work/agent.sh" --isolation none --retries 0
  [ "$rc" = 1 ] || bad "the run exited $rc, expected 1: $(cat -v "$work/run.out")"
  run_flow "$work/status.out" status "$work/tasks.md"
  # A heading and a skipped line with escapes too, for check and plan.
  printf '## Phase \033[31mred\n- [ ] T002 \033[2J Write `b.txt`\n* [ ] \033[H not a task\n' >> "$work/tasks.md"
  run_flow "$work/check.out" check --verbose "$work/tasks.md"
  run_flow "$work/plan.out" plan "$work/tasks.md"
  grep -q "Phase  \[31mred" "$work/plan.out" || bad "plan lost the phase's title: $(cat -v "$work/plan.out")"
  for f in run status check plan; do
    if LC_ALL=C grep -q $'[\x1b\x07\r]' "$work/$f.out"; then bad "flow $f printed control characters: $(cat -v "$work/$f.out")"; fi
  done
  grep -q "over" "$work/run.out" || bad "the agent's words are not shown: $(cat -v "$work/run.out")"
  grep -q "Invalid API key" "$work/status.out" || bad "status lost the agent's words: $(cat -v "$work/status.out")"
  ;;

# One tasks.md, spelled three ways (./relative, absolute, through a symlinked folder):
# what the journal says of its runs is found whichever way the user names it.
path-spellings)
  repo=$work/repo
  mkdir -p "$repo/specs/001-x"
  printf '## Phase 1: Work\n- [ ] T001 Write `a.txt`\n- [ ] T002 Write `b.txt`\n' > "$repo/specs/001-x/tasks.md"
  git_repo "$repo"
  ln -s specs/001-x "$repo/feat"
  echo feat >> "$repo/.git/info/exclude"
  start=$(git -C "$repo" rev-parse HEAD)
  cd "$repo" || exit 1
  run_flow "$work/run.out" run ./specs/001-x/tasks.md --agent-cmd "$agent" --progress plain
  [ "$rc" = 0 ] || bad "the run exited $rc: $(tail -5 "$work/run.out")"
  run_flow "$work/status.out" status --runs specs/001-x/tasks.md
  grep -q "2 tasks: 2 succeeded" "$work/status.out" || bad "status of the same file, spelled without ./, does not see the run: $(cat "$work/status.out")"
  run_flow "$work/status-link.out" status "$repo/feat/tasks.md"
  grep -q "has not run" "$work/status-link.out" && bad "status through the symlinked folder does not see the run: $(cat "$work/status-link.out")"
  run_flow "$work/rollback.out" rollback "$repo/feat/tasks.md"
  [ "$rc" = 0 ] || bad "rollback through the symlinked folder exited $rc: $(cat "$work/rollback.out")"
  [ "$(git -C "$repo" rev-parse HEAD)" = "$start" ] || bad "the rollback did not take the branch back to the run's start"
  cd "$work" || exit 1
  # A plan written in its author's checkout, named otherwise than this clone: its files
  # are this repository's, so two [P] tasks on one file are kept apart, and no path is
  # said to be outside the repository.
  mkdir -p "$work/other/src"
  echo x > "$work/other/src/app.py"
  printf -- '- [ ] T001 [P] Edit `/workspaces/acme-old/src/app.py`\n- [ ] T002 [P] Test `/workspaces/acme-old/src/app.py` in `/workspaces/acme-old/tests/test_app.py`\n' > "$work/other/tasks.md"
  git_repo "$work/other"
  run_flow "$work/other.out" plan "$work/other/tasks.md"
  [ "$rc" = 0 ] || bad "plan of the checkout's paths exited $rc: $(tail -5 "$work/other.out")"
  grep -q 'T001 and T002 are both \[P\] but both touch src/app.py' "$work/other.out" || bad "the checkout's paths are not the repository's: $(cat "$work/other.out")"
  grep -q 'path-outside-repo' "$work/other.out" && bad "a path under the checkout is said to be outside: $(grep path-outside-repo "$work/other.out")"
  ;;

# Numbered section headings are not tasks, `### Task 1.1:` headings are (one done by its
# Status field), and a checklist after them is not: in a git repository, under git
# isolation, twice.
numbered-headings)
  files_agent
  mkdir -p "$work/repo"
  cat > "$work/repo/tasks.md" <<'TASKS'
# Tasks

## Phase 1: Port

### Task 1.1: Add the migration

- **Dependencies**: none
- **Acceptance Criteria**:
  - [ ] `db/001.sql` created
- **Files**:
  - `db/001.sql` (NEW)

### Task 1.2: Port the store

- **Dependencies**: Task 1.1
- **Files**: `src/store.go`

### Task 1.3: Port the cache

- **Status**: ✅ COMPLETE (2026-01-28)
- **Files**: `src/cache.go`

## Phase 2: Extend

### Task 2.1: Add the routes

- **Dependencies**: Task 1.1, Task 1.2
- **Files**: `src/routes.go`

## Notes

### 9.1 Background

The old service kept its items in memory.

## Cross-Cutting Tasks

- [ ] Linting passes
- [ ] No stale references in docs
TASKS
  git_repo "$work/repo"
  cp "$work/repo/tasks.md" "$work/tasks.before"
  run_flow "$work/check.out" check "$work/repo/tasks.md"
  grep -q "4 tasks in 2 phases (0 groups): 1 done, 3 pending" "$work/check.out" || bad "check does not see the 4 tasks, 1 done: $(cat "$work/check.out")"
  run_flow "$work/out" run "$work/repo/tasks.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "the run exited $rc: $(tail -5 "$work/out")"
  ran=$(tr '\n' ' ' < "$work/agents.log" 2>/dev/null)
  [ "$ran" = "1.1 1.2 2.1 " ] || bad "agents ran '$ran', expected '1.1 1.2 2.1 ' (no section number, no checklist line, not 1.3 whose Status says done)"
  # Each heading it ran ends with a check mark now (not 1.3's, whose Status says done):
  # the file, and so a fresh clone, knows what is done; every other byte as it was.
  sed -e '/^### Task \(1\.1\|1\.2\|2\.1\):/s/$/ ✅/' "$work/tasks.before" > "$work/tasks.want"
  cmp -s "$work/repo/tasks.md" "$work/tasks.want" || bad "tasks.md is not its headings checked: $(diff "$work/tasks.want" "$work/repo/tasks.md")"
  [ -f "$work/repo/src/routes.go" ] || bad "2.1's work did not land in the repository"
  [ -z "$(git -C "$work/repo" status --porcelain)" ] || bad "the tree is not clean: $(git -C "$work/repo" status --porcelain)"
  git clone -q "$work/repo" "$work/clone"
  run_flow "$work/clone.out" check "$work/clone/tasks.md"
  grep -q "4 tasks in 2 phases (0 groups): 4 done, 0 pending" "$work/clone.out" || bad "a fresh clone does not read all 4 done: $(head -3 "$work/clone.out")"
  run_flow "$work/out2" run "$work/repo/tasks.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "the second run exited $rc: $(tail -5 "$work/out2")"
  [ "$(wc -l < "$work/agents.log")" = 3 ] || bad "the second run ran agents again: $(tr '\n' ' ' < "$work/agents.log")"
  ;;

task-headings)
  # A plan written task by task (`### Task 1: …`, its files and bold steps under it, no
  # checkbox), as agents' plan-writing skills write them: it had "no tasks".
  files_agent
  mkdir -p "$work/repo"
  cat > "$work/repo/plan.md" <<'TASKS'
# Login Rate Limit Implementation Plan

**Goal:** Limit failed logins per account.

### Task 1: Bucket store

**Files:**
- Create: `src/auth/bucket.py`
- Test: `tests/auth/test_bucket.py`

**Step 1: Write the failing test**

Run: `pytest tests/auth/test_bucket.py::test_bucket_empties -v`

**Step 2: Commit**

### Task 2: Wire the bucket into login

**Depends on:** Task 3

**Files:**
- Modify: `src/auth/login.py:40-72`

**Step 1: Write the failing test**

### Task 3: Settings

**Files:**
- Create: `src/auth/settings.py`

## Verification

- [ ] All tests pass
TASKS
  git_repo "$work/repo"
  cp "$work/repo/plan.md" "$work/tasks.before"
  run_flow "$work/out" run "$work/repo/plan.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "the run exited $rc: $(tail -5 "$work/out")"
  ran=$(tr '\n' ' ' < "$work/agents.log" 2>/dev/null)
  [ "$ran" = "1 3 2 " ] || bad "agents ran '$ran', expected '1 3 2 ' (Task 2 after Task 3, no checklist line)"
  sed -e '/^### Task [0-9]:/s/$/ ✅/' "$work/tasks.before" > "$work/tasks.want"
  cmp -s "$work/repo/plan.md" "$work/tasks.want" || bad "plan.md is not its headings checked: $(diff "$work/tasks.want" "$work/repo/plan.md")"
  [ "$(cat "$work/repo/src/auth/login.py" 2>/dev/null)" = 2 ] || bad "Task 2 did not write src/auth/login.py (not src/auth/login.py:40-72)"
  subjects=$(git -C "$work/repo" log --reverse --format=%s HEAD~3..HEAD | tr '\n' '|')
  [ "$subjects" = "Task 1: Bucket store|Task 3: Settings|Task 2: Wire the bucket into login|" ] || bad "the commits are $subjects"
  done_for_good plan.md 3 3
  # The user takes Task 3's check mark out to have it run again: it runs, and only it.
  sed -i -e 's/^### Task 3: Settings ✅$/### Task 3: Settings/' "$work/repo/plan.md"
  git -C "$work/repo" commit -qam "run Task 3 again"
  run_flow "$work/out3" run "$work/repo/plan.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "the run after unchecking exited $rc: $(tail -5 "$work/out3")"
  [ "$(tr '\n' ' ' < "$work/agents.log")" = "1 3 2 3 " ] || bad "after unchecking Task 3, agents ran '$(tr '\n' ' ' < "$work/agents.log")', expected Task 3 again alone"
  cmp -s "$work/repo/plan.md" "$work/tasks.want" || bad "Task 3 was not checked again: $(diff "$work/tasks.want" "$work/repo/plan.md")"
  # A repository an earlier flow ran, which kept these tasks' state in its journal alone
  # (no check marks, no `marked` lines), and whose last run was killed (no run-finished):
  # they are done, not run again, and checked now in a commit of plan.md alone.
  cp "$work/tasks.before" "$work/repo/plan.md"
  git -C "$work/repo" commit -qam "as an earlier flow left it"
  grep -v -e '"event":"marked"' -e '"event":"run-finished"' "$work/repo/.flow/implementation.log" > "$work/journal.old"
  cp "$work/journal.old" "$work/repo/.flow/implementation.log"
  run_flow "$work/out4" run "$work/repo/plan.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "the run after an earlier flow's exited $rc: $(tail -5 "$work/out4")"
  [ "$(wc -l < "$work/agents.log")" = 4 ] || bad "tasks an earlier flow's journal keeps done ran again: $(tr '\n' ' ' < "$work/agents.log")"
  cmp -s "$work/repo/plan.md" "$work/tasks.want" || bad "the tasks an earlier flow finished were not checked: $(diff "$work/tasks.want" "$work/repo/plan.md")"
  [ -z "$(git -C "$work/repo" status --porcelain)" ] || bad "the checks are not committed: $(git -C "$work/repo" status --porcelain)"
  case "$(git -C "$work/repo" log -1 --format=%s)" in "flow: check "*) ;; *) bad "no commit of the checks: $(git -C "$work/repo" log -1 --format=%s)" ;; esac
  # Taking out a mark flow wrote there runs that task again, as any other.
  sed -i -e 's/^### Task 1: Bucket store ✅$/### Task 1: Bucket store/' "$work/repo/plan.md"
  git -C "$work/repo" commit -qam "run Task 1 again"
  run_flow "$work/out5" run "$work/repo/plan.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$(tr '\n' ' ' < "$work/agents.log")" = "1 3 2 3 1 " ] || bad "after unchecking a migrated Task 1, agents ran '$(tr '\n' ' ' < "$work/agents.log")'"
  cmp -s "$work/repo/plan.md" "$work/tasks.want" || bad "Task 1 was not checked again: $(diff "$work/tasks.want" "$work/repo/plan.md")"
  # The user checks a pending heading by hand while another task runs: it is not run, and
  # said so in words (the summary and the journal said "marked [\0]", a NUL byte).
  mkdir -p "$work/byhand"
  printf '# Plan\n\n### Task 1: First\n\n### Task 2: Second\n' > "$work/byhand/plan.md"
  git_repo "$work/byhand"
  cat > "$work/byhand.sh" <<AGENT
#!/bin/sh
[ "\$FLOW_TASK_ID" = 1 ] && sed -i 's/^### Task 2: Second\$/### Task 2: Second ✅/' "$work/byhand/plan.md"
exit 0
AGENT
  chmod +x "$work/byhand.sh"
  run_flow "$work/byhand.out" run "$work/byhand/plan.md" --agent-cmd "$work/byhand.sh" --progress plain
  if tr -d '\000' < "$work/byhand.out" | cmp -s - "$work/byhand.out" && ! grep -q 'u0000' "$work/byhand/.flow/implementation.log"; then :; else
    bad "a NUL byte in what flow says of a heading checked by hand"
  fi
  grep -q "it was marked done in tasks.md during the run" "$work/byhand.out" ||
    bad "a heading checked by hand is not said so: $(grep -a 'not run' "$work/byhand.out" | head -3)"
  # A progress list that names the Task headings (`- [x] Task 1: …` under `## Progress`)
  # is their state: the ticked one is not run, the other is, and its box is ticked.
  mkdir -p "$work/progress"
  printf '# Plan\n\n### Task 1: First\n\n### Task 2: Second\n\n## Progress\n\n- [x] Task 1: First\n- [ ] Task 2: Second\n' \
    > "$work/progress/plan.md"
  git_repo "$work/progress"
  sed -e 's/^- \[ \] Task 2/- [x] Task 2/' "$work/progress/plan.md" > "$work/progress.want"
  : > "$work/agents.log"
  run_flow "$work/progress.out" run "$work/progress/plan.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "progress list: the run exited $rc: $(tail -5 "$work/progress.out")"
  [ "$(tr '\n' ' ' < "$work/agents.log")" = "2 " ] || bad "progress list: agents ran '$(tr '\n' ' ' < "$work/agents.log")', expected '2 '"
  cmp -s "$work/progress/plan.md" "$work/progress.want" ||
    bad "progress list: plan.md is not Task 2's box ticked: $(diff "$work/progress.want" "$work/progress/plan.md")"
  # The same with the steps as checkboxes (`- [ ] **Step 1: …**`), one already ticked:
  # each Task is one agent's work, and its steps are ticked when it lands, in the case
  # the file uses, every other byte kept; under git isolation and without it.
  for isolation in git none; do
    rm -rf "$work/steps-$isolation" && mkdir -p "$work/steps-$isolation"
    cat > "$work/steps-$isolation/plan.md" <<'TASKS'
# Plan

### Task 1: Bucket store

**Files:**
- Create: `src/auth/bucket.py`

- [ ] **Step 1: Write the failing test**
- [x] **Step 2: Run it to see it fail**
- [ ] **Step 3: Commit**

### Task 2: Wire it

**Depends on:** Task 1

- [ ] **Step 1: Call the bucket from `src/auth/login.py`**
  - [ ] a nested note, no step
TASKS
    git_repo "$work/steps-$isolation"
    sed -e 's/^- \[ \] \*\*Step/- [x] **Step/' "$work/steps-$isolation/plan.md" > "$work/steps.want"
    : > "$work/agents.log"
    run_flow "$work/steps.out" run "$work/steps-$isolation/plan.md" --agent-cmd "$work/agent.sh" --progress plain --isolation "$isolation"
    [ "$rc" = 0 ] || bad "steps ($isolation): the run exited $rc: $(tail -5 "$work/steps.out")"
    [ "$(tr '\n' ' ' < "$work/agents.log")" = "1 2 " ] || bad "steps ($isolation): agents ran '$(tr '\n' ' ' < "$work/agents.log")', expected '1 2 '"
    cmp -s "$work/steps-$isolation/plan.md" "$work/steps.want" ||
      bad "steps ($isolation): plan.md is not its steps ticked: $(diff "$work/steps.want" "$work/steps-$isolation/plan.md")"
    run_flow "$work/steps2.out" run "$work/steps-$isolation/plan.md" --agent-cmd "$work/agent.sh" --progress plain --isolation "$isolation"
    [ "$(wc -l < "$work/agents.log")" = 2 ] || bad "steps ($isolation): the second run ran agents again"
    # A fresh clone (no journal) reads both done from the file.
    if [ "$isolation" = git ]; then
      [ -z "$(git -C "$work/steps-git" status --porcelain)" ] || bad "steps: the tree is not clean: $(git -C "$work/steps-git" status --porcelain)"
      git clone -q "$work/steps-git" "$work/steps-clone"
      run_flow "$work/clone.out" check "$work/steps-clone/plan.md"
      grep -q "2 tasks in 1 phases (0 groups): 2 done, 0 pending" "$work/clone.out" || bad "steps: a fresh clone does not read both done: $(head -3 "$work/clone.out")"
    fi
  done
  # A heading closed the ATX way (`### T001 — Write a ###`): the commit's subject is its
  # text, not its closing #s.
  mkdir -p "$work/closed"
  printf '# Tasks\n\n### T001 — Write `a.txt` ###\n\nWrite it.\n' > "$work/closed/tasks.md"
  git_repo "$work/closed"
  run_flow "$work/closed.out" run "$work/closed/tasks.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "closed heading: the run exited $rc: $(tail -5 "$work/closed.out")"
  [ "$(git -C "$work/closed" log -1 --format=%s)" = 'T001 — Write `a.txt`' ] ||
    bad "closed heading: the commit's subject is '$(git -C "$work/closed" log -1 --format=%s)'"
  ;;

heading-bodies)
  # What is under a heading task reaches its agent: `## T001 — …` over ID-less boxes
  # (skipped as boxes without IDs: the agent was given the title alone), and `## T002`
  # over its acceptance criteria and the notes after them (the first box ended the task:
  # neither reached the agent), and `## T003` over requirements (`- [ ] FR-001: …`),
  # which made it a section that never ran. They are no steps: flow checks the headings.
  mkdir -p "$work/repo"
  cat > "$work/agent.sh" <<AGENT
#!/bin/sh
echo "\$FLOW_TASK_ID" >> "$work/agents.log"
cp "\$FLOW_PROMPT_FILE" "$work/prompt.\$FLOW_TASK_ID"
printf '%s\n' "\$FLOW_TASK_FILES" | while IFS= read -r f; do [ -n "\$f" ] && mkdir -p "\$(dirname "\$f")" && echo "\$FLOW_TASK_ID" >> "\$f"; done
exit 0
AGENT
  chmod +x "$work/agent.sh"
  cat > "$work/repo/tasks.md" <<'TASKS'
# Tasks — Unified Design Input

## T001 — Create DesignInput.tsx component
- [ ] Tab bar: Image | HTML, styled with active state
- [ ] HTML tab: renders textarea (monospace, resizable)

## T002 — Wire it into `src/App.tsx`

**Acceptance Criteria**:
- [ ] The tab bar shows above the upload zone
- [ ] Switching tabs keeps the HTML typed

**Implementation Notes**: keep the background upload zone unchanged.

## T003 — Log in

- [ ] FR-001: users log in with their e-mail
- [ ] SC-002: in under 2 seconds
TASKS
  first_run tasks.md "T001 T002 T003 "
  for line in '- [ ] Tab bar: Image | HTML, styled with active state' '- [ ] HTML tab: renders textarea (monospace, resizable)'; do
    grep -qxF -- "$line" "$work/prompt.T001" || bad "T001's prompt lacks '$line': $(cat "$work/prompt.T001")"
  done
  for line in '**Acceptance Criteria**:' '- [ ] Switching tabs keeps the HTML typed' '**Implementation Notes**: keep the background upload zone unchanged.'; do
    grep -qxF -- "$line" "$work/prompt.T002" || bad "T002's prompt lacks '$line': $(cat "$work/prompt.T002")"
  done
  # The headings checked; the boxes (a list of work, criteria) left to the reviewer.
  grep -qxF -- '- [ ] SC-002: in under 2 seconds' "$work/prompt.T003" || bad "T003's prompt lacks its criteria: $(cat "$work/prompt.T003")"
  sed -e 's/^## T00[123] — .*$/& ✅/' "$work/tasks.before" > "$work/tasks.want"
  cmp -s "$work/repo/tasks.md" "$work/tasks.want" || bad "tasks.md is not as marked: $(diff "$work/tasks.want" "$work/repo/tasks.md")"
  done_for_good tasks.md 3 3
  # A list of its dependencies in a heading task's body (`#### Dependencies` over
  # `- T001 (…)`) was body alone: [P] T002 ran beside T001, which it waits for.
  mkdir -p "$work/deps"
  cat > "$work/deps/agent.sh" <<AGENT
#!/bin/sh
echo "start \$FLOW_TASK_ID" >> "$work/deps.log"
[ "\$FLOW_TASK_ID" = T004 ] || sleep 1
printf '%s\n' "\$FLOW_TASK_FILES" | while IFS= read -r f; do [ -n "\$f" ] && mkdir -p "\$(dirname "\$f")" && echo "\$FLOW_TASK_ID" >> "\$f"; done
echo "end \$FLOW_TASK_ID" >> "$work/deps.log"
AGENT
  chmod +x "$work/deps/agent.sh"
  mkdir -p "$work/deps/repo"
  # Then (session 24's review) lists it missed: a heading with a note, an item that starts
  # with its state's mark, an item wrapped at its marker's indent (the next item was
  # lost), a checkbox task's line ending with the label over items nested under it.
  cat > "$work/deps/repo/tasks.md" <<'TASKS'
# Tasks

### T001 [P] Config

Write `src/config.py`.

### T002 [P] Models

Write `src/models.py`.

#### Dependencies

- T001 (the models read the config)

### T003 [P] App

Write `src/app.py`.

#### Dependencies (must finish first)

- ✅ T001 (the config, which
the app reads)
- T002 (models)
TASKS
  git_repo "$work/deps/repo"
  run_flow "$work/deps.out" run "$work/deps/repo/tasks.md" --agent-cmd "$work/deps/agent.sh" --progress plain --workers 2
  [ "$rc" = 0 ] || bad "deps: the run exited $rc: $(tail -5 "$work/deps.out")"
  [ "$(tr '\n' '|' < "$work/deps.log")" = "start T001|end T001|start T002|end T002|start T003|end T003|" ] ||
    bad "deps: a task did not wait for those it lists: $(tr '\n' '|' < "$work/deps.log")"
  mkdir -p "$work/deps/boxes"
  printf '# Tasks\n\n- [ ] T001 [P] Config in `src/config.py`\n- [ ] T004 [P] Document it in `docs/app.md`. Depends on:\n  - T001 (config)\n' \
    > "$work/deps/boxes/tasks.md"
  git_repo "$work/deps/boxes"
  : > "$work/deps.log"
  run_flow "$work/deps-boxes.out" run "$work/deps/boxes/tasks.md" --agent-cmd "$work/deps/agent.sh" --progress plain --workers 2
  [ "$rc" = 0 ] || bad "deps: the run of boxes exited $rc: $(tail -5 "$work/deps-boxes.out")"
  [ "$(tr '\n' '|' < "$work/deps.log")" = "start T001|end T001|start T004|end T004|" ] ||
    bad "deps: T004 did not wait for the T001 its line's label lists: $(tr '\n' '|' < "$work/deps.log")"
  # A `**Dependencies:**` list of the later tasks that wait for it (T003 says it waits for
  # T002): read as T002's own, a cycle, and the run refused the file (exit 2).
  mkdir -p "$work/deps/dependents"
  cat > "$work/deps/dependents/tasks.md" <<'TASKS'
# Tasks

### T002 Models

Write `src/models.py`.

**Dependencies:**
- T003 (needs the models)
- T004 (the docs of them)

### T003 [P] API

Write `src/api.py`.

**Depends on:** T002

### T004 [P] Docs

Write `docs/models.md`.
TASKS
  git_repo "$work/deps/dependents"
  : > "$work/deps.log"
  run_flow "$work/deps-dependents.out" run "$work/deps/dependents/tasks.md" --agent-cmd "$work/deps/agent.sh" --progress plain --workers 2
  [ "$rc" = 0 ] || bad "deps: the run of a dependents list exited $rc: $(tail -5 "$work/deps-dependents.out")"
  [ "$(head -2 "$work/deps.log" | tr '\n' '|')" = "start T002|end T002|" ] && [ "$(grep -c '^end T00[34]$' "$work/deps.log")" = 2 ] ||
    bad "deps: T003 and T004 did not run after the T002 that lists them: $(tr '\n' '|' < "$work/deps.log")"
  ;;

status-rows)
  # Tables of tasks with a Status column and no checkbox (thaleslaray/nossocrm's glyphs,
  # pangon/local-TTS-web-app's slug IDs and Dependencies column): flow refused such files.
  # Their rows are tasks; each finished one's Status cell says so, in its table's words.
  files_agent
  mkdir -p "$work/repo"
  cat > "$work/repo/tasks.md" <<'TASKS'
# Tasks

## Legend
- `✅` = Already completed
- `⏳` = Pending

## Phase 1: Hooks

| ID | Task | File | Status | Parallel |
|----|------|------|--------|----------|
| T001 | Create the base hook | `src/base.txt` | ✅ | |
| T002 | Create hook A | `src/a.txt` | ⏳ | [P] |
| T003 | Create hook B | `src/b.txt` | ⏳ | [P] |
| T004 | Port the old hook | `src/old.txt` | 🔄 In progress | |

### Test Criteria
- [ ] Hook A works

## Phase 2: Slugs

| ID | Task | Status | Dependencies |
|---|---|---|---|
| TASK-join | Join `src/a.txt` and `src/b.txt` into `src/ab.txt` | Todo | TASK-docs |
| TASK-docs | Write `docs/hooks.md` | Todo | - |
TASKS
  first_run tasks.md "T002 T003 TASK-docs TASK-join "
  sed -e 's/| ⏳ |/| ✅ |/' -e 's/| Todo |/| Done |/' "$work/tasks.before" > "$work/tasks.want"
  cmp -s "$work/repo/tasks.md" "$work/tasks.want" || bad "tasks.md is not its Status cells completed: $(diff "$work/tasks.want" "$work/repo/tasks.md")"
  [ "$(git -C "$work/repo" log --format=%s -4 | tr '\n' '|')" = "TASK-join: Join \`src/a.txt\` and \`src/b.txt\` into \`src/ab.txt\`|TASK-docs: Write \`docs/hooks.md\`|T003: Create hook B|T002: Create hook A|" ] ||
    bad "the commits are $(git -C "$work/repo" log --format=%s -5 | tr '\n' '|')"
  [ "$(cat "$work/repo/src/ab.txt")" = TASK-join ] || bad "TASK-join's work is not in the tree"
  [ ! -e "$work/repo/src/old.txt" ] || bad "T004, in progress, ran"
  [ -z "$(git -C "$work/repo" status --porcelain)" ] || bad "the tree is not clean: $(git -C "$work/repo" status --porcelain)"
  # A second run starts no agent; the user sets a cell back, and that task alone runs again.
  run_flow "$work/out2" run "$work/repo/tasks.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "the second run exited $rc: $(tail -5 "$work/out2")"
  [ "$(wc -l < "$work/agents.log")" = 4 ] || bad "the second run ran agents again: $(tr '\n' ' ' < "$work/agents.log")"
  sed -i 's/^| T003 | Create hook B | `src\/b.txt` | ✅ |/| T003 | Create hook B | `src\/b.txt` | ⏳ |/' "$work/repo/tasks.md"
  git -C "$work/repo" commit -qam "run T003 again"
  run_flow "$work/out3" run "$work/repo/tasks.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "the run after the Status edit exited $rc: $(tail -5 "$work/out3")"
  [ "$(tail -1 "$work/agents.log")" = T003 ] && [ "$(wc -l < "$work/agents.log")" = 5 ] ||
    bad "after the Status edit, agents ran '$(tr '\n' ' ' < "$work/agents.log")', expected T003 again alone"
  cmp -s "$work/repo/tasks.md" "$work/tasks.want" || bad "T003's Status was not completed again: $(diff "$work/tasks.want" "$work/repo/tasks.md")"
  # Without isolation, the same marks in the work tree.
  mkdir -p "$work/none"
  cp "$work/tasks.before" "$work/none/tasks.md"
  git_repo "$work/none"
  run_flow "$work/none.out" run "$work/none/tasks.md" --agent-cmd "$work/agent.sh" --progress plain --isolation none
  [ "$rc" = 0 ] || bad "none: the run exited $rc: $(tail -5 "$work/none.out")"
  cmp -s "$work/none/tasks.md" "$work/tasks.want" || bad "none: tasks.md is not its Status cells completed: $(diff "$work/tasks.want" "$work/none/tasks.md")"
  # The user's editor re-formats the table while T001 runs (format on save): its row is
  # the same row, and its work lands. An aligned row keeps the table's columns.
  user_edits_during_run realign T001 's/^| T001 | A `src\/x.txt` | Todo        |$/| T001 | A `src\/x.txt` | Todo |/' \
    '| ID   | Task          | Status      |\n| ---- | ------------- | ----------- |\n| T001 | A `src/x.txt` | Todo        |\n| T002 | B `src/y.txt` | Not started |\n' \
    '| ID   | Task          | Status      |\n| ---- | ------------- | ----------- |\n| T001 | A `src/x.txt` | Done |\n| T002 | B `src/y.txt` | Done        |\n'
  git -C "$work/realign" cat-file -e HEAD:src/x.txt 2>/dev/null || bad "realign: T001's work is not on the branch"
  # Killed before its work landed, its cell's Done staged, which the user's next commit
  # takes along: the repair takes the mark back, names the task, and the task runs.
  mkdir -p "$work/killed"
  printf '| ID | Task | Status |\n|---|---|---|\n| T001 | A | Done |\n| T002 | B `src/k.txt` | Todo |\n' > "$work/killed/tasks.md"
  killed_unlanded "$work/killed"
  run_flow "$work/killed.2" run "$work/killed/tasks.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "killed: the resumed run exited $rc: $(tail -5 "$work/killed.2")"
  [ "$(git -C "$work/killed" log --format=%s -2 | tr '\n' '|')" = "T002: B \`src/k.txt\`|flow: unmark T002, whose work a killed run never committed|" ] ||
    bad "killed: the commits are $(git -C "$work/killed" log --format=%s -3 | tr '\n' '|')"
  git -C "$work/killed" cat-file -e HEAD:src/k.txt 2>/dev/null || bad "killed: T002's work is not on the branch"
  # A detail table and its summary: each task runs once, its detail row is marked, and
  # the summary (a mirror) is left as the user keeps it. Also with the summary first: its
  # rows (a title each) were the tasks, which ran with no file named.
  detail='## Detail\n\n| ID | Task | Status |\n|---|---|---|\n| T001 | A `src/s1.txt` | Todo |\n| T002 | B `src/s2.txt` | Todo |\n'
  summary='## Summary\n\n| ID | Task | Status |\n|---|---|---|\n| T001 | A | Todo |\n| T002 | B | Todo |\n'
  for c in summary sumfirst; do
    mkdir -p "$work/$c"
    if [ "$c" = summary ]; then printf "$detail\n$summary" > "$work/$c/tasks.md"; rows=5,6 mirrors=12,13
    else printf "$summary\n$detail" > "$work/$c/tasks.md"; rows=12,13 mirrors=5,6; fi
    git_repo "$work/$c"
    : > "$work/agents.log"
    run_flow "$work/$c.out" run "$work/$c/tasks.md" --agent-cmd "$work/agent.sh" --progress plain
    [ "$rc" = 0 ] || bad "$c: the run exited $rc: $(tail -5 "$work/$c.out")"
    [ "$(tr '\n' ' ' < "$work/agents.log")" = "T001 T002 " ] || bad "$c: agents ran '$(tr '\n' ' ' < "$work/agents.log")', expected 'T001 T002 '"
    for f in s1 s2; do git -C "$work/$c" cat-file -e "HEAD:src/$f.txt" 2>/dev/null || bad "$c: src/$f.txt was not named to the agent"; done
    [ "$(sed -n "${rows}p" "$work/$c/tasks.md" | grep -c '| Done |$')" = 2 ] && [ "$(sed -n "${mirrors}p" "$work/$c/tasks.md" | grep -c '| Todo |$')" = 2 ] ||
      bad "$c: not the detail rows marked alone: $(cat "$work/$c/tasks.md")"
  done
  # As killed, and then the user's editor re-aligns the table, which they commit: the
  # row's marked line is no longer in the file. The task is found by its ID, its cell set
  # back in the table's columns, and it runs (its work was lost, its cell left Done).
  mkdir -p "$work/kalign"
  printf '| ID | Task | Status |\n|---|---|---|\n| T001 | A | Done |\n| T002 | B `src/k.txt` | Todo |\n' > "$work/kalign/tasks.md"
  killed_unlanded "$work/kalign"
  grep -q '^| T002 | B `src/k.txt` | Done |$' "$work/kalign/tasks.md" || bad "kalign: the user's commit does not mark T002 (the case is not reproduced)"
  printf '| ID   | Task          | Status |\n| ---- | ------------- | ------ |\n| T001 | A             | Done   |\n| T002 | B `src/k.txt` | Done   |\n' > "$work/kalign.want"
  cp "$work/kalign.want" "$work/kalign/tasks.md"
  git -C "$work/kalign" commit -qam "align the table"
  run_flow "$work/kalign.2" run "$work/kalign/tasks.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "kalign: the resumed run exited $rc: $(tail -5 "$work/kalign.2")"
  [ "$(git -C "$work/kalign" log --format=%s -2 | tr '\n' '|')" = "T002: B \`src/k.txt\`|flow: unmark T002, whose work a killed run never committed|" ] ||
    bad "kalign: the commits are $(git -C "$work/kalign" log --format=%s -3 | tr '\n' '|')"
  grep -q '^| T002 | B `src/k.txt` | Todo   |$' <<< "$(git -C "$work/kalign" show HEAD~1:tasks.md)" ||
    bad "kalign: the unmark is not T002's cell in the table's columns: $(git -C "$work/kalign" show HEAD~1:tasks.md)"
  git -C "$work/kalign" cat-file -e HEAD:src/k.txt 2>/dev/null || bad "kalign: T002's work is not on the branch"
  cmp -s "$work/kalign/tasks.md" "$work/kalign.want" || bad "kalign: tasks.md is not the aligned table done: $(diff "$work/kalign.want" "$work/kalign/tasks.md")"
  ;;

status-fields)
  # Heading tasks whose author keeps their state in a Status field (cryptoutil's plans:
  # `- **Status**: ❌ Not Started`): flow put ✅ on the heading and left "Not Started"
  # under it, the file saying both. The state goes where the author reads it.
  files_agent
  mkdir -p "$work/repo"
  cat > "$work/repo/tasks.md" <<'TASKS'
# Framework v25 Tasks

## Phase 1: Port

### Task 1.1: Add the migration

- **Status**: ❌ Not Started
- **Owner**: LLM Agent
- **Files**:
  - `internal/migrations/2009_ca_items.sql` (NEW)

---

### Task 1.2: Port the compliance package

- **Status**: ❌ Not Started
- **Dependencies**: Task 1.1
- **Files**:
  - `internal/pki/compliance/checker.go` (NEW)

---

### Task 1.3: Port the crypto package

- **Status**: ✅ COMPLETE (2026-01-01)
- **Files**:
  - `internal/pki/crypto/provider.go` (NEW)
TASKS
  first_run tasks.md "1.1 1.2 "
  sed -e 's/^- \*\*Status\*\*: ❌ Not Started$/- **Status**: ✅ Complete/' "$work/tasks.before" > "$work/tasks.want"
  cmp -s "$work/repo/tasks.md" "$work/tasks.want" || bad "tasks.md is not its Status fields completed: $(diff "$work/tasks.want" "$work/repo/tasks.md")"
  subjects=$(git -C "$work/repo" log --reverse --format=%s HEAD~2..HEAD | tr '\n' '|')
  [ "$subjects" = "Task 1.1: Add the migration|Task 1.2: Port the compliance package|" ] || bad "the commits are $subjects"
  [ -z "$(git -C "$work/repo" status --porcelain)" ] || bad "the tree is not clean: $(git -C "$work/repo" status --porcelain)"
  done_for_good tasks.md 2 3
  # The user sets Task 1.2's Status back to have it run again: it runs, and only it.
  awk '/^### Task 1.2:/ { t = 1 } t && /^- \*\*Status\*\*:/ { print "- **Status**: In Progress"; t = 0; next } { print }' \
    "$work/repo/tasks.md" > "$work/edited" && cat "$work/edited" > "$work/repo/tasks.md"
  git -C "$work/repo" commit -qam "run Task 1.2 again"
  run_flow "$work/out3" run "$work/repo/tasks.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "the run after the Status edit exited $rc: $(tail -5 "$work/out3")"
  [ "$(tr '\n' ' ' < "$work/agents.log")" = "1.1 1.2 1.2 " ] || bad "after the Status edit, agents ran '$(tr '\n' ' ' < "$work/agents.log")', expected Task 1.2 again alone"
  cmp -s "$work/repo/tasks.md" "$work/tasks.want" || bad "Task 1.2's Status was not completed again: $(diff "$work/tasks.want" "$work/repo/tasks.md")"
  # Killed before its work landed, with its mark staged, which the user's next commit
  # takes along; then lines of theirs above it. Its Status line reads as a done task's
  # does: the mark taken back was the other task's, or none (and its work was lost).
  mkdir -p "$work/killed"
  printf '# Plan\n\n### Task 1: A\n- **Status**: ✅ Complete\n\n### Task 2: B\n- **Status**: Not Started\n- **Files**: `src/b.txt`\n' \
    > "$work/killed/tasks.md"
  killed_unlanded "$work/killed"
  { printf '> a note\n\n\n'; cat "$work/killed/tasks.md"; } > "$work/edited" && cat "$work/edited" > "$work/killed/tasks.md"
  git -C "$work/killed" commit -qam "user edit"
  run_flow "$work/killed.2" run "$work/killed/tasks.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "killed: the resumed run exited $rc: $(tail -5 "$work/killed.2")"
  [ "$(git -C "$work/killed" log --format=%s -2 | tr '\n' '|')" = "Task 2: B|flow: unmark Task 2, whose work a killed run never committed|" ] ||
    bad "killed: the commits are $(git -C "$work/killed" log --format=%s -3 | tr '\n' '|')"
  git -C "$work/killed" cat-file -e HEAD:src/b.txt 2>/dev/null || bad "killed: Task 2's work is not on the branch"
  [ "$(grep -c '^- \*\*Status\*\*: ✅ Complete$' "$work/killed/tasks.md")" = 2 ] || bad "killed: the Status fields are $(grep Status "$work/killed/tasks.md")"
  # A Task heading whose steps hold its state, with a Status field beside them: the steps
  # were ticked and the field kept "Not Started", the file saying both. Both are written.
  mkdir -p "$work/steps"
  printf '# Plan\n\n### Task 1: A\n\n**Status**: Not Started\n\n- [ ] **Step 1: Write** `src/s.txt`\n- [ ] **Step 2: Check it**\n' \
    > "$work/steps/tasks.md"
  git_repo "$work/steps"
  run_flow "$work/steps.out" run "$work/steps/tasks.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "steps: the run exited $rc: $(tail -5 "$work/steps.out")"
  printf '# Plan\n\n### Task 1: A\n\n**Status**: ✅ Complete\n\n- [X] **Step 1: Write** `src/s.txt`\n- [X] **Step 2: Check it**\n' \
    > "$work/steps.want"
  cmp -s "$work/steps/tasks.md" "$work/steps.want" || bad "steps: tasks.md is not its steps ticked and its Status completed: $(diff "$work/steps.want" "$work/steps/tasks.md")"
  git -C "$work/steps" cat-file -e HEAD:src/s.txt 2>/dev/null || bad "steps: Task 1's work is not on the branch"
  # The user ticks the steps in the file while flow runs the task: flow marked nothing
  # (the steps said done already) and the field kept "Not Started" under ticked steps.
  user_edits_during_run tick 1 's/^- \[ \] \*\*Step/- [x] **Step/' \
    '# Plan\n\n### Task 1: A\n\n**Status**: Not Started\n\n- [ ] **Step 1: Write** `src/t.txt`\n- [ ] **Step 2: Check it**\n' \
    '# Plan\n\n### Task 1: A\n\n**Status**: ✅ Complete\n\n- [x] **Step 1: Write** `src/t.txt`\n- [x] **Step 2: Check it**\n'
  # And not a field the user set back on a task flow finished earlier in the run (Task 1
  # reopened while Task 2 runs, its steps left ticked): flow's marks of it, set again with
  # Task 2's, wrote it Complete over the user's edit.
  user_edits_during_run reopen 2 '0,/^\*\*Status\*\*: ✅ Complete$/s//**Status**: In Progress/' \
    '# Plan\n\n### Task 1: A\n\n**Status**: Not Started\n\n- [ ] **Step 1: Write** `src/a.txt`\n\n### Task 2: B\n\n**Status**: Not Started\n\n- [ ] **Step 1: Write** `src/b.txt`\n' \
    '# Plan\n\n### Task 1: A\n\n**Status**: In Progress\n\n- [X] **Step 1: Write** `src/a.txt`\n\n### Task 2: B\n\n**Status**: ✅ Complete\n\n- [X] **Step 1: Write** `src/b.txt`\n'
  # Killed before its work landed, as above, a step task whose box and Status lines read
  # as a done task's do: the box was taken back, then the Status line not found under its
  # heading (whose box line differed now), and the run said Task 1 was committed.
  mkdir -p "$work/ksteps"
  printf '# Plan\n\n### Task 1: A\n- [ ] **Step 1: Implement it**\n- **Status**: Not Started\n- **Files**: `src/k.txt`\n\n### Task 2: B\n- [X] **Step 1: Implement it**\n- **Status**: ✅ Complete\n' \
    > "$work/ksteps/tasks.md"
  killed_unlanded "$work/ksteps"
  echo '## Notes' >> "$work/ksteps/tasks.md"
  git -C "$work/ksteps" commit -qam "user edit"
  run_flow "$work/ksteps.2" run "$work/ksteps/tasks.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "killed steps: the resumed run exited $rc: $(tail -5 "$work/ksteps.2")"
  [ "$(git -C "$work/ksteps" log --format=%s -2 | tr '\n' '|')" = "Task 1: A|flow: unmark Task 1, whose work a killed run never committed|" ] ||
    bad "killed steps: the commits are $(git -C "$work/ksteps" log --format=%s -3 | tr '\n' '|')"
  git -C "$work/ksteps" cat-file -e HEAD:src/k.txt 2>/dev/null || bad "killed steps: Task 1's work is not on the branch"
  # A Status field in Spanish or Portuguese (one label, `Estado`; the value says which):
  # completed in its own language (it was `✅ Complete`, in English, in a Spanish plan).
  mkdir -p "$work/es"
  printf '# Plan\n\n### Tarea 1: A\n- **Estado**: Pendiente\n- **Archivos**: `src/a.txt`\n\n### Tarea 2: B\n- **Estado**: Pendente\n- **Arquivos**: `src/b.txt`\n' \
    > "$work/es/tasks.md"
  git_repo "$work/es"
  run_flow "$work/es.out" run "$work/es/tasks.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "es: the run exited $rc: $(tail -5 "$work/es.out")"
  printf '# Plan\n\n### Tarea 1: A\n- **Estado**: ✅ Completado\n- **Archivos**: `src/a.txt`\n\n### Tarea 2: B\n- **Estado**: ✅ Concluído\n- **Arquivos**: `src/b.txt`\n' \
    > "$work/es.want"
  cmp -s "$work/es/tasks.md" "$work/es.want" || bad "es: the Status fields are not completed in their language: $(diff "$work/es.want" "$work/es/tasks.md")"
  run_flow "$work/es.check" check "$work/es/tasks.md"
  grep -q "2 tasks in .*: 2 done, 0 pending" "$work/es.check" || bad "es: the fields do not read as done: $(head -2 "$work/es.check")"
  # A status table in French: `À faire` is to do (it read as a state set aside: the run
  # ran nothing, skipped both, and exited 0); done, the cell says `Terminé`.
  mkdir -p "$work/fr"
  printf '# Tâches\n\n| ID | Tâche | Statut |\n|----|-------|--------|\n| T001 | Créer `src/a.txt` | À faire |\n| T002 | Créer `src/b.txt` | À faire |\n' \
    > "$work/fr/tasks.md"
  git_repo "$work/fr"
  run_flow "$work/fr.out" run "$work/fr/tasks.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "fr: the run exited $rc: $(tail -5 "$work/fr.out")"
  grep -q "2 succeeded, 0 failed, 0 blocked, 0 skipped" "$work/fr.out" || bad "fr: not both ran: $(tail -6 "$work/fr.out")"
  [ "$(grep -c '| Terminé |$' "$work/fr/tasks.md")" = 2 ] || bad "fr: the cells are $(cat "$work/fr/tasks.md")"
  ;;

journal-kept)
  # Tasks whose state the journal alone keeps (bold items, `- **T001** …`: no box, no
  # heading to check): `flow rollback --to T001` undoes T002 and T003 only, so the next run
  # runs those two and not T001; `--dry-run` lists what a run would run, not what the
  # journal says is done; the record follows the checkout when it is moved.
  files_agent
  mkdir -p "$work/repo/specs"
  cat > "$work/repo/specs/tasks.md" <<'TASKS'
# Tasks

## Phase 1: Setup

- **T001** Create `src/a.py`
- **T002** Create `src/b.py`
- **T003** Create `src/c.py`
TASKS
  git_repo "$work/repo"
  cp "$work/repo/specs/tasks.md" "$work/tasks.before"
  cd "$work/repo" || exit 1
  run_flow "$work/out" run specs/tasks.md --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "the run exited $rc: $(tail -5 "$work/out")"
  [ "$(tr '\n' ' ' < "$work/agents.log")" = "T001 T002 T003 " ] || bad "agents ran '$(tr '\n' ' ' < "$work/agents.log")'"
  cmp -s specs/tasks.md "$work/tasks.before" || bad "tasks.md changed: $(diff "$work/tasks.before" specs/tasks.md)"
  run_flow "$work/dry.out" run specs/tasks.md --agent-cmd "$work/agent.sh" --progress plain --dry-run
  [ "$rc" = 0 ] || bad "the dry run exited $rc: $(tail -5 "$work/dry.out")"
  grep -q 'dry run: prompt' "$work/dry.out" && bad "a dry run after the run lists done tasks: $(grep 'dry run: prompt' "$work/dry.out" | head -3)"
  t001=$(git log --format='%H %s' | awk '$2 == "T001" { print $1 }')
  run_flow "$work/rb.out" rollback specs/tasks.md --to T001
  [ "$rc" = 0 ] || bad "rollback --to T001 exited $rc: $(cat "$work/rb.out")"
  [ "$(git rev-parse HEAD)" = "$t001" ] || bad "rollback --to T001 did not stop at T001's commit"
  # The run is listed as rolled back to T001, not as rolled back whole.
  run_flow "$work/st0.out" status specs/tasks.md --runs
  grep -q '3 commits (rolled back to T001: 2 commits undone)$' "$work/st0.out" ||
    bad "flow status --runs after rollback --to T001: $(cat "$work/st0.out")"
  run_flow "$work/st0.json" status specs/tasks.md --runs --json
  grep -q '"rolled_back":false,"rolled_back_to":"T001","commits_undone":2' "$work/st0.json" ||
    bad "flow status --runs --json after rollback --to T001: $(cat "$work/st0.json")"
  run_flow "$work/dry2.out" run specs/tasks.md --agent-cmd "$work/agent.sh" --progress plain --dry-run
  dry=$(grep -o 'started *T00[0-9]' "$work/dry2.out" | awk '{ print $2 }' | tr '\n' ' ')
  [ "$dry" = "T002 T003 " ] || bad "the dry run after rollback --to T001 would run '$dry', expected 'T002 T003 '"
  run_flow "$work/out2" run specs/tasks.md --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "the run after rollback --to T001 exited $rc: $(tail -5 "$work/out2")"
  [ "$(tr '\n' ' ' < "$work/agents.log")" = "T001 T002 T003 T002 T003 " ] ||
    bad "after rollback --to T001, agents ran '$(tr '\n' ' ' < "$work/agents.log")', expected T002 and T003 again, not T001"
  [ "$(cat src/a.py)" = T001 ] || bad "src/a.py is '$(cat src/a.py)'"
  # A full rollback undoes all three: they run again.
  run_flow "$work/rb2.out" rollback specs/tasks.md
  [ "$rc" = 0 ] || bad "rollback exited $rc: $(cat "$work/rb2.out")"
  run_flow "$work/rb3.out" rollback specs/tasks.md
  [ "$rc" = 0 ] || bad "the second rollback exited $rc: $(cat "$work/rb3.out")"
  run_flow "$work/st1.out" status specs/tasks.md --runs
  [ "$(grep -c 'commits\? (rolled back)$' "$work/st1.out")" = 2 ] || bad "flow status --runs after full rollbacks: $(cat "$work/st1.out")"
  [ ! -e src ] || bad "src/ survived rolling both runs back"
  run_flow "$work/out3" run specs/tasks.md --agent-cmd "$work/agent.sh" --progress plain
  [ "$(tr '\n' ' ' < "$work/agents.log")" = "T001 T002 T003 T002 T003 T001 T002 T003 " ] ||
    bad "after rolling every run back, agents ran '$(tr '\n' ' ' < "$work/agents.log")'"
  # The checkout moved (or copied) elsewhere: its journal still says what is done.
  cd "$work" || exit 1
  mv "$work/repo" "$work/moved"
  run_flow "$work/out4" run "$work/moved/specs/tasks.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "the run in the moved checkout exited $rc: $(tail -5 "$work/out4")"
  [ "$(wc -l < "$work/agents.log")" = 8 ] || bad "the moved checkout ran done tasks again: $(tr '\n' ' ' < "$work/agents.log")"
  run_flow "$work/st.out" status "$work/moved/specs/tasks.md" --runs
  [ "$(grep -c '^20' "$work/st.out")" = 4 ] || bad "flow status in the moved checkout lists: $(cat "$work/st.out")"
  ;;

flow-dir-deleted)
  # `git clean -fdx` during a run (the user's) removes `.flow/`, which git ignores: the
  # journal, the run lock and the run's folder. The run wrote on into its deleted journal
  # (its record lost), a second run took a fresh lock and ran the same task beside it,
  # and the next task's prompt could not be written. Now the run writes its journal
  # again, whole, takes its lock again, and goes on; the second run is refused.
  files_agent
  mkdir -p "$work/repo/specs"
  printf '# Tasks\n\n## Phase 1\n\n- [ ] T001 Write `src/a.py`\n- [ ] T002 Write `src/b.py`\n- [ ] T003 Write `src/c.py`\n' \
    > "$work/repo/specs/tasks.md"
  git_repo "$work/repo"
  printf '#!/bin/sh\n[ "$FLOW_TASK_ID" = T001 ] && touch "%s/t001.started" && sleep 6\nexec %s\n' "$work" "$work/agent.sh" > "$work/slow.sh"
  chmod +x "$work/slow.sh"
  cd "$work/repo" || exit 1
  timeout 120 "$flow" run specs/tasks.md --agent-cmd "$work/slow.sh" --progress plain > "$work/out" 2>&1 &
  first=$!
  for _ in $(seq 1 200); do [ -e "$work/t001.started" ] && break; sleep 0.05; done
  git clean -qfdx
  [ ! -e .flow ] || bad "git clean left .flow (the scenario needs it gone)"
  # Within a second or so the run has made its lock again; then a second run starts.
  for _ in $(seq 1 100); do ls .flow/locks/*.lock > /dev/null 2>&1 && break; sleep 0.05; done
  run_flow "$work/second.out" run specs/tasks.md --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 2 ] || bad "a second run during the first exited $rc, expected 2: $(tail -3 "$work/second.out")"
  grep -q 'another flow run' "$work/second.out" || bad "the second run does not say another run holds the lock: $(tail -3 "$work/second.out")"
  wait "$first"
  rc=$?
  [ "$rc" = 0 ] || bad "the run whose .flow was deleted exited $rc: $(tail -8 "$work/out")"
  grep -q 'flow-dir-restored .*the journal ' "$work/out" || bad "the run does not say its journal was deleted: $(cat "$work/out")"
  grep '"event":"flow-dir-restored"' .flow/implementation.log | grep -q 'written again, whole' ||
    bad "the journal does not say it was written again: $(cat .flow/implementation.log)"
  grep '"event":"flow-dir-restored"' .flow/implementation.log | grep -q 'lock .* held again' ||
    bad "the journal does not say the lock is held again: $(cat .flow/implementation.log)"
  [ "$(tr '\n' ' ' < "$work/agents.log")" = "T001 T002 T003 " ] || bad "agents ran '$(tr '\n' ' ' < "$work/agents.log")'"
  for e in run-started task-started run-finished; do
    grep -q "\"event\":\"$e\"" .flow/implementation.log || bad "the journal written again has no $e line: $(cat .flow/implementation.log)"
  done
  [ "$(grep -c '"event":"task-finished"' .flow/implementation.log)" = 3 ] || bad "the journal does not hold the three tasks: $(cat .flow/implementation.log)"
  run_flow "$work/st.out" status specs/tasks.md --runs
  grep -q '3 tasks: 3 succeeded' "$work/st.out" || bad "flow status --runs: $(cat "$work/st.out")"
  # The whole repository removed and another made at its path while a run goes on: that
  # run's lock must not appear in the new one (a run there was refused as "another run").
  cd "$work" || exit 1
  rm -f "$work/t001.started" "$work/agents.log"
  sed -i 's/\[X\]/[ ]/' "$work/repo/specs/tasks.md"
  git -C "$work/repo" commit -qam "again"
  timeout 120 "$flow" run "$work/repo/specs/tasks.md" --agent-cmd "$work/slow.sh" --progress plain > "$work/gone.out" 2>&1 &
  first=$!
  for _ in $(seq 1 200); do [ -e "$work/t001.started" ] && break; sleep 0.05; done
  mv "$work/repo" "$work/old-repo"
  mkdir -p "$work/repo/specs"
  printf '# Tasks\n\n- [ ] T001 Write `src/a.py`\n' > "$work/repo/specs/tasks.md"
  git_repo "$work/repo"
  sleep 2.5
  [ ! -e "$work/repo/.flow/locks" ] || bad "the first run made its lock in the new repository: $(ls "$work/repo/.flow/locks")"
  run_flow "$work/new.out" run "$work/repo/specs/tasks.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "a run in the new repository exited $rc: $(tail -3 "$work/new.out")"
  kill "$first" 2> /dev/null
  wait "$first" 2> /dev/null
  ;;

worktree-lock)
  # Runs of two features add, reuse and remove worktrees of one repository: git's record
  # of a worktree half made by one was read by the other's `git worktree add`, which
  # failed about once in a hundred starts. Each run changes worktrees holding
  # .git/flow-worktrees.lock (flock): while another process holds it, no agent starts.
  mkdir -p "$work/repo/specs"
  printf '# Tasks\n\n- [ ] T001 Write `a.txt`\n' > "$work/repo/specs/tasks.md"
  git_repo "$work/repo"
  cat > "$work/agent-w.sh" <<AGENT
#!/bin/sh
[ -e "$work/released" ] && echo after >> "$work/order" || echo before >> "$work/order"
echo a > a.txt
AGENT
  chmod +x "$work/agent-w.sh"
  flock "$work/repo/.git/flow-worktrees.lock" sh -c ": > '$work/held'; sleep 2; : > '$work/released'" &
  holder=$!
  for _ in $(seq 1 100); do [ -e "$work/held" ] && break; sleep 0.05; done
  run_flow "$work/out" run "$work/repo/specs/tasks.md" --agent-cmd "$work/agent-w.sh" --progress plain
  wait "$holder"
  [ "$rc" = 0 ] || bad "the run exited $rc: $(tail -5 "$work/out")"
  [ "$(cat "$work/order" 2>/dev/null)" = after ] ||
    bad "the agent started in a worktree made while another process held the worktree lock: '$(cat "$work/order" 2>/dev/null)'"
  ;;

dirty-snapshot)
  # --allow-dirty: each attempt starts from a snapshot of the main tree (`git stash
  # create`), which was taken without the landing lock: a run of another feature that was
  # landing a commit at that moment (its branch moved, its tasks.md not rewritten yet) put
  # its half-landed state in the snapshot, here its tasks.md without the mark its commit has.
  mkdir -p "$work/repo/specs/001-a" "$work/repo/specs/002-b"
  printf '# Tasks\n\n- [ ] T001 Write `a/one.txt`\n' > "$work/repo/specs/001-a/tasks.md"
  printf '# Tasks\n\n- [ ] T001 Write `b/one.txt`\n' > "$work/repo/specs/002-b/tasks.md"
  git_repo "$work/repo"
  echo draft > "$work/repo/notes.txt"   # uncommitted: the reason for --allow-dirty
  # A's agent: its first attempt waits until B is paused inside its landing and fails; the
  # second (from a new snapshot) notes what B's tasks.md says in its worktree.
  cat > "$work/agent-a.sh" <<AGENT
#!/bin/sh
if [ "\$FLOW_ATTEMPT" = 1 ]; then
  for _ in \$(seq 1 200); do [ -e "$work/paused" ] && break; sleep 0.05; done
  echo "error: transient failure" >&2; exit 1
fi
grep 'T001' specs/002-b/tasks.md > "$work/seen"
mkdir -p a && echo a > a/one.txt
AGENT
  chmod +x "$work/agent-a.sh"
  cd "$work/repo" || exit 1
  timeout 120 "$flow" run specs/001-a/tasks.md --agent-cmd "$work/agent-a.sh" --progress plain --allow-dirty \
    > "$work/a.out" 2>&1 &
  pa=$!
  # B lands and holds still after its branch moved, before its tasks.md is rewritten.
  for _ in $(seq 1 200); do [ -s .flow/implementation.log ] && break; sleep 0.05; done
  FLOW_TEST_PAUSE=after-fast-forward FLOW_TEST_PAUSE_FILE=$work/paused FLOW_TEST_PAUSE_MS=3000 TEST_AGENT_SECONDS=0 \
    timeout 120 "$flow" run specs/002-b/tasks.md --agent-cmd "$agent" --progress plain --allow-dirty > "$work/b.out" 2>&1 &
  pb=$!
  wait "$pa"; ra=$?
  wait "$pb"; rb=$?
  [ -e "$work/paused" ] || bad "B never paused after its fast-forward: $(tail -3 "$work/b.out")"
  [ "$ra" = 0 ] || bad "A exited $ra: $(tail -5 "$work/a.out")"
  [ "$rb" = 0 ] || bad "B exited $rb: $(tail -5 "$work/b.out")"
  grep -q '^- \[X\] T001' "$work/seen" ||
    bad "A's second attempt started from a snapshot of B's half-landed commit: B's tasks.md there reads '$(cat "$work/seen")'"
  [ "$(cat notes.txt)" = draft ] || bad "the uncommitted notes.txt changed: $(cat notes.txt)"
  [ -n "$(git status --porcelain | grep -v '^?? notes.txt$')" ] && bad "the tree is not as it was: $(git status --porcelain)"
  ;;

two-features)
  # Runs of two features of one repository: while one lands a commit (its index, files and
  # tasks.md not settled yet), the other's start looked at the tree and refused it as
  # "uncommitted changes" (exit 2), and `flow rollback` of the other feature either refused
  # the same way or reset the landing commit away, unseen.
  export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
  mk() {
    mkdir -p "$1"
    for f in 001-a 002-b; do
      mkdir -p "$1/specs/$f"
      printf '# Tasks\n\n- [ ] T001 Write `%s/one.txt`\n' "${f#*-}" > "$1/specs/$f/tasks.md"
    done
    git_repo "$1"
  }
  # B runs in the background and is paused at POINT inside its landing, for 3 s.
  paused_b() {
    rm -f "$work/paused"
    FLOW_TEST_PAUSE=$2 FLOW_TEST_PAUSE_FILE=$work/paused FLOW_TEST_PAUSE_MS=3000 TEST_AGENT_SECONDS=0 \
      timeout 120 "$flow" run "$1/specs/002-b/tasks.md" --agent-cmd "$agent" --progress plain > "$1.b.out" 2>&1 &
    pb=$!
    for _ in $(seq 1 200); do [ -e "$work/paused" ] && return; sleep 0.05; done
  }
  # A git that holds the first `git status --porcelain` (the start's look at the tree)
  # until $work/go exists, having said so in $work/at-status.
  mkdir -p "$work/gitwrap"
  cat > "$work/gitwrap/git" <<WRAP
#!/bin/sh
case " \$* " in *" status --porcelain "*)
  if [ ! -e "$work/at-status" ]; then : > "$work/at-status"; while [ ! -e "$work/go" ]; do sleep 0.01; done; fi ;; esac
exec $(command -v git) "\$@"
WRAP
  chmod +x "$work/gitwrap/git"
  for point in before-fast-forward after-fast-forward; do
    r=$work/start-$point
    mk "$r"
    rm -f "$work/at-status" "$work/go"
    PATH=$work/gitwrap:$PATH TEST_AGENT_SECONDS=0 timeout 120 "$flow" run "$r/specs/001-a/tasks.md" --agent-cmd "$agent" \
      --progress plain > "$r.a.out" 2>&1 &
    pa=$!
    for _ in $(seq 1 200); do [ -e "$work/at-status" ] && break; sleep 0.05; done
    # B lands while A looks at the tree (if A let it: A now looks under the landing lock).
    paused_b "$r" "$point"
    : > "$work/go"
    wait "$pa"; ra=$?
    wait "$pb"; rb=$?
    [ "$ra" = 0 ] || bad "$point: feature A's start exited $ra while B landed: $(head -3 "$r.a.out")"
    [ "$rb" = 0 ] || bad "$point: feature B exited $rb: $(tail -3 "$r.b.out")"
    [ "$(cat "$r/a/one.txt" 2>/dev/null)$(cat "$r/b/one.txt" 2>/dev/null)" = "" ] && bad "$point: neither feature's file was written"
    [ -z "$(git -C "$r" status --porcelain)" ] || bad "$point: the tree is not clean: $(git -C "$r" status --porcelain)"
  done
  # `flow rollback` of A while B's commit is replayed and not on the branch yet.
  r=$work/rollback
  mk "$r"
  run_flow "$work/rb-a.out" run "$r/specs/001-a/tasks.md" --agent-cmd "$agent" --progress plain
  [ "$rc" = 0 ] || bad "rollback: feature A's run exited $rc"
  paused_b "$r" after-replay
  [ -e "$work/paused" ] || bad "rollback: B never reached after-replay"
  run_flow "$work/rb.out" rollback "$r/specs/001-a/tasks.md"
  wait "$pb" || bad "rollback: feature B failed: $(tail -3 "$r.b.out")"
  subjects=$(git -C "$r" log --format=%s main | tr '\n' '|')
  case "$subjects" in *'T001 Write `b/one.txt`'*) ;; *) bad "rollback of A (exit $rc) reset B's commit away: main is $subjects; $(cat "$work/rb.out")" ;; esac
  [ "$(cat "$r/b/one.txt" 2>/dev/null)" != "" ] || bad "rollback of A took B's file away"
  grep -q '^- \[X\] T001' "$r/specs/002-b/tasks.md" || bad "rollback of A took B's mark away"
  # A's own commit is kept too: B's landed on top of it, which the rollback says.
  [ "$rc" != 0 ] && ! grep -q "not run" "$work/rb.out" && bad "rollback of A refused without naming B's commit: $(cat "$work/rb.out")"
  ;;

kiro-items)
  # Kiro's numbered items over their subtasks (`- [ ] 1. Data layer` over `- [ ] 1.1 …`):
  # flow ticked the subtasks and left every item open, the file saying the work was not
  # done. An item's box is ticked with its last required subtask (Kiro's optional ones,
  # `- [ ]* 1.3`, need not be done), in that task's commit; one with open subtasks stays open.
  # Subtasks nested under their item (3.1) are tasks too, and so is an item with none (4),
  # after the items before it: they ran as tasks L14 and L17 with their subtasks as body.
  files_agent
  mkdir -p "$work/repo"
  cat > "$work/repo/tasks.md" <<'TASKS'
# Implementation Plan

- [ ] 1. Data layer
- [ ] 1.1 Add the model in `app/model.py`
  - _Requirements: 1.1_
- [x] 1.2 Add the schema in `app/schema.py`
- [ ]* 1.3 Property test for the model in `tests/test_model.py`

- [ ] 2. Service
  - _Dependencies: タスク1完了_
- [ ] 2.1 Add the service in `app/service.py`
- [ ] 2.2 Wire the service in `app/main.py`

- [ ] 3. Docs
  - [ ] 3.1 Write `docs/api.md`
    - _Requirements: 2.1_
- [ ] 4. Checkpoint - Ensure all tests pass
TASKS
  cat > "$work/fail.sh" <<AGENT
#!/bin/sh
[ "\$FLOW_TASK_ID" = 2.2 ] && exit 3
exec "$work/agent.sh"
AGENT
  chmod +x "$work/fail.sh"
  git_repo "$work/repo"
  cp "$work/repo/tasks.md" "$work/tasks.before"
  run_flow "$work/out" run "$work/repo/tasks.md" --agent-cmd "$work/fail.sh" --progress plain --retries 0
  [ "$rc" != 0 ] || bad "a run with a failed task exited 0"
  ran=$(sort "$work/agents.log" | tr '\n' ' ')
  [ "$ran" = "1.1 1.3 2.1 " ] || bad "agents ran '$ran'"
  sed -e 's/^- \[ \] 1\. /- [x] 1. /' -e 's/^- \[ \] 1\.1 /- [x] 1.1 /' -e 's/^- \[ \]\* 1\.3 /- [x]* 1.3 /' \
      -e 's/^- \[ \] 2\.1 /- [x] 2.1 /' "$work/tasks.before" > "$work/tasks.want"
  cmp -s "$work/repo/tasks.md" "$work/tasks.want" || bad "item 1 is not ticked with its tasks, or item 2 is: $(diff "$work/tasks.want" "$work/repo/tasks.md")"
  # The item's box is in the commit of the task that finished it, and in no other.
  boxed=$(git -C "$work/repo" log --format=%s -G '^- \[x\] 1\. ' -- tasks.md)
  case "$boxed" in
    "1.1 "*|"1.3 "*) [ "$(echo "$boxed" | wc -l)" = 1 ] || bad "item 1's box changed in more than one commit: $boxed" ;;
    *) bad "item 1's box is not in its last task's commit: '$boxed'" ;;
  esac
  [ -z "$(git -C "$work/repo" status --porcelain)" ] || bad "the tree is not clean: $(git -C "$work/repo" status --porcelain)"
  # The failed task done on a second run: item 2 is ticked with it.
  run_flow "$work/out2" run "$work/repo/tasks.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "the second run exited $rc: $(tail -5 "$work/out2")"
  ran=$(tail -n +4 "$work/agents.log" | tr '\n' ' ')
  [ "$ran" = "2.2 3.1 4 " ] || bad "the second run's agents ran '$ran'"
  sed -i -e 's/^- \[ \] \([234]\)\. /- [x] \1. /' -e 's/^- \[ \] 2\.2 /- [x] 2.2 /' -e 's/^  - \[ \] 3\.1 /  - [x] 3.1 /' "$work/tasks.want"
  cmp -s "$work/repo/tasks.md" "$work/tasks.want" || bad "item 2 is not ticked with its last task: $(diff "$work/tasks.want" "$work/repo/tasks.md")"
  # Without isolation, where the marks are written in place as tasks finish: the same.
  mkdir -p "$work/plain"
  cp "$work/tasks.before" "$work/plain/tasks.md"
  git -C "$work/plain" init -q
  : > "$work/agents.log"
  run_flow "$work/out3" run "$work/plain/tasks.md" --agent-cmd "$work/agent.sh" --progress plain --isolation none
  [ "$rc" = 0 ] || bad "the run in place exited $rc: $(tail -5 "$work/out3")"
  cmp -s "$work/plain/tasks.md" "$work/tasks.want" || bad "in place, the items are not ticked with their tasks: $(diff "$work/tasks.want" "$work/plain/tasks.md")"
  ;;

stray-git)
  # An empty .git is no repository: git walks past it, and so must flow. Codex's Linux
  # sandbox makes one in /tmp while its commands run and leaves it when it is killed; flow
  # then took /tmp as the root of every folder under it, read no settings from a folder's
  # own .flow/, and kept its journal in /tmp/.flow.
  mkdir -p "$work/.git" "$work/plain/.flow" "$work/plain/sub"
  printf '# Tasks\n\n- [ ] T001 Write `a.txt`\n- [ ] T002 Write `b.txt`\n' > "$work/plain/tasks.md"
  printf 'implementer:\n  parallel:\n    maxWorkers: 5\n' > "$work/plain/.flow/config.yaml"
  run_flow "$work/plan.out" plan "$work/plain/tasks.md"
  grep -q "; 5 workers" "$work/plan.out" ||
    bad "plan under an empty .git did not read its folder's settings: $(head -1 "$work/plan.out")"
  files_agent
  run_flow "$work/run.out" run "$work/plain/tasks.md" --agent-cmd "$work/agent.sh" --progress plain
  [ "$rc" = 0 ] || bad "the run under an empty .git exited $rc: $(tail -5 "$work/run.out")"
  [ -e "$work/.flow" ] && bad "the run kept its state above its folder, in $work/.flow: $(ls "$work/.flow")"
  [ "$(cat "$work/plain/a.txt" 2>/dev/null)" = T001 ] || bad "T001's agent did not write plain/a.txt: $(ls "$work/plain")"
  grep -q '^- \[X\] T002' "$work/plain/tasks.md" || bad "T002 not marked done: $(cat "$work/plain/tasks.md")"
  # Nor is it the root a run without a path looks for its feature from.
  (cd "$work/plain/sub" && timeout 60 "$flow" check > "$work/find.out" 2>&1)
  grep -q "no current Spec-Kit feature in $work/plain/sub:" "$work/find.out" ||
    bad "a feature was looked for from the folder of an empty .git: $(head -1 "$work/find.out")"
  # A linked worktree's .git file, and a real repository, are still roots.
  mkdir -p "$work/real/specs"
  printf '# Tasks\n\n- [ ] T001 Write `c.txt`\n' > "$work/real/specs/tasks.md"
  git_repo "$work/real"
  git -C "$work/real" worktree add -q "$work/linked" -b linked 2>/dev/null || bad "git worktree add failed"
  mkdir -p "$work/linked/.flow" && printf 'implementer:\n  parallel:\n    maxWorkers: 4\n' > "$work/linked/.flow/config.yaml"
  run_flow "$work/linked.out" plan "$work/linked/specs/tasks.md"
  grep -q "; 4 workers" "$work/linked.out" || bad "plan in a linked worktree did not read its root's settings: $(head -1 "$work/linked.out")"
  ;;

*)
  echo "unknown scenario $scenario"
  exit 2
  ;;
esac
[ "$fail" = 0 ] && echo "hardening $scenario: ok"
exit "$fail"
