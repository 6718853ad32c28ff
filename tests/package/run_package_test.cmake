# CTest package_test (label package), run with cmake -P:
#   1. `cmake --install` the current build into a scratch prefix under the build directory;
#   2. configure and build tests/package (a remote-only worker) as an outside project with
#      find_package(resonate) against that prefix;
#   3. check with readelf that the executable needs neither libpq nor libsqlite3, and that it
#      does need OpenSSL (libssl, libcrypto: https:// in the SDK's transport).
# Variables: BUILD_DIR, SOURCE_DIR (tests/package), WORK_DIR, CXX_COMPILER, LINK_FLAGS.
foreach(variable IN ITEMS BUILD_DIR SOURCE_DIR WORK_DIR CXX_COMPILER)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "package_test: ${variable} is not set")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT result EQUAL 0)
    string(JOIN " " command ${ARGN})
    message(FATAL_ERROR "package_test: `${command}` failed (${result}):\n${output}")
  endif()
endfunction()

set(prefix ${WORK_DIR}/prefix)
set(consumer ${WORK_DIR}/consumer)
file(REMOVE_RECURSE ${prefix} ${consumer})

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(installed IN ITEMS include/resonate/resonate.hpp bin/resonate-server bin/resonate)
  if(NOT EXISTS ${prefix}/${installed})
    message(FATAL_ERROR "package_test: ${installed} is not installed")
  endif()
endforeach()
file(GLOB config ${prefix}/lib*/cmake/resonate/resonateConfig.cmake)
file(GLOB version ${prefix}/lib*/cmake/resonate/resonateConfigVersion.cmake)
if(NOT config OR NOT version)
  message(FATAL_ERROR "package_test: resonateConfig.cmake or resonateConfigVersion.cmake is not installed")
endif()
# Only include/ is public: nothing of lib/ may be installed as a header.
file(GLOB_RECURSE headers RELATIVE ${prefix}/include ${prefix}/include/*)
foreach(header IN LISTS headers)
  if(NOT header MATCHES "^resonate/")
    message(FATAL_ERROR "package_test: ${header} is installed, but only include/resonate/ is public")
  endif()
endforeach()

# --no-as-needed: the linker must keep every library the package asks for, so that NEEDED below
# shows what resonate::sdk links and not only what this small program happens to call.
run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${consumer} -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=Release
    "-DCMAKE_EXE_LINKER_FLAGS=-Wl,--no-as-needed ${LINK_FLAGS}")
run(${CMAKE_COMMAND} --build ${consumer})

set(program ${consumer}/remote_worker)
find_program(readelf readelf REQUIRED)
run(${readelf} -d ${program})
execute_process(COMMAND ${readelf} -d ${program} OUTPUT_VARIABLE dynamic)
string(REGEX MATCHALL "\\(NEEDED\\)[^\n]*\\[[^]]*\\]" needed "${dynamic}")
foreach(library IN ITEMS libpq libsqlite3)
  if(needed MATCHES "\\[${library}\\.so")
    message(FATAL_ERROR "package_test: the remote-only worker links ${library}:\n${dynamic}")
  endif()
endforeach()
# The package's find_dependency(OpenSSL) gave the consumer the libraries the SDK's TLS needs.
foreach(library IN ITEMS libssl libcrypto)
  if(NOT needed MATCHES "\\[${library}\\.so")
    message(FATAL_ERROR "package_test: the remote-only worker does not link ${library} (https://):\n${dynamic}")
  endif()
endforeach()
message(STATUS "package_test: installed, found with find_package, built; needs ${needed}")
