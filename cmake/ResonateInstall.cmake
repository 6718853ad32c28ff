# `cmake --install`: the public headers, the libraries, resonate-server, the resonate CLI and
# the CMake package, so that an outside project can write (docs/cmake.md)
#
#   find_package(resonate 0.2 CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE resonate::sdk)   # or resonate::embedded, resonate::server
#
# The libraries are static, so the internal layers they are made of are installed and exported
# too (without headers: only include/ is public). One export set per component, so that a
# remote-only user needs neither SQLite nor libpq to find the package (OpenSSL, for https://,
# is a dependency of every component).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(resonate_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/resonate)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/resonate DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(TARGETS resonate_sdk resonate_network resonate_wire EXPORT resonate-sdk-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS resonate_embedded resonate_testing resonate_local_network resonate_core resonate_store EXPORT resonate-embedded-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS resonate_server EXPORT resonate-server-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS resonate-server resonate-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

foreach(component IN ITEMS sdk embedded server)
  install(EXPORT resonate-${component}-targets NAMESPACE resonate:: DESTINATION ${resonate_cmake_dir})
endforeach()

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/resonateConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/resonateConfig.cmake
                              INSTALL_DESTINATION ${resonate_cmake_dir})
# 0.x: a minor version may break the API, so 0.2 accepts 0.2.* only.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/resonateConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/resonateConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/resonateConfigVersion.cmake
        DESTINATION ${resonate_cmake_dir})
