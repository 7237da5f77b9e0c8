# SPDX-License-Identifier: MIT
# `flow plan` and `flow simulate` end to end: output, JSON, exit codes, errors with file:line.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

set(example ${EXAMPLES}/todo-cli/specs/001-todo-cli/tasks.md)
run_flow(out rc plan ${example} --workers 3)
expect("plan exited ${rc}: ${out}" ${rc} EQUAL 0)
expect_in("Critical path (12 tasks" "${out}")
expect_in("Estimated makespan on 3 workers" "${out}")

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
run_flow(out rc plan ${example} --explain T999)
expect("unknown --explain: expected 2, got ${rc}" ${rc} EQUAL 2)
run_flow(out rc plan ${example} --workers 0)
expect("--workers 0: expected 2, got ${rc}" ${rc} EQUAL 2)

# simulate: all done exits 0; an auth failure exits 1 and names what it blocked.
run_flow(out rc simulate ${example} --workers 2 --seed 3)
expect("simulate exited ${rc}: ${out}" ${rc} EQUAL 0)
expect_in("efficiency" "${out}")
expect_in("24 succeeded" "${out}")
run_flow(out rc simulate ${example} --faults T014=auth --workers 2)
expect("simulate with auth fault: expected 1, got ${rc}" ${rc} EQUAL 1)
expect_in("failed:  T014" "${out}")
expect_in("blocked: T016 (by T014)" "${out}")
run_flow(out rc simulate ${example} --only T008-T012)
expect_in("blocked: T008 needs T004, T005, T006, T007" "${out}")
run_flow(out rc simulate ${example} --faults T014=bogus)
expect("bad fault: expected 2, got ${rc}" ${rc} EQUAL 2)
# The same seed gives the same run.
run_flow(a rc simulate ${example} --seed 11 --json)
run_flow(b rc simulate ${example} --seed 11 --json)
expect("simulate is not deterministic" "${a}" STREQUAL "${b}")
