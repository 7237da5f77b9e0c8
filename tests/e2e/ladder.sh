#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The recovery ladder end to end, with a real scripted agent (ladder_agent.sh) that
# succeeds only when its prompt carries what the test asks for:
#  1. errorRecovery.fallback: the alternative, simplified and instruction steps reach
#     the prompts from their attempts on; the journal and flow status say which
#     strategy each attempt used
#  2. a task whose ladder runs out ends `needs-attention` (journal, status, report),
#     its dependent is blocked, independent work goes on; every notification hook
#     (task-failed, needs-attention, blocked, rate-limit-wait) fires once with the
#     task's variables; `flow retry --hint` then runs the task with the hint in its
#     prompt, and its dependent; the hint is journaled and shown by flow status
#  3. `flow retry` while a run is going on joins it (its control inbox) instead of
#     starting a second run, and the task and its dependent are done in that run
#  4. a fallback step naming another agent (`agent: aider`, its program a stand-in
#     script) moves the task's attempts from that step on to it: the journal's
#     task-started line and flow status name the agent each attempt ran on; and from
#     a named CLI to the command template (`agent: command`)
# usage: ladder.sh FLOW
set -euo pipefail
flow=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
agent=$(cd "$(dirname "$0")" && pwd)/ladder_agent.sh
aider=$(cd "$(dirname "$0")/../agents" && pwd)/fake-aider.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/flow-ladder-XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
fail=0
problem() { echo "FAIL: $*"; fail=1; }
count() { grep -c -- "$1" "$2" || true; }

# A feature in $1 with .flow/config.yaml: the scripted agent, fast retries, and $2.
make_feature() {
  mkdir -p "$1/.flow"
  cat > "$1/tasks.md" <<'TASKS'
# Tasks

## Phase 1: User Story 1 - Core (Priority: P1)

- [ ] T001 [US1] Write the core in src/core.txt
- [ ] T002 [US1] Extend the core in src/more.txt (depends on T001)

## Phase 2: User Story 2 - Side (Priority: P2)

- [ ] T003 [US2] Write the side in src/side.txt
- [ ] T004 [US2] Write the extra in src/extra.txt

## Phase 3: User Story 3 - Other (Priority: P3)

- [ ] T005 [US3] Write the other in src/other.txt
TASKS
  cat > "$1/.flow/config.yaml" <<EOF
agent:
  command: ["sh", "$agent", "{prompt_file}", "{task_id}"]
testing:
  runTests: false
  requireChanges: false
$2
EOF
  : > "$1/needs"
}

# 1. Each strategy step, from its attempt on.
d=$work/steps
make_feature "$d" "errorRecovery:
  maxRetries: 3
  baseDelay: 10ms
  maxDelay: 20ms
  fallback:
    - {fromAttempt: 2, strategy: alternative}
    - {fromAttempt: 3, strategy: simplified}
    - {fromAttempt: 4, instruction: 'Use only the standard library, said the lead.'}"
printf '%s\n' 'T001 take a different one' 'T003 the smallest version that satisfies' \
  'T005 Use only the standard library, said the lead.' > "$d/needs"
(cd "$d" && "$flow" run tasks.md --isolation none --progress plain -j3 > run.out 2>&1) || problem "steps: the run failed: $(tail -20 "$d/run.out")"
for want in "T001 attempt 2 ok" "T003 attempt 3 ok" "T005 attempt 4 ok" "T002 attempt 1 ok" "T004 attempt 1 ok"; do
  grep -qx "$want" "$d/agent.log" || problem "steps: '$want' not in the agent's log: $(cat "$d/agent.log")"
done
[ "$(count 'ok$' "$d/agent.log")" = 5 ] || problem "steps: not five successes: $(cat "$d/agent.log")"
journal=$d/.flow/implementation.log
grep '"event":"task-started"' "$journal" | grep '"task":"T005"' | grep '"attempt":4' | grep -q '"strategy":"simplified+instruction"' ||
  problem "steps: the journal does not say T005's attempt 4 ran simplified+instruction: $(grep T005 "$journal")"
