# SPDX-License-Identifier: MIT
# flow_warnings: warnings (and, when asked, sanitizers) for flow's own targets only.
# An unexported INTERFACE target; flow_target_defaults() copies its settings onto a
# target PRIVATE-ly, so nothing of it reaches consumers or the export set (CMake
# refuses to export a static library that links an unexported target, even PRIVATE).
add_library(flow_warnings INTERFACE)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(flow_warnings INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
    -Wnon-virtual-dtor -Wimplicit-fallthrough $<$<BOOL:${FLOW_WARNINGS_AS_ERRORS}>:-Werror>>)
elseif(MSVC)
  target_compile_options(flow_warnings INTERFACE /W4 $<$<BOOL:${FLOW_WARNINGS_AS_ERRORS}>:/WX>)
endif()
if(FLOW_SANITIZE)
  target_compile_options(flow_warnings INTERFACE -fsanitize=${FLOW_SANITIZE}
                         -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(flow_warnings INTERFACE -fsanitize=${FLOW_SANITIZE})
endif()

function(flow_target_defaults target)
  target_compile_options(${target} PRIVATE $<TARGET_PROPERTY:flow_warnings,INTERFACE_COMPILE_OPTIONS>)
  target_link_options(${target} PRIVATE $<TARGET_PROPERTY:flow_warnings,INTERFACE_LINK_OPTIONS>)
endfunction()
