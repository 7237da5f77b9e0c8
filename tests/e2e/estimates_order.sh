#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `flow run` orders ready tasks by the estimator's durations from the journal's history,
# not by unit weights: three independent [P] tasks on one worker start in document order
# in a first run (no history, every task weighs the same); after a run in which T003 took
# far longer than the others, the next run starts T003 first (its remaining path is the
# longest). Real runs, a real agent process, the journal as written.
# usage: estimates_order.sh FLOW
set -euo pipefail
flow=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-estimates-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/.git" "$work/.flow"
printf 'testing:\n  requireChanges: false\n' > "$work/.flow/config.yaml"
# The agent: T003 takes 1.5 s, the others nothing.
cat > "$work/agent.sh" <<'AGENT'
#!/bin/sh
[ "$1" = T003 ] && sleep 1.5
exit 0
AGENT
chmod +x "$work/agent.sh"
plan='## Phase 1: Work
- [ ] T001 [P] Write `a.py`
- [ ] T002 [P] Write `b.py`
- [ ] T003 [P] Write `c.py`
'
order() {  # the task-started order of the journal's last run
  awk -F'"run":"' '/"event":"run-started"/ { split($2, r, "\""); run = r[1]; order = "" }
    /"event":"task-started"/ && index($0, "\"run\":\"" run "\"") { split($0, t, "\"task\":\""); split(t[2], id, "\""); order = order (order ? " " : "") id[1] }
    END { print order }' "$work/.flow/implementation.log"
}
fail() { echo "FAIL: $*"; exit 1; }
for round in first second; do
  printf '%s' "$plan" > "$work/tasks.md"
  "$flow" run "$work/tasks.md" --workers 1 --progress plain --agent-cmd "$work/agent.sh {task_id}" > "$work/$round.out" ||
    fail "$round run: $(tail -5 "$work/$round.out")"
  got=$(order)
  echo "$round run: $got"
  if [ "$round" = first ]; then
    [ "$got" = "T001 T002 T003" ] || fail "without history the order is the document's, got: $got"
  else
    [ "${got%% *}" = T003 ] || fail "with T003's 1.5 s in the history it starts first, got: $got"
  fi
done
echo "ok"
