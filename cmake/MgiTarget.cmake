# Compile options for first-party code only (generated code gets none of these).
function(mgi_target_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
  target_compile_definitions(${target} PRIVATE MGI_DATA_DIR="${MGI_DATA_DIR}")
endfunction()

# mgi_test(NAME name SOURCES ... LIBS ...): one GoogleTest binary, its tests discovered by CTest.
function(mgi_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  mgi_target_options(${T_NAME})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${T_NAME} PRIVATE
    MGI_BIN_DIR="${CMAKE_RUNTIME_OUTPUT_DIRECTORY}" MGI_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  gtest_discover_tests(${T_NAME} DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT})
endfunction()
