# SPDX-License-Identifier: MIT
# `flow run` with failures, then `flow status` (text and JSON) on what it left.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

set(work ${CMAKE_CURRENT_BINARY_DIR}/cli-status-work)
file(REMOVE_RECURSE ${work})
file(COPY ${EXAMPLES}/todo-cli/ DESTINATION ${work})
execute_process(COMMAND git init -q ${work})  # no commit: tasks run in place
set(tasks ${work}/specs/001-todo-cli/tasks.md)

run_flow(out rc status ${tasks})
expect("status before any run: ${rc}" ${rc} EQUAL 0)
expect_in("flow has not run it yet" "${out}")

execute_process(COMMAND ${CMAKE_COMMAND} -E env "TEST_AGENT_PLAN=T014:auth,T005:fail-once"
                ${FLOW} run ${tasks} --workers 3 --agent-cmd ${AGENT}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
expect("run with a failure: expected exit 1, got ${rc}: ${out}${err}" ${rc} EQUAL 1)
expect_in("failed:  T014 after 1 attempt [auth]" "${out}")
expect_in("| Invalid API key" "${out}")
expect_in("blocked by T014: T016, T020, T021, T022, T023, T024 (6 tasks)" "${out}")

run_flow(out rc status ${tasks})
expect_in("24 tasks: 17 done, 1 failed, 6 blocked, 0 to do" "${out}")
expect_in("(finished)" "${out}")
# The command agent reports no cost: "not reported", never $0.0000.
expect_in("agent cost not reported" "${out}")
string(FIND "${out}" "$0.0000" zero)
expect("a cost of $0.0000 shown for an agent that reports none:\n${out}" ${zero} EQUAL -1)
run_flow(out rc status ${tasks} --json)
string(JSON retries GET "${out}" run retries)
expect("retries ${retries}" ${retries} EQUAL 1)
string(JSON n LENGTH "${out}" tasks)
math(EXPR last "${n} - 1")
foreach(i RANGE ${last})
  string(JSON id GET "${out}" tasks ${i} id)
  string(JSON state GET "${out}" tasks ${i} state)
  if(id STREQUAL "T014")
    expect("T014 is ${state}" "${state}" STREQUAL "failed")
    string(JSON cls GET "${out}" tasks ${i} failure_class)
    expect("T014 class ${cls}" "${cls}" STREQUAL "auth")
  elseif(id STREQUAL "T005")
    string(JSON attempts GET "${out}" tasks ${i} attempts)
    expect("T005 attempts ${attempts}" ${attempts} EQUAL 2)
    expect("T005 is ${state}" "${state}" STREQUAL "done")
  endif()
endforeach()

# Run again without the failure: only what is left runs, and the file is complete.
run_flow(out rc run ${tasks} --workers 3 --agent-cmd ${AGENT})
expect("second run: expected 0, got ${rc}: ${out}" ${rc} EQUAL 0)
expect_in("7 succeeded, 0 failed" "${out}")
run_flow(out rc check ${tasks})
expect_in("24 done, 0 pending" "${out}")

# Settings from .flow/config.yaml: the agent, workers and hooks; a bad value stops the run
# before anything starts, with file:line; a failing pre-implement hook too.
set(work2 ${CMAKE_CURRENT_BINARY_DIR}/cli-config-work)
file(REMOVE_RECURSE ${work2})
file(COPY ${EXAMPLES}/todo-cli/ DESTINATION ${work2})
execute_process(COMMAND git init -q ${work2})
file(MAKE_DIRECTORY ${work2}/.flow)
set(tasks2 ${work2}/specs/001-todo-cli/tasks.md)
file(WRITE ${work2}/.flow/config.yaml "implementer:\n  parallel:\n    maxWorkers: two\n")
run_flow(out rc run ${tasks2})
expect("bad config: expected 2, got ${rc}" ${rc} EQUAL 2)
expect_in("${work2}/.flow/config.yaml:3: error: implementer.parallel.maxWorkers should be a whole number" "${out}")
file(WRITE ${work2}/.flow/config.yaml
  "implementer:\n  parallel:\n    maxWorkers: 2\n    maxWorker: 9\nagent:\n  command: [\"${AGENT}\"]\n"
  "hooks:\n  pre-implement: [\"sh\", \"-c\", \"exit 3\"]\n")
run_flow(out rc run ${tasks2})
expect("failing pre-implement: expected 2, got ${rc}" ${rc} EQUAL 2)
expect_in("warning: unknown key 'implementer.parallel.maxWorker' (did you mean 'maxWorkers'?)" "${out}")
expect_in("the pre-implement hook failed (exit 3); nothing was started" "${out}")
run_flow(out rc check ${tasks2})
expect_in("0 done, 24 pending" "${out}")
file(WRITE ${work2}/.flow/config.yaml
  "implementer:\n  parallel:\n    maxWorkers: 2\nagent:\n  command: [\"${AGENT}\"]\n"
  "hooks:\n  task-complete: [\"sh\", \"-c\", \"echo $FLOW_TASK_ID >> hooks.log\"]\n"
  "  post-implement: [\"sh\", \"-c\", \"echo post >> hooks.log\"]\n")
run_flow(out rc run ${tasks2})
expect("configured run: expected 0, got ${rc}: ${out}" ${rc} EQUAL 0)
expect_in("(2 workers)" "${out}")
file(STRINGS ${work2}/hooks.log hook_lines)
list(LENGTH hook_lines n_hooks)
expect("expected 25 hook lines, got ${n_hooks}" ${n_hooks} EQUAL 25)
list(GET hook_lines -1 last_hook)
expect("post-implement ran last: ${last_hook}" "${last_hook}" STREQUAL "post")

# An agent that reports its cost (a stand-in Aider through flow's Aider adapter, $0.05 an
# attempt) under budget.maxCostUsd: the end report and status give the cost per task and
# run, and say that the budget stopped the run.
get_filename_component(agents_dir ${AGENT} DIRECTORY)
set(work3 ${CMAKE_CURRENT_BINARY_DIR}/cli-status-budget)
file(REMOVE_RECURSE ${work3})
file(COPY ${EXAMPLES}/todo-cli/ DESTINATION ${work3})
execute_process(COMMAND git init -q ${work3})
file(MAKE_DIRECTORY ${work3}/.flow)
set(tasks3 ${work3}/specs/001-todo-cli/tasks.md)
file(WRITE ${work3}/.flow/config.yaml
  "implementer:\n  parallel:\n    maxWorkers: 1\ntesting:\n  runTests: false\nagent:\n  name: aider\n"
  "agents:\n  aider:\n    program: ${agents_dir}/fake-aider.sh\nbudget:\n  maxCostUsd: 0.15\n"
  "hooks:\n  budget-reached: [sh, -c, 'echo \"$FLOW_EVENT|$FLOW_BUDGET_SCOPE|$FLOW_COST_USD|$FLOW_BUDGET_USD\" >> budget.log']\n")
run_flow(out rc run ${tasks3} --isolation none)
expect("budget run: expected exit 1, got ${rc}: ${out}" ${rc} EQUAL 1)
expect_in("cost $0.1500 (as the agents estimated it): T001 $0.0500, T002 $0.0500, T003 $0.0500" "${out}")
expect_in("stopped by its budget: the run has cost $0.1500, its budget is $0.1500 (budget.maxCostUsd)" "${out}")
expect_in("3 succeeded, 0 failed, 21 blocked" "${out}")
# The budget-reached hook, once, with what was spent and the limit.
file(READ ${work3}/budget.log budget_log)
expect("budget-reached hook: ${budget_log}" "${budget_log}" STREQUAL "budget-reached|run|0.150000|0.150000\n")
run_flow(out rc status ${tasks3})
expect_in("agent cost $0.1500 (as the agents estimated it)" "${out}")
expect_in("stopped by its budget" "${out}")
expect_in("$0.0500" "${out}")
run_flow(out rc status ${tasks3} --json)
string(JSON reported GET "${out}" run cost_reported)
expect("status --json cost_reported: ${reported}" "${reported}" STREQUAL "ON")
string(JSON why GET "${out}" run budget_reached)
expect_in("budget.maxCostUsd" "${why}")
