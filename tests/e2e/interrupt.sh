#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Ctrl-C (SIGINT) during `flow run`, with real agent processes:
#   once:  nothing new starts; the running tasks finish and are marked; exit 130
#   twice: the running agents' process groups are killed, their tasks stay unmarked
#          and are journaled as killed; exit 130
# SIGTERM as twice, SIGHUP as once, and a closed pipe on stdout leaves the run going.
# SIGTERM stops a hook that runs (task-complete) as it stops agents.
# and a later `flow run` finishes the rest. Both interrupts are journaled.
# However it stops, the summary and the journal's run-finished line count every task once,
# and `flow status` tells a live run, an interrupted one and one killed by kill -9 apart.
# usage: interrupt.sh FLOW EXAMPLE_DIR DEMO_AGENT
set -euo pipefail
flow=$1 example=$2 agent=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-interrupt-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail=0
problem() { echo "FAIL: $*"; fail=1; }

setup() {
  rm -rf "$work/repo"
  mkdir -p "$work/repo"
  cp -r "$example/." "$work/repo/"
  git init -q "$work/repo"  # a repository without a commit: tasks run in place
  tasks="$work/repo/specs/001-todo-cli/tasks.md"
  journal="$work/repo/.flow/implementation.log"
}
count() { local n; n=$(grep -c "$1" "$journal" 2>/dev/null) || true; echo "${n:-0}"; }  # 0 before the journal exists
wait_for_starts() {  # until $1 tasks have started
  for _ in $(seq 1 300); do
    [ "$(count '"event":"task-started"')" -ge "$1" ] && return 0
    sleep 0.05
  done
  problem "tasks did not start"; return 1
}
running() {  # $1: pid. Not a zombie, nor gone: one look at /proc (a pid that exits between
  # two looks, kill -0 or cgroup.procs and then ps, must not read as running).
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  case "$s" in '' | Z* | X*) return 1 ;; esac
}
alive_groups() {  # process groups and cgroups of started attempts that still have live (non-zombie) members
  # A container may have no init to reap orphaned zombies; those are dead already. An
  # attempt started straight into its cgroup is journaled with pgid 0 and that cgroup.
  grep '"event":"task-started"' "$journal" | grep -o '"pgid":[0-9]*' | cut -d: -f2 | while read -r g; do
    [ "$g" -gt 0 ] || continue
    if ps -eo pgid=,stat= | awk -v g="$g" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'; then echo "$g"; fi
  done
  grep '"event":"task-started"' "$journal" | grep -o '"container":"/[^"]*"' | cut -d'"' -f4 | while read -r c; do
    [ -f "$c/cgroup.procs" ] || continue
    while read -r p; do
      running "$p" && { echo "$c"; break; }
    done < "$c/cgroup.procs"
  done
}
summary_total() {  # the counts of the summary line of output $1 (not "(N need attention)"), added up
  grep -m1 -E '^[^ ].*: [0-9]+ succeeded, ' "$1" | sed 's/ in [0-9].*//' | grep -oE '(:|,) [0-9]+ ' | tr -dc '0-9\n' |
    awk '{ s += $1 } END { print s + 0 }'
}
journal_total() {  # the counts of the last run-finished line of the journal, added up
  grep '"event":"run-finished"' "$journal" | tail -1 |
    grep -oE '"(succeeded|failed|blocked|skipped|stopped|done_before|excluded)":[0-9]+' | cut -d: -f2 |
    awk '{ s += $1 } END { print s + 0 }'
}
counts_every_task() {  # $1: what happened, $2: the run's output
  [ "$(summary_total "$2")" = 24 ] ||
    problem "$1: the summary counts $(summary_total "$2") of 24 tasks: $(grep -m1 ' succeeded, ' "$2")"
  [ "$(journal_total)" = 24 ] ||
    problem "$1: the journal's run-finished counts $(journal_total) of 24 tasks: $(grep '"event":"run-finished"' "$journal" | tail -1)"
}
start_two_long() {  # a run whose T002 and T003 run 60-second agents, started; output in $1, flow's pid in $pid
  setup
  sed -i 's/^- \[ \] T001 /- [X] T001 /' "$tasks"  # so that T002 and T003 start together
  DEMO_AGENT_SECONDS=60 "$flow" run "$tasks" --workers 2 --agent-cmd "$agent" --progress plain > "$1" 2>&1 &
  pid=$!
  wait_for_starts 2
}

