# SPDX-License-Identifier: MIT
# Install rules, the exported package config, and the build-tree export.
include(CMakePackageConfigHelpers)
set(FLOW_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/flow)

install(TARGETS flow_core flow_flow EXPORT flowTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/flow DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET flow_cli)
  install(TARGETS flow_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(EXPORT flowTargets NAMESPACE flow:: DESTINATION ${FLOW_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/flowConfig.cmake.in
  ${PROJECT_BINARY_DIR}/flowConfig.cmake INSTALL_DESTINATION ${FLOW_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/flowConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/flowConfig.cmake ${PROJECT_BINARY_DIR}/flowConfigVersion.cmake
  DESTINATION ${FLOW_CMAKE_DIR})
export(EXPORT flowTargets NAMESPACE flow:: FILE ${PROJECT_BINARY_DIR}/flowTargets.cmake)
