# SPDX-License-Identifier: MIT
# `flow plan` and `flow simulate` end to end: output, JSON, exit codes, errors with file:line.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

set(example ${EXAMPLES}/todo-cli/specs/001-todo-cli/tasks.md)
run_flow(out rc plan ${example} --workers 3)
expect("plan exited ${rc}: ${out}" ${rc} EQUAL 0)
expect_in("Critical path (12 tasks" "${out}")
expect_in("Estimated makespan on 3 workers" "${out}")
expect_in("against the tight bound" "${out}")
expect_in("without history" "${out}")

run_flow(out rc plan ${example} --explain T012)
expect("explain exited ${rc}" ${rc} EQUAL 0)
expect_in("T010                         task-reference, line 38: depends on T010" "${out}")
expect_in("group-order, line 34" "${out}")

run_flow(out rc plan ${example} --json)
string(JSON n LENGTH "${out}" tasks)
expect("plan --json: ${n} tasks" ${n} EQUAL 24)
string(JSON w GET "${out}" tasks 11 waits_for)
expect_in("T010" "${w}")
string(JSON cp LENGTH "${out}" critical_path)
expect("critical path of ${cp}" ${cp} EQUAL 12)

run_flow(out rc plan ${example} --dot)
expect_in("digraph flow" "${out}")
run_flow(out rc plan ${example} --mermaid)
expect_in("flowchart TD" "${out}")

# A cycle: exit 1 and path:line: error naming the tasks.
set(tmp ${CMAKE_CURRENT_BINARY_DIR}/cli-plan-tmp)
file(MAKE_DIRECTORY ${tmp})
file(WRITE ${tmp}/cycle.md "- [ ] T001 [P] a (depends on T002)\n- [ ] T002 [P] b (depends on T001)\n")
run_flow(out rc plan ${tmp}/cycle.md)
expect("cycle: expected exit 2, got ${rc}: ${out}" ${rc} EQUAL 2)
expect_in("${tmp}/cycle.md:" "${out}")
expect_in("dependency cycle: T001 (line 1) -> T002 (line 2) -> T001 (line 1)" "${out}")
# A refused file is said whole: the cycle does not hide a broken task line beside it.
file(WRITE ${tmp}/cycle2.md "- [ ] T001 [P] a (depends on T002)\n- [] T009 broken\n- [ ] T002 [P] b (depends on T001)\n")
run_flow(out rc plan ${tmp}/cycle2.md)
expect("cycle2: expected exit 2, got ${rc}: ${out}" ${rc} EQUAL 2)
expect_in("${tmp}/cycle2.md:2: warning: this looks like a task" "${out}")
expect_in("${tmp}/cycle2.md:3: error: dependency cycle" "${out}")

# A task marked [~] is shown as marked, not done, and what names it is said to wait.
file(WRITE ${tmp}/tilde.md "- [X] T001 a\n- [~] T002 b\n- [ ] T003 c (depends on T002)\n")
run_flow(out rc plan ${tmp}/tilde.md)
expect("tilde: plan exited ${rc}: ${out}" ${rc} EQUAL 0)
expect_in("T002[~]" "${out}")
string(FIND "${out}" "T002✓" at)
expect("tilde: T002 shown done" ${at} EQUAL -1)
expect_in("tilde.md:3: warning: T003 waits for T002 (depends on T002), which the file marks [~]" "${out}")
run_flow(out rc simulate ${tmp}/tilde.md)
expect_in("blocked by T002: T003" "${out}")
run_flow(out rc plan ${example} --explain T999)
expect("unknown --explain: expected 2, got ${rc}" ${rc} EQUAL 2)
run_flow(out rc plan ${example} --workers 0)
expect("--workers 0: expected 2, got ${rc}" ${rc} EQUAL 2)

# simulate: all done exits 0; an auth failure exits 1 and names what it blocked.
run_flow(out rc simulate ${example} --workers 2 --seed 3)
expect("simulate exited ${rc}: ${out}" ${rc} EQUAL 0)
expect_in("efficiency" "${out}")
expect_in("against the tight bound" "${out}")
expect_in("24 succeeded" "${out}")

