# SPDX-License-Identifier: MIT
# Helpers for the CLI end-to-end scripts (run with cmake -P; FLOW is the CLI).

# run_flow(<out> <rc> args…): runs flow, stdout and stderr together in <out>.
function(run_flow out_var rc_var)
  execute_process(COMMAND ${FLOW} ${ARGN} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  set(${out_var} "${out}${err}" PARENT_SCOPE)
  set(${rc_var} ${rc} PARENT_SCOPE)
endfunction()

# expect(<message> <condition…>): fails the test with <message> unless the condition holds.
function(expect msg)
  if(NOT (${ARGN}))
    message(FATAL_ERROR "${msg}")
  endif()
endfunction()

# expect_in(<needle> <haystack>)
function(expect_in needle haystack)
  string(FIND "${haystack}" "${needle}" at)
  expect("'${needle}' not found in:\n${haystack}" ${at} GREATER -1)
endfunction()
