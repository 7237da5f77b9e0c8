#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# kill -9 of flow at several moments, then `flow run` again: the run finishes with no
# task lost and none re-run after being marked; leftover agents are stopped.
# usage: resume.sh FLOW EXAMPLE_DIR DEMO_AGENT
set -euo pipefail
flow=$1 example=$2 agent=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-resume-XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r "$example/." "$work/"
# A copy of the agent of its own, so that the check for leftover agents below sees this
# test's agents only (other tests run the same demo agent at the same time).
cp "$agent" "$work/agent.sh"
agent="$work/agent.sh"
git init -q "$work"  # a repository without a commit: tasks run in place
tasks="$work/specs/001-todo-cli/tasks.md"
export DEMO_AGENT_SECONDS=1.5  # long enough that a killed run leaves agents running

for delay in 1.0 2.3 3.7; do
  "$flow" run "$tasks" --workers 3 --agent-cmd "$agent" > "$work/run.out" 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
"$flow" run "$tasks" --workers 3 --agent-cmd "$agent" > "$work/final.out" 2>&1 || {
  echo "the resumed run failed:"; cat "$work/final.out"; exit 1; }

journal="$work/.flow/implementation.log"
fail=0
done_count=$(grep -c '^- \[X\] T' "$tasks" || true)
[ "$done_count" = 24 ] || { echo "expected 24 tasks marked, found $done_count"; fail=1; }
for id in $(grep -o '^- \[X\] T[0-9]*' "$tasks" | awk '{print $3}'); do
  marks=$(grep -c "\"event\":\"marked\",\"task\":\"$id\"" "$journal" || true)
  [ "$marks" = 1 ] || { echo "$id was marked $marks times: it ran again after being marked"; fail=1; }
done
grep -q '"event":"resumed"' "$journal" || { echo "no resume was journaled"; fail=1; }
grep -q 'resumed' "$work/final.out" || { echo "the resumed run did not say so"; fail=1; }
# Leftover agents of the killed runs were stopped (journaled), and none is left now.
grep -q '"event":"leftover-killed"' "$journal" || { echo "no leftover agent was stopped"; fail=1; }
if pgrep -f "^/bin/sh $agent" >/dev/null 2>&1; then echo "agents are still running"; fail=1; fi
[ "$fail" = 0 ] && echo "resume: 24 tasks marked once each after 3 kill -9"
exit "$fail"