# --eta-trace: one JSON line per completion; the forecast of a finished run is its end.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/cli-plan-durations.txt "T001 30\nT002 45\nT003 12\n")
run_flow(out rc simulate ${example} --workers 2 --durations ${CMAKE_CURRENT_BINARY_DIR}/cli-plan-durations.txt --eta-trace)
expect("eta trace exited ${rc}: ${out}" ${rc} EQUAL 0)
string(REPLACE "\n" ";" trace_lines "${out}")
list(FILTER trace_lines INCLUDE REGEX "^{")
list(LENGTH trace_lines trace_n)
expect("eta trace: ${trace_n} lines" ${trace_n} EQUAL 24)
list(GET trace_lines 0 first)
foreach(key done total time eta eta_low eta_high bottleneck)
  string(JSON v ERROR_VARIABLE e GET "${first}" ${key})
  expect("eta trace line without ${key}: ${first}" "${e}" STREQUAL "NOTFOUND")
endforeach()
string(JSON total GET "${first}" total)
expect("eta trace total ${total}" ${total} EQUAL 24)
list(GET trace_lines 23 last)
string(JSON t GET "${last}" time)
string(JSON eta GET "${last}" eta)
expect("the last forecast (${eta}) is not the finish (${t})" "${t}" STREQUAL "${eta}")
# The trace names what holds ready tasks back: a closed rate-limit gate (T001 hits the
# limit at 10 s, the gate stays closed until 110 s, and T002 ends at 20 s), and a
# resource a running task holds (T001 and T002 share a database; T003 ends first).
set(gate_md ${CMAKE_CURRENT_BINARY_DIR}/cli-plan-gate.tasks.md)
file(WRITE ${gate_md} "## Phase 1: Setup\n- [ ] T001 [P] One in a.py\n- [ ] T002 [P] Two in b.py\n- [ ] T003 [P] Three in c.py\n")
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/cli-plan-gate-durations.txt "T001 10\nT002 20\nT003 5\n")
run_flow(out rc simulate ${gate_md} --workers 2 --durations ${CMAKE_CURRENT_BINARY_DIR}/cli-plan-gate-durations.txt
         --faults T001=rate_limit@100 --eta-trace)
expect("gate trace exited ${rc}: ${out}" ${rc} EQUAL 0)
expect_in("rate-limit gate closed (T001 hit the limit)" "${out}")
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/cli-plan-db-durations.txt "T001 20\nT002 10\nT003 5\n")
run_flow(out rc simulate ${gate_md} --workers 3 --durations ${CMAKE_CURRENT_BINARY_DIR}/cli-plan-db-durations.txt
         --resource T001=db --resource T002=db --eta-trace)
expect("resource trace exited ${rc}: ${out}" ${rc} EQUAL 0)
expect_in("T002 waits for resource db (held by T001)" "${out}")
run_flow(out rc simulate ${example} --faults T014=auth --workers 2)
expect("simulate with auth fault: expected 1, got ${rc}" ${rc} EQUAL 1)
expect_in("failed:  T014" "${out}")
expect_in("blocked by T014: T016, T020, T021, T022, T023, T024 (6 tasks)" "${out}")
# A failure early in the file: one line for what it blocks, a few IDs and the count.
run_flow(out rc simulate ${example} --faults T006=auth --workers 2)
expect_in("blocked by T006: T007, T008, T009, T010, T011, T012, T013, T014 and 10 more (18 tasks)" "${out}")
string(REGEX MATCHALL "blocked" blocked_words "${out}")
list(LENGTH blocked_words n_blocked)
expect("one line for the 18 blocked tasks, got ${n_blocked} mentions: ${out}" ${n_blocked} EQUAL 2)
# The recovery ladder from the settings file: each step's strategy on its retry, then
# needs-attention (not a plain failure) when it runs out; T002, independent, succeeds.
set(ladder_dir ${CMAKE_CURRENT_BINARY_DIR}/cli-plan-ladder)
file(REMOVE_RECURSE ${ladder_dir})
execute_process(COMMAND git init -q ${ladder_dir})  # its own repository, not the source tree
file(MAKE_DIRECTORY ${ladder_dir}/.flow)
file(WRITE ${ladder_dir}/tasks.md "## Phase 1: Setup\n- [ ] T001 [P] One in a.py\n- [ ] T002 [P] Two in b.py\n")
file(WRITE ${ladder_dir}/.flow/config.yaml "errorRecovery:\n  maxRetries: 3\n  fallback:\n"
     "    - {fromAttempt: 2, strategy: alternative}\n    - {fromAttempt: 3, agent: codex, strategy: simplified}\n"
     "    - {fromAttempt: 4, instruction: 'one file'}\n")
