#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `flow run` orders ready tasks by the estimator's durations from the journal's history,
# not by unit weights: three independent [P] tasks on one worker start in document order
# in a first run (no history, every task weighs the same); after a run in which T003 took
# far longer than the others, the next run starts T003 first (its remaining path is the
# longest). Real runs, a real agent process, the journal as written.
# The journal is the repository's, shared by every feature's tasks.md: another feature's
# T003, or a T003 whose line now says something else, is another task, and its time is
# not this T003's (it still counts for its kind of work: `flow plan` learns from it).
# usage: estimates_order.sh FLOW
set -euo pipefail
flow=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-estimates-XXXXXX")
trap 'rm -rf "$work"' EXIT
git init -q "$work" && mkdir -p "$work/.flow"
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
# Another feature in the same repository: its T003 is not the T003 that took 1.5 s.
mkdir -p "$work/other"
printf '## Phase 1: Work\n- [ ] T001 [P] Write `x.py`\n- [ ] T002 [P] Write `y.py`\n- [ ] T003 [P] Write `z.py`\n' > "$work/other/tasks.md"
"$flow" plan "$work/other/tasks.md" > "$work/other-plan.out" || fail "plan of the other feature: $(cat "$work/other-plan.out")"
grep -q "from 6 finished tasks in the journal" "$work/other-plan.out" ||
  fail "the other feature's plan does not learn from the first feature's 6 tasks: $(grep Estimated "$work/other-plan.out")"
"$flow" run "$work/other/tasks.md" --workers 1 --progress plain --agent-cmd "$work/agent.sh {task_id}" > "$work/other.out" ||
  fail "the other feature's run: $(tail -5 "$work/other.out")"
got=$(order)
echo "another feature: $got"
[ "$got" = "T001 T002 T003" ] || fail "another feature's T003 took the first feature's T003's time: the order is $got"
# The first feature again, its T003's line now another task (tasks.md regenerated): the
# old T003's 1.5 s are not its estimate (the phase's median of short tasks is).
printf '%s' "$plan" | sed 's/c\.py/d.py/' > "$work/tasks.md"
"$flow" plan --json "$work/tasks.md" > "$work/changed.json" || fail "plan after T003 changed: $(cat "$work/changed.json")"
est=$(python3 -c 'import json, sys; print([t["estimate"] for t in json.load(open(sys.argv[1]))["tasks"] if t["id"] == "T003"][0])' "$work/changed.json")
echo "T003's line changed: its estimate ${est}s"
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 1.0 else 1)' "$est" ||
  fail "T003's line names another task now, yet its estimate is the old T003's: ${est}s"
echo "ok"