(cd "$d" && "$flow" status tasks.md > status.out 2>&1) || problem "steps: flow status failed"
grep -q "T001: attempt 1 plain, attempt 2 alternative$" "$d/status.out" || problem "steps: status: $(cat "$d/status.out")"
grep -q "T005: attempt 1 plain, attempt 2 alternative, attempt 3 simplified, attempt 4 simplified+instruction" "$d/status.out" ||
  problem "steps: status does not list T005's strategies: $(cat "$d/status.out")"
prompt=$(ls "$d"/.flow/runs/*/T001-0.2.prompt.md)
grep -q "Attempt 1 failed: unknown: exit code 1" "$prompt" || problem "steps: the alternative prompt does not say how attempt 1 failed: $(cat "$prompt")"
grep -q "abc123secret" "$prompt" && problem "steps: a secret from the failure reached the prompt"
echo "ladder steps: alternative, simplified and instruction each from their attempt"

# 2. needs-attention, the notifications, and flow retry --hint in a run of its own.
d=$work/attention
hook='printf "%s|%s|%s|%s|%s|%s|%s\n" "$FLOW_EVENT" "$FLOW_TASK_ID" "$FLOW_ATTEMPT" "$FLOW_FAILURE_CLASS" "${FLOW_BLOCKED_TASKS:-}" "${FLOW_RESET_IN:-}" "${FLOW_RESET_AT:-}" >> hooks.log'
make_feature "$d" "errorRecovery:
  maxRetries: 2
  baseDelay: 10ms
  maxDelay: 20ms
  fallback:
    - {fromAttempt: 2, strategy: alternative}
hooks:
  task-failed: [sh, -c, '$hook']
  needs-attention: [sh, -c, '$hook']
  blocked: [sh, -c, '$hook']
  rate-limit-wait: [sh, -c, '$hook']"
echo 'T001 HINT-7f3: the config lives in etc/' > "$d/needs"
echo 'T004 Error: Invalid API key' > "$d/always"
echo 'T005 rate_limit_error: try again in 2 seconds' > "$d/first"
rc=0
(cd "$d" && "$flow" run tasks.md --isolation none --progress plain -j3 > run.out 2>&1) || rc=$?
[ "$rc" = 1 ] || problem "attention: the run exited $rc, not 1"
grep -q "needs attention: T001 after 3 attempts" "$d/run.out" || problem "attention: the report: $(tail -20 "$d/run.out")"
grep -q "1 failed (1 needs attention)" "$d/run.out" && problem "attention: T004's auth failure is not counted: $(tail -20 "$d/run.out")"
grep -q "2 failed (1 needs attention)" "$d/run.out" || problem "attention: the counts: $(tail -20 "$d/run.out")"
grep -q "needs-attention T001" "$d/run.out" || problem "attention: no needs-attention event: $(cat "$d/run.out")"
for want in "T003 attempt 1 ok" "T005 attempt 2 ok"; do
  grep -qx "$want" "$d/agent.log" || problem "attention: independent work did not go on ('$want'): $(cat "$d/agent.log")"
done
grep -q "^T002" "$d/agent.log" && problem "attention: T002 ran before T001 was done"
journal=$d/.flow/implementation.log
[ "$(count '"event":"needs-attention"' "$journal")" = 1 ] || problem "attention: not one needs-attention line in the journal"
(cd "$d" && "$flow" status tasks.md > status.out 2>&1) || true
grep -q "1 needs attention" "$d/status.out" || problem "attention: status: $(cat "$d/status.out")"
grep -q "T001 needs attention (unknown) after 3 attempts" "$d/status.out" || problem "attention: status analysis: $(cat "$d/status.out")"
# Every hook once, with the right variables.
hooks=$d/hooks.log
[ "$(wc -l < "$hooks")" = 4 ] || problem "attention: not four notifications: $(cat "$hooks")"
grep -qx "needs-attention|T001|3|unknown|||" "$hooks" || problem "attention: needs-attention: $(cat "$hooks")"
grep -qx "blocked|T001|3|unknown|T002||" "$hooks" || problem "attention: blocked: $(cat "$hooks")"
grep -qx "task-failed|T004|1|auth|||" "$hooks" || problem "attention: task-failed: $(cat "$hooks")"
grep -Eqx "rate-limit-wait\|T005\|1\|rate_limit\|\|[0-9]+\|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z" "$hooks" ||
  problem "attention: rate-limit-wait: $(cat "$hooks")"
# A person looks, and answers with a hint.
: > "$d/hooks.log"
rc=0
(cd "$d" && "$flow" retry tasks.md T001 --hint "HINT-7f3: the config lives in etc/" --progress plain > retry.out 2>&1) || rc=$?
[ "$rc" = 0 ] || problem "retry: exit $rc: $(cat "$d/retry.out")"
grep -qx "T001 attempt 1 ok" "$d/agent.log" || problem "retry: T001 did not succeed with the hint: $(cat "$d/agent.log")"
grep -qx "T002 attempt 1 ok" "$d/agent.log" || problem "retry: its dependent T002 did not run: $(cat "$d/agent.log")"
[ "$(grep -c '^- \[X\] T00[12]' "$d/tasks.md")" = 2 ] || problem "retry: T001 and T002 are not marked: $(cat "$d/tasks.md")"
grep -q "T004" "$d/retry.out" && problem "retry: it ran more than the task and what it blocked: $(cat "$d/retry.out")"
prompt=$(ls -t "$d"/.flow/runs/*/T001-0.1.prompt.md | head -n 1)
grep -q "A hint from a person" "$prompt" || problem "retry: no hint in the prompt"
[ -s "$d/hooks.log" ] && problem "retry: a notification fired on success: $(cat "$d/hooks.log")"
grep -q '"event":"hint".*HINT-7f3' "$journal" || problem "retry: the hint is not journaled"
(cd "$d" && "$flow" status tasks.md > status2.out 2>&1) || true
grep -q "hint: HINT-7f3: the config lives in etc/" "$d/status2.out" || problem "retry: status shows no hint: $(cat "$d/status2.out")"
rc=0
(cd "$d" && "$flow" retry tasks.md T0001 > typo.out 2>&1) || rc=$?
[ "$rc" = 2 ] && grep -q "did you mean T001" "$d/typo.out" || problem "retry: a mistyped ID: exit $rc: $(cat "$d/typo.out")"
echo "ladder attention: needs-attention, four notifications once each, retry with a hint"