# --- once -------------------------------------------------------------------------
setup
DEMO_AGENT_SECONDS=1.5 "$flow" run "$tasks" --workers 2 --agent-cmd "$agent" --progress plain > "$work/once.out" 2>&1 &
pid=$!
wait_for_starts 2
kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" = 130 ] || problem "one Ctrl-C: exit $rc, expected 130"
started=$(count '"event":"task-started"')
marked=$(grep -c '^- \[X\] T' "$tasks" || true)
[ "$started" -ge 2 ] && [ "$started" -le 3 ] || problem "one Ctrl-C: $started tasks started (2 were running)"
[ "$marked" = "$started" ] || problem "one Ctrl-C: $started started but $marked marked: running tasks should finish"
# Nothing started after the interrupt was journaled.
awk '/"event":"interrupted"/ { seen = 1 } seen && /"event":"task-started"/ { bad = 1 } END { exit bad }' "$journal" ||
  problem "a task started after the first Ctrl-C"
[ "$(count 'stop starting tasks')" = 1 ] || problem "the first Ctrl-C was not journaled"
[ -z "$(alive_groups)" ] || problem "agents still running after the run ended"
counts_every_task "one Ctrl-C" "$work/once.out"

# --- twice ------------------------------------------------------------------------
start_two_long "$work/twice.out"
"$flow" status "$tasks" > "$work/status.out"
grep -q "^last run .*(running, pid $pid)" "$work/status.out" || problem "flow status of a live run: $(grep '^last run' "$work/status.out")"
kill -INT "$pid"
sleep 0.3
kill -INT "$pid"
start=$(date +%s)
rc=0; wait "$pid" || rc=$?
took=$(( $(date +%s) - start ))
[ "$rc" = 130 ] || problem "two Ctrl-C: exit $rc, expected 130"
[ "$took" -lt 20 ] || problem "two Ctrl-C: flow took ${took}s to stop 60-second agents"
[ "$(grep -c '^- \[X\] T' "$tasks" || true)" = 1 ] || problem "two Ctrl-C: a killed task was marked"
[ "$(count 'kill running tasks')" = 1 ] || problem "the second Ctrl-C was not journaled"
[ "$(count '"event":"task-killed"')" = 2 ] || problem "the killed attempts were not journaled"
[ -z "$(alive_groups)" ] || problem "two Ctrl-C: agent process groups still alive: $(alive_groups | tr '\n' ' ')"
"$flow" status "$tasks" > "$work/status.out"
grep -q 'killed' "$work/status.out" || problem "flow status does not show the killed tasks"
grep -q '^last run .*(interrupted' "$work/status.out" ||
  problem "flow status of an interrupted run: $(grep '^last run' "$work/status.out")"
counts_every_task "two Ctrl-C" "$work/twice.out"
# The plain progress (a CI log) names what it waits for and what it kills, as the live view does.
grep -q ' interrupted .*waiting for T002, T003 (Ctrl-C again kills)' "$work/twice.out" ||
  problem "two Ctrl-C: the plain progress does not name the tasks the first Ctrl-C waits for: $(grep -m1 ' interrupted ' "$work/twice.out")"
grep -q ' interrupted .*killing T002, T003' "$work/twice.out" ||
  problem "two Ctrl-C: the plain progress does not name the tasks the second Ctrl-C kills: $(grep ' interrupted ' "$work/twice.out" | tail -1)"
grep -q ' succeeded, .* 2 stopped' "$work/twice.out" || problem "two Ctrl-C: the summary does not count the 2 stopped tasks"
# A later run does everything.
DEMO_AGENT_SECONDS=0.05 "$flow" run "$tasks" --workers 2 --agent-cmd "$agent" --progress plain > "$work/after.out" 2>&1 ||
  problem "the run after the interrupt failed: $(tail -3 "$work/after.out")"
[ "$(grep -c '^- \[X\] T' "$tasks" || true)" = 24 ] || problem "the run after the interrupt did not finish every task"

