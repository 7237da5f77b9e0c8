# SPDX-License-Identifier: MIT
# Reads FLOW_VERSION_{MAJOR,MINOR,PATCH} from include/flow/version.hpp, the single source.
file(STRINGS "${CMAKE_CURRENT_LIST_DIR}/../include/flow/version.hpp" _flow_version_lines
     REGEX "^#define FLOW_VERSION_(MAJOR|MINOR|PATCH) [0-9]+$")
foreach(_part MAJOR MINOR PATCH)
  string(REGEX MATCH "FLOW_VERSION_${_part} ([0-9]+)" _m "${_flow_version_lines}")
  if(NOT _m)
    message(FATAL_ERROR "flow: FLOW_VERSION_${_part} not found in include/flow/version.hpp")
  endif()
  set(FLOW_VERSION_${_part} ${CMAKE_MATCH_1})
endforeach()
set(FLOW_VERSION "${FLOW_VERSION_MAJOR}.${FLOW_VERSION_MINOR}.${FLOW_VERSION_PATCH}")