# 3. flow retry joins the run going on.
d=$work/live
make_feature "$d" "errorRecovery:
  maxRetries: 0"
echo 'T001 HINT-LIVE' > "$d/needs"
echo 'T003 6' > "$d/slow"
(cd "$d" && exec "$flow" run tasks.md --isolation none --progress plain -j3 > run.out 2>&1) &
run_pid=$!
for _ in $(seq 1 100); do
  grep -q '"event":"needs-attention"' "$d/.flow/implementation.log" 2>/dev/null && break
  sleep 0.1
done
grep -q '"event":"needs-attention"' "$d/.flow/implementation.log" || problem "live: T001 never needed attention"
rc=0
(cd "$d" && "$flow" retry tasks.md T001 --hint HINT-LIVE > retry.out 2>&1) || rc=$?
[ "$rc" = 0 ] || problem "live: the retry exited $rc: $(cat "$d/retry.out")"
grep -q "took it: T001 runs again, with your hint" "$d/retry.out" || problem "live: the retry did not join: $(cat "$d/retry.out")"
rc=0
wait "$run_pid" || rc=$?
[ "$rc" = 0 ] || problem "live: the run exited $rc: $(tail -20 "$d/run.out")"
[ "$(count '"event":"run-started"' "$d/.flow/implementation.log")" = 1 ] || problem "live: a second run started"
grep -q '"event":"control".*"action":"retry".*"hint":"HINT-LIVE"' "$d/.flow/implementation.log" ||
  problem "live: no control line with the hint in the journal"
for want in "T001 attempt 2 ok" "T002 attempt 1 ok" "T003 attempt 1 ok"; do
  grep -qx "$want" "$d/agent.log" || problem "live: '$want' not in the agent's log: $(cat "$d/agent.log")"
done
[ "$(grep -c '^- \[X\]' "$d/tasks.md")" = 5 ] || problem "live: not every task is marked: $(cat "$d/tasks.md")"
[ -d "$d/.flow/control" ] && [ -n "$(ls -A "$d/.flow/control")" ] && problem "live: the run left its inbox behind"
echo "ladder live: flow retry joined the run going on"

# 4. Another agent from a step on: the scripted agent always fails T001; the step
# `fromAttempt: 2, agent: aider` runs attempt 2 on Aider's adapter (a stand-in script).
d=$work/agent
make_feature "$d" "errorRecovery:
  maxRetries: 2
  baseDelay: 10ms
  maxDelay: 20ms
  fallback:
    - {fromAttempt: 2, agent: aider}