# --- SIGTERM: a service manager, `timeout`, a container stopping --------------------
# An end now, as two Ctrl-C: the agents are stopped, journaled, exit 130; never flow
# killed with its agents left running.
start_two_long "$work/term.out"
kill -TERM "$pid"
start=$(date +%s)
rc=0; wait "$pid" || rc=$?
took=$(( $(date +%s) - start ))
[ "$rc" = 130 ] || problem "SIGTERM: exit $rc, expected 130"
[ "$took" -lt 20 ] || problem "SIGTERM: flow took ${took}s to stop 60-second agents"
[ "$(count '"event":"task-killed"')" = 2 ] || problem "SIGTERM: the killed attempts were not journaled"
[ -z "$(alive_groups)" ] || problem "SIGTERM: agent process groups still alive: $(alive_groups | tr '\n' ' ')"
counts_every_task "SIGTERM" "$work/term.out"

# --- kill -9: flow dies with no end line ------------------------------------------
# `flow status` says the run did not finish and that its process is gone, not that it
# finished (and not that it still runs).
start_two_long "$work/kill9.out"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
for g in $(alive_groups); do
  case "$g" in /*) echo 1 > "$g/cgroup.kill" 2>/dev/null || true ;; *) kill -KILL -- "-$g" 2>/dev/null || true ;; esac
done
"$flow" status "$tasks" > "$work/status.out"
grep -q '^last run .*(did not finish: its process is gone' "$work/status.out" ||
  problem "flow status after kill -9: $(grep '^last run' "$work/status.out")"
"$flow" status "$tasks" --runs | grep -q 'did not finish' || problem "flow status --runs after kill -9: $("$flow" status "$tasks" --runs)"

# --- SIGHUP: the terminal went away ----------------------------------------------
# As one Ctrl-C: nothing new starts, the running tasks finish and are marked.
setup
DEMO_AGENT_SECONDS=1.5 "$flow" run "$tasks" --workers 2 --agent-cmd "$agent" --progress plain > "$work/hup.out" 2>&1 &
pid=$!
wait_for_starts 1
kill -HUP "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" = 130 ] || problem "SIGHUP: exit $rc, expected 130"
started=$(count '"event":"task-started"')
[ "$(grep -c '^- \[X\] T' "$tasks" || true)" = "$started" ] || problem "SIGHUP: $started started, not all marked"
[ -z "$(alive_groups)" ] || problem "SIGHUP: agents still running after the run ended"
counts_every_task "SIGHUP" "$work/hup.out"

# --- a reader that goes away: `flow run | head` ---------------------------------------
# The run goes on to its end unshown (not killed by SIGPIPE with its agents left), and
# exits with the run's status.
setup
set +o pipefail
DEMO_AGENT_SECONDS=0.05 "$flow" run "$tasks" --workers 2 --agent-cmd "$agent" --progress plain 2>&1 | head -1 > /dev/null
rc=${PIPESTATUS[0]}
set -o pipefail
[ "$rc" = 0 ] || problem "flow run | head: exit $rc, expected 0"
[ "$(grep -c '^- \[X\] T' "$tasks" || true)" = 24 ] || problem "flow run | head: the run did not finish every task"

# --- SIGTERM while a hook runs -----------------------------------------------------------
# A task-complete hook that takes long held the loop: SIGTERM and Ctrl-C waited for it
# (an hour's timeout, by default). SIGTERM now stops it as it stops agents.
setup
mkdir -p "$work/repo/.flow"
printf 'hooks:\n  task-complete: ["sleep", "73"]\n' > "$work/repo/.flow/config.yaml"
start=$SECONDS
DEMO_AGENT_SECONDS=0.05 "$flow" run "$tasks" --workers 1 --agent-cmd "$agent" --progress plain > "$work/hook.out" 2>&1 &
pid=$!
for _ in $(seq 1 300); do pgrep -f '^sleep 73$' > /dev/null && break; sleep 0.05; done
pgrep -f '^sleep 73$' > /dev/null || problem "hook: it did not start"
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" = 130 ] || problem "SIGTERM during a hook: exit $rc, expected 130"
[ $((SECONDS - start)) -lt 30 ] || problem "SIGTERM during a hook: the run waited for the hook ($((SECONDS - start)) s)"
pgrep -f '^sleep 73$' > /dev/null && problem "SIGTERM during a hook: the hook still runs"
counts_every_task "SIGTERM during a hook" "$work/hook.out"
# Said as what happened, not as "exit -1".
grep -q 'task-complete failed (stopped: the run was interrupted)' "$work/hook.out" ||
  problem "SIGTERM during a hook: not said how it ended: $(grep ' hook ' "$work/hook.out")"

[ "$fail" = 0 ] && echo "interrupt: one Ctrl-C lets running tasks finish; two kill them; all journaled"
exit "$fail"
