# Compiler options of our own targets, set per target rather than with add_compile_options so
# that nothing leaks into a project that adds resonate-cpp with add_subdirectory/FetchContent,
# and nothing is exported with the package.

function(resonate_target_build_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  # GCC 12 reports Asio's awaitable frames, which are allocated by their own class-specific
  # operator new, as "mismatched new/delete" once inlining is on: a known false positive.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete)
  endif()
  if(RESONATE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(RESONATE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    # clang 14's -fsanitize=function emits prologue data that its coroutine splitting cannot
    # place ("Cannot represent a difference across sections"); the check only concerns calls
    # through mistyped function pointers.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
      target_compile_options(${target} PRIVATE -fno-sanitize=function)
    endif()
  endif()
endfunction()

# Applies resonate_target_build_options to every compiled target defined in `directory` and
# below, so that no target (a new test, an example) can be forgotten.
function(resonate_apply_build_options directory)
  get_property(targets DIRECTORY ${directory} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY)$")
      resonate_target_build_options(${target})
    endif()
  endforeach()
  get_property(subdirectories DIRECTORY ${directory} PROPERTY SUBDIRECTORIES)
  foreach(subdirectory IN LISTS subdirectories)
    resonate_apply_build_options(${subdirectory})
  endforeach()
endfunction()
