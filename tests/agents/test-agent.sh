#!/bin/sh
# SPDX-License-Identifier: MIT
# A scripted test agent. It does what the task says (creates the files it names) unless
# TEST_AGENT_PLAN says otherwise for its task: comma-separated ID:behaviour with
#   fail-once   exit 1 on attempt 1 ("connection refused"), then succeed
#   auth        print "Invalid API key" and exit 1 (never retried)
#   ratelimit   print "API Error: Request rejected (429)" and exit 1
#   hang        sleep far past any timeout, with a child in its group
#   crash       kill itself with SIGSEGV
#   partial     print half an event stream and exit 1
#   conflict    also write "<task> attempt <n>" to shared.txt, a file its task does not name
#   bad-once    also write result.txt: "bad" on attempt 1, "good" after (for a test gate)
#   see-readme  also copy README, as it sees it, to seen.txt
#   nothing     change nothing at all, exit 0
#   commit      create the files, then commit everything itself (git add -A, git commit)
#   script      first run the shell commands in TEST_AGENT_RUN_<task id> (the test's own)
#   script-only only run TEST_AGENT_RUN_<task id>, create no file
#   daemon      also start a daemon in a session of its own (setsid) that outlives it,
#               its pid appended to $TEST_AGENT_DAEMONS
# With TEST_AGENT_RUNS set (a file outside the repository), each run appends
# "<run> <task> <attempt> begin" when it starts and "... end" when its work is done.
# With TEST_AGENT_PIDS set, each run appends "<run> <task> <attempt> <its pid>".
set -eu
[ -z "${TEST_AGENT_RUNS:-}" ] || echo "$FLOW_RUN_ID $FLOW_TASK_ID $FLOW_ATTEMPT begin" >> "$TEST_AGENT_RUNS"
[ -z "${TEST_AGENT_PIDS:-}" ] || echo "$FLOW_RUN_ID $FLOW_TASK_ID $FLOW_ATTEMPT $$" >> "$TEST_AGENT_PIDS"
behaviour=""
for item in $(printf '%s' "${TEST_AGENT_PLAN:-}" | tr ',' ' '); do
  [ "${item%%:*}" = "$FLOW_TASK_ID" ] && behaviour="${item#*:}"
done
case "$behaviour" in
  fail-once) if [ "$FLOW_ATTEMPT" = 1 ]; then echo "connection refused" >&2; exit 1; fi ;;
  auth) echo "Invalid API key · Fix external API key" >&2; exit 1 ;;
  ratelimit) echo "API Error: Request rejected (429)" >&2; exit 1 ;;
  hang) sleep 300 & sleep 300 ;;
  crash) kill -SEGV $$ ;;
  partial) echo '{"type":"system","subtype":"init"'; exit 1 ;;
  conflict) echo "$FLOW_TASK_ID attempt $FLOW_ATTEMPT" > shared.txt ;;
  see-readme) cp README seen.txt ;;
  nothing) exit 0 ;;
  script|script-only) eval "script=\${TEST_AGENT_RUN_$FLOW_TASK_ID:-}"; sh -c "$script"
                      [ "$behaviour" = script ] || exit 0 ;;
  daemon) setsid sh -c 'echo $$ >> "$TEST_AGENT_DAEMONS"; exec sleep 300' </dev/null >/dev/null 2>&1 &
          while [ "$(wc -l < "$TEST_AGENT_DAEMONS" 2>/dev/null || echo 0)" -lt 1 ]; do sleep 0.05; done ;;
  bad-once) if [ "$FLOW_ATTEMPT" = 1 ]; then echo bad > result.txt; else echo good > result.txt; fi ;;
esac
printf '%s\n' "$FLOW_TASK_FILES" | while IFS= read -r f; do
  [ -n "$f" ] || continue
  case "$f" in */) mkdir -p "$f" ;; *) mkdir -p "$(dirname "$f")"; echo "$FLOW_TASK_ID" >> "$f" ;; esac
done
if [ "$behaviour" = commit ]; then git add -A && git commit -qm "agent: $FLOW_TASK_ID's work"; fi
[ -r "$FLOW_PROMPT_FILE" ] || { echo "no prompt" >&2; exit 1; }
sleep "${TEST_AGENT_SECONDS:-0.1}"
[ -z "${TEST_AGENT_RUNS:-}" ] || echo "$FLOW_RUN_ID $FLOW_TASK_ID $FLOW_ATTEMPT end" >> "$TEST_AGENT_RUNS"
