# Shared build settings and the one helper that registers every Qt Test executable.

if(LOSSSTUDIO_USE_CCACHE)
    find_program(LOSSSTUDIO_CCACHE ccache)
    if(LOSSSTUDIO_CCACHE)
        set(CMAKE_CXX_COMPILER_LAUNCHER "${LOSSSTUDIO_CCACHE}")
        message(STATUS "LossStudio: compiling through ${LOSSSTUDIO_CCACHE}")
    endif()
endif()

# Language standard and warnings, carried by every target of ours (never global flags).
add_library(lossstudio_options INTERFACE)
add_library(lossstudio::options ALIAS lossstudio_options)
target_compile_features(lossstudio_options INTERFACE cxx_std_17)
target_compile_options(lossstudio_options INTERFACE
    $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wno-unused-parameter>
    $<$<AND:$<CXX_COMPILER_ID:GNU,Clang>,$<BOOL:${LOSSSTUDIO_WERROR}>>:-Werror>)
set(CMAKE_CXX_EXTENSIONS OFF)
if(LOSSSTUDIO_SANITIZE)
    target_compile_options(lossstudio_options INTERFACE -fsanitize=${LOSSSTUDIO_SANITIZE}
                           -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(lossstudio_options INTERFACE -fsanitize=${LOSSSTUDIO_SANITIZE})
    message(STATUS "LossStudio: sanitizers ${LOSSSTUDIO_SANITIZE}")
endif()
# What a sanitized test runs with: every report is an error that ends the test; leaks are checked
# against tests/sanitizer/lsan.supp (leaks inside Qt's and the system's libraries, not ours).
set(LOSSSTUDIO_SANITIZER_ENV
    "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
    "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
    "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/sanitizer/lsan.supp:print_suppressions=0")

# lossstudio_add_qt_test(NAME name SOURCES a.cpp ... LIBS lib ... [LABELS l ...] [TIMEOUT s])
# Builds one Qt Test executable and registers it with ctest, headless (offscreen platform).
function(lossstudio_add_qt_test)
    cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 300)
    endif()
    add_executable(${T_NAME} ${T_SOURCES})
    set_target_properties(${T_NAME} PROPERTIES AUTOMOC ON)
    target_link_libraries(${T_NAME} PRIVATE lossstudio::options Qt6::Test ${T_LIBS})
    # Qt keywords clash with torch headers: tests use Q_SLOTS / Q_SIGNALS / Q_EMIT.
    target_compile_definitions(${T_NAME} PRIVATE QT_NO_KEYWORDS)
    add_test(NAME ${T_NAME} COMMAND ${T_NAME})
    set(environment "QT_QPA_PLATFORM=offscreen"
        "LOSSSTUDIO_TEST_DATA=${PROJECT_SOURCE_DIR}/tests/data"
        "XDG_DATA_HOME=${CMAKE_BINARY_DIR}/test-xdg")
    if(LOSSSTUDIO_SANITIZE)
        list(APPEND environment ${LOSSSTUDIO_SANITIZER_ENV})
    endif()
    set_tests_properties(${T_NAME} PROPERTIES
        TIMEOUT ${T_TIMEOUT}
        LABELS "${T_LABELS}"
        ENVIRONMENT "${environment}")
endfunction()