agents:
  aider:
    program: $aider"
echo 'T001 error: the first agent cannot do this' > "$d/always"
(cd "$d" && "$flow" run tasks.md --isolation none --progress plain -j1 > run.out 2>&1) || problem "agent: the run failed: $(tail -20 "$d/run.out")"
[ "$(grep -c '^T001 ' "$d/agent.log")" = 1 ] && grep -qx "T001 attempt 1 failed" "$d/agent.log" ||
  problem "agent: the first agent did not run T001 exactly once: $(cat "$d/agent.log")"
grep -qx "T002 attempt 1 ok" "$d/agent.log" || problem "agent: T001's dependent did not run on the run's own agent: $(cat "$d/agent.log")"
grep -qx "T001" "$d/src/core.txt" 2>/dev/null || problem "agent: the fallback agent did not do T001's work"
grep -q '^- \[X\] T001' "$d/tasks.md" || problem "agent: T001 is not done: $(cat "$d/tasks.md")"
grep -q "fallback *T001 *(attempt 2) *on aider" "$d/run.out" || problem "agent: no fallback event: $(cat "$d/run.out")"
journal=$d/.flow/implementation.log
grep '"event":"task-started"' "$journal" | grep '"task":"T001"' | grep '"attempt":2' | grep -q '"agent":"aider"' ||
  problem "agent: the journal does not say T001's attempt 2 ran on aider: $(grep '"task":"T001"' "$journal")"
grep '"event":"task-started"' "$journal" | grep '"task":"T001"' | grep '"attempt":1' | grep -q '"agent":"aider"' &&
  problem "agent: T001's attempt 1 ran on aider already"
(cd "$d" && "$flow" status tasks.md > status.out 2>&1) || problem "agent: flow status failed: $(cat "$d/status.out")"
grep -q "T001: attempt 1 plain on sh, attempt 2 plain on aider$" "$d/status.out" || problem "agent: status: $(cat "$d/status.out")"
grep -q "T002: " "$d/status.out" && problem "agent: status lists T002, which never moved: $(cat "$d/status.out")"
# The other way round: the run's agent is Aider's adapter (the stand-in fails T001
# retryably); `agent: command` moves attempt 2 to the command template.
d=$work/agent-command
make_feature "$d" ""
cat > "$d/.flow/config.yaml" <<EOF
agent:
  name: aider
  command: ["sh", "$agent", "{prompt_file}", "{task_id}"]
agents:
  aider:
    program: $aider
testing:
  runTests: false
  requireChanges: false
errorRecovery:
  maxRetries: 2
  baseDelay: 10ms
  maxDelay: 20ms
  fallback:
    - {fromAttempt: 2, agent: command}
EOF
(cd "$d" && FAKE_AIDER_FAIL=T001 "$flow" run tasks.md --isolation none --progress plain -j1 > run.out 2>&1) ||
  problem "agent-command: the run failed: $(tail -20 "$d/run.out")"
[ "$(cat "$d/agent.log" 2>/dev/null)" = "T001 attempt 2 ok" ] ||
  problem "agent-command: the command template did not run (only) T001's attempt 2: $(cat "$d/agent.log" 2>/dev/null)"
grep -q '^- \[X\] T001' "$d/tasks.md" || problem "agent-command: T001 is not done: $(cat "$d/tasks.md")"
journal=$d/.flow/implementation.log
grep '"event":"task-started"' "$journal" | grep '"task":"T001"' | grep '"attempt":2' | grep -q '"agent":"command"' ||
  problem "agent-command: the journal does not say T001's attempt 2 ran on command: $(grep '"task":"T001"' "$journal")"
(cd "$d" && "$flow" status tasks.md > status.out 2>&1) || problem "agent-command: flow status failed: $(cat "$d/status.out")"
grep -q "T001: attempt 1 plain on aider, attempt 2 plain on command$" "$d/status.out" ||
  problem "agent-command: status: $(cat "$d/status.out")"
echo "ladder agent: a fallback step moved T001 to another agent, both ways"

[ "$fail" = 0 ] && echo "ladder: all scenarios passed"
exit "$fail"
