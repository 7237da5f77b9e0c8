#!/bin/sh
# SPDX-License-Identifier: MIT
# A scripted agent for the recovery ladder's tests (a real process, run by flow through
# agent.command as: sh ladder_agent.sh {prompt_file} {task_id}). Files of the work
# directory script it, a line per task:
#   needs   "T002 some text": T002 succeeds only when its prompt carries that text
#   slow    "T005 3": T005 takes 3 s first
#   first   "T006 message": T006's first attempt fails, printing message
#   always  "T004 message": every attempt of T004 fails, printing message
# Tasks not listed succeed. Every attempt is logged to agent.log.
prompt=$1
task=$2
line() { grep "^$task " "$1" 2>/dev/null | head -n 1 | cut -d' ' -f2-; }
delay=$(line slow)
[ -n "$delay" ] && sleep "$delay"
fail() {
  echo "$task attempt $FLOW_ATTEMPT failed" >> agent.log
  echo "$1" >&2
  exit 1
}
msg=$(line always)
[ -n "$msg" ] && fail "$msg"
msg=$(line first)
[ -n "$msg" ] && [ "$FLOW_ATTEMPT" = 1 ] && fail "$msg"
need=$(line needs)
if [ -n "$need" ] && ! grep -qF -- "$need" "$prompt"; then
  fail "error: $task is not done: the prompt lacks what it needs (token=abc123secret)"
fi
echo "$task attempt $FLOW_ATTEMPT ok" >> agent.log
echo "$task done"
