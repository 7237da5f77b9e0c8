# SPDX-License-Identifier: MIT
# `flow run` with failures, then `flow status` (text and JSON) on what it left.
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)

set(work ${CMAKE_CURRENT_BINARY_DIR}/cli-status-work)
file(REMOVE_RECURSE ${work})
file(COPY ${EXAMPLES}/todo-cli/ DESTINATION ${work})
file(MAKE_DIRECTORY ${work}/.git)
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
expect_in("blocked: T016 (by T014)" "${out}")

run_flow(out rc status ${tasks})
expect_in("24 tasks: 17 done, 1 failed, 6 blocked, 0 to do" "${out}")
expect_in("(finished)" "${out}")
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
