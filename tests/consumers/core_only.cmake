# SPDX-License-Identifier: MIT
# Builds tests/consumers/core_only (FetchContent, C++ API only) and checks that flow's C
# library was not built: flow::c is defined for every consumer but built only when linked.
file(REMOVE_RECURSE ${WORK})
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SRC} -B ${WORK} -G ${GENERATOR} -DFLOW_SOURCE_DIR=${FLOW_SOURCE_DIR}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the core-only consumer failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the core-only consumer failed")
endif()
file(GLOB_RECURSE built ${WORK}/*libflow_c*)
if(built)
  message(FATAL_ERROR "flow's C library was built though nothing links it: ${built}")
endif()
execute_process(COMMAND ${WORK}/consumer RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the core-only consumer failed")
endif()
message("core-only: flow::c defined, libflow_c not built")
