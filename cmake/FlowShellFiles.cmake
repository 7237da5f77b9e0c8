# SPDX-License-Identifier: MIT
# Writes the shell completions and the man page that the flow CLI generates from its
# option table:  cmake -DFLOW=<flow> -DOUT=<dir> -P FlowShellFiles.cmake
file(MAKE_DIRECTORY ${OUT})
foreach(pair "bash;flow.bash" "zsh;_flow" "fish;flow.fish" "man;flow.1")
  list(GET pair 0 what)
  list(GET pair 1 name)
  execute_process(COMMAND ${FLOW} completion ${what} OUTPUT_FILE ${OUT}/${name} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "flow completion ${what} failed (${rc})")
  endif()
endforeach()
