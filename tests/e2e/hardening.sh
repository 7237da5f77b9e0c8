#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What users, disks and crashes really do, against the real CLI, real files and a real
# git repository: one scenario per run (issues 11 and 12).
# usage: hardening.sh FLOW TEST_AGENT SCENARIO
set -uo pipefail
flow=$1 agent=$2 scenario=$3
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
  for f in "$work/empty.md" "$work/prose.md" /dev/null "$work/garbage.md" "$work/nul.md"; do
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
      *garbage.md|*nul.md) want=" 2 2 2 2 2" ;;
      *) want=" 0 0 0 0 0" ;;
    esac
    [ "$codes" = "$want" ] || bad "$f: check, plan, simulate, status, run exited$codes, expected$want"
  done
  run_flow "$work/out" plan "$work/empty.md"
  grep -q "no tasks" "$work/out" || bad "plan of an empty file does not say it has no tasks: $(cat "$work/out")"
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

*)
  echo "unknown scenario $scenario"
  exit 2
  ;;
esac
[ "$fail" = 0 ] && echo "hardening $scenario: ok"
exit "$fail"
