# SPDX-License-Identifier: MIT
# Install rules, the exported package config, and the build-tree export.
include(CMakePackageConfigHelpers)
set(FLOW_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/flow)

set(_flow_targets flow_core flow_flow)
if(FLOW_BUILD_CAPI)   # else flow_c is built only when something links it: nothing to install
  list(APPEND _flow_targets flow_c)
  install(FILES ${PROJECT_SOURCE_DIR}/capi/include/flow/flow.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/flow)
  # pkg-config for C hosts: the C ABI only. Relocatable: the prefix is found from the
  # .pc file's own place, so `cmake --install --prefix X` works.
  file(RELATIVE_PATH FLOW_PC_TO_PREFIX "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  configure_file(${CMAKE_CURRENT_LIST_DIR}/flow.pc.in ${PROJECT_BINARY_DIR}/flow.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/flow.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()
install(TARGETS ${_flow_targets} EXPORT flowTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/flow DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET flow_cli)
  install(TARGETS flow_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  if(TARGET flow_shell_files)
    # Where each shell and man look by default under a prefix (bash-completion's
    # completionsdir, zsh's site-functions, fish's vendor_completions.d).
    install(FILES ${PROJECT_BINARY_DIR}/shell/flow.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
    install(FILES ${PROJECT_BINARY_DIR}/shell/flow.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
            RENAME flow)
    install(FILES ${PROJECT_BINARY_DIR}/shell/_flow DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)
    install(FILES ${PROJECT_BINARY_DIR}/shell/flow.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
  endif()
endif()

install(EXPORT flowTargets NAMESPACE flow:: DESTINATION ${FLOW_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/flowConfig.cmake.in
  ${PROJECT_BINARY_DIR}/flowConfig.cmake INSTALL_DESTINATION ${FLOW_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/flowConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/flowConfig.cmake ${PROJECT_BINARY_DIR}/flowConfigVersion.cmake
  DESTINATION ${FLOW_CMAKE_DIR})
export(EXPORT flowTargets NAMESPACE flow:: FILE ${PROJECT_BINARY_DIR}/flowTargets.cmake)
