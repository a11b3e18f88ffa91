# Warnings apply to nimbus's own targets only, never to third-party headers.
function(nimbus_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
  if(NIMBUS_SANITIZE)
    # GCC 12 reports false maybe-uninitialized warnings inside libstdc++ under the sanitizers.
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
endfunction()

# nimbus_add_library(NAME SOURCES... DEPS ...): one static library per module under src/.
function(nimbus_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  nimbus_warnings(${name})
endfunction()

# nimbus_add_test(NAME SOURCES... DEPS ...): a GoogleTest executable registered with CTest.
function(nimbus_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    NIMBUS_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    NIMBUS_CONFORMANCE_DIR="${PROJECT_SOURCE_DIR}/tests/conformance/events")
  nimbus_warnings(${name})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES TIMEOUT 300)
endfunction()

# nimbus_add_bench(NAME SOURCES... DEPS ...): a Google Benchmark executable (never run by CTest).
function(nimbus_add_bench name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark)
  nimbus_warnings(${name})
endfunction()