run_flow(out rc simulate ${ladder_dir}/tasks.md --faults T001=validation*9)
expect("ladder simulate: expected 1, got ${rc}: ${out}" ${rc} EQUAL 1)
string(REGEX MATCH "retry  T001 +\\(attempt 2\\)  after [0-9.]+ s, strategy alternative\n" step2 "${out}")
string(LENGTH "${step2}" step2_n)
expect("ladder simulate: attempt 2's strategy: ${out}" ${step2_n} GREATER 0)
string(REGEX MATCH "retry  T001 +\\(attempt 3\\)  after [0-9.]+ s with codex, strategy simplified\n" step3 "${out}")
string(LENGTH "${step3}" step3_n)
expect("ladder simulate: attempt 3's agent and strategy: ${out}" ${step3_n} GREATER 0)
string(REGEX MATCH "\\(attempt 4\\)  after [0-9.]+ s with codex, strategy simplified, with its instruction" step4 "${out}")
string(LENGTH "${step4}" step4_n)
expect("ladder simulate: attempt 4's instruction: ${out}" ${step4_n} GREATER 0)
string(REGEX MATCH "needs-attention T001 +\\(attempt 4\\)  gave up after 4 attempts" end "${out}")
string(LENGTH "${end}" end_n)
expect("ladder simulate: the end state: ${out}" ${end_n} GREATER 0)
expect_in("needs attention: T001" "${out}")
expect_in("1 succeeded" "${out}")
run_flow(out rc simulate ${ladder_dir}/tasks.md --faults T001=validation*9 --json)
string(JSON st GET "${out}" tasks 0 status)
expect("ladder simulate --json: T001 is ${st}" "${st}" STREQUAL "needs-attention")
# An auth failure is no person's puzzle: failed, not needs-attention.
run_flow(out rc simulate ${ladder_dir}/tasks.md --faults T001=auth)
expect_in("failed:  T001" "${out}")
run_flow(out rc simulate ${example} --only T008-T012)
expect_in("blocked: T008 needs T004, T005, T006, T007" "${out}")
run_flow(out rc simulate ${example} --faults T014=bogus)
expect("bad fault: expected 2, got ${rc}" ${rc} EQUAL 2)
# The same seed gives the same run.
run_flow(a rc simulate ${example} --seed 11 --json)
run_flow(b rc simulate ${example} --seed 11 --json)
expect("simulate is not deterministic" "${a}" STREQUAL "${b}")

# Agents (issue 14): with a fallback, T001's usage limit (a gate closed for 100 s) moves
# the ready tasks to codex instead of waiting; codex's maxWorkers holds it to one.
run_flow(out rc simulate ${gate_md} --workers 2 --durations ${CMAKE_CURRENT_BINARY_DIR}/cli-plan-gate-durations.txt
         --faults T001=rate_limit@100 --agent claude --fallback codex --agent-workers codex=1 --json)
expect("fallback exited ${rc}: ${out}" ${rc} EQUAL 0)
string(JSON makespan GET "${out}" makespan)
expect("fallback: the run waited for the gate (makespan ${makespan})" ${makespan} LESS 100)
expect_in("\"kind\":\"start\",\"task\":\"T001\",\"attempt\":2,\"detail\":\"codex\"" "${out}")
run_flow(out rc simulate ${gate_md} --workers 2 --durations ${CMAKE_CURRENT_BINARY_DIR}/cli-plan-gate-durations.txt
         --faults T001=rate_limit@100 --json)
string(JSON makespan GET "${out}" makespan)
expect("no fallback: the gate holds the run (makespan ${makespan})" ${makespan} GREATER 100)
# 429s without a reset halve the agent's concurrency, which comes back one by one.
run_flow(out rc simulate ${example} --workers 4 --seed 5 --faults "T002=rate_limit*2,T003=rate_limit*2")
expect("shrink exited ${rc}: ${out}" ${rc} EQUAL 0)
expect_in("default: at most 2 of 4 workers (rate limited)" "${out}")
expect_in("(recovered)" "${out}")
# The budget stop: nothing new starts once $1 is spent; the report says why; exit 1.
run_flow(out rc simulate ${example} --workers 2 --costs "*=0.3" --budget 1)
expect("budget exited ${rc}: ${out}" ${rc} EQUAL 1)
expect_in("budget-reached" "${out}")
expect_in("budget      the run has cost $1.2000, its budget is $1.0000 (budget.maxCostUsd)" "${out}")
run_flow(out rc simulate ${example} --costs "T001=x")
expect("bad --costs: exit ${rc}" ${rc} EQUAL 2)
