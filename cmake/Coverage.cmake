# Coverage (`make coverage`, tools/coverage.py; docs/testing.md, "Coverage").
#
# With -DKESTREL_COVERAGE=ON (a build tree of its own, build/coverage-tree) the
# code of the test kernels is compiled with GCC's coverage instrumentation. A
# kernel has no file system, so GCC's freestanding scheme is used: with
# -fprofile-info-section each object puts a pointer to its gcov_info into the
# section .gcov_info (no constructor calls __gcov_init); the linker script
# collects them between __gcov_info_start and __gcov_info_end; at the end of a
# run ktest/coverage/gcov_dump.cpp turns each into .gcda bytes with libgcov's
# __gcov_info_to_gcda and streams them out of the debugcon port 0xe9; the host
# writes the .gcda files. The host tests are built with --coverage too.
#
# Off (the default), nothing here changes a build, except for the CTest check
# of the host side at the end.
#
# Included at the end of the top-level CMakeLists.txt, when every target exists.

option(KESTREL_COVERAGE "instrument the test kernels and host tests for coverage (make coverage)" OFF)

if(KESTREL_COVERAGE)
  # -fprofile-update=atomic: interrupt handlers run instrumented code too
  # (console, timer, keyboard); a `lock add` per arc keeps every count exact
  # when an interrupt lands between the load and the store of an increment.
  set(KESTREL_COVERAGE_FLAGS -fprofile-arcs -ftest-coverage -fprofile-info-section
      -fprofile-update=atomic)

  # Everything a test kernel runs is instrumented: the kernel objects test
  # kernels link (the sanitized build of them, cmake/Sanitizers.cmake), the
  # tests beside them, ktest and each test file (inline functions of src/
  # headers are counted where they are called). The report keeps src/ only.
  # The product's objects are not: no coverage run boots the product, and
  # their .gcno files would give gcovr a second, unrun copy of every source.
  get_property(_test_kernels GLOBAL PROPERTY KESTREL_TEST_KERNELS)
  foreach(target kernel_objs_sanitized kernel_test_objs ktest_objs ${_test_kernels})
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${KESTREL_COVERAGE_FLAGS}>)
  endforeach()

  # The dump itself is not instrumented: it must not change the counters it
  # is writing out. Linked into every test kernel (cmake/KernelImage.cmake).
  add_library(coverage_objs OBJECT ${CMAKE_SOURCE_DIR}/ktest/coverage/gcov_dump.cpp)
  target_link_libraries(coverage_objs PUBLIC kernel_flags ktest_flags)

  # The host tests are single-threaded: plain (non-atomic) counter updates are
  # exact there, and atomic ones made the run 20 times slower under ASan.
  if(TARGET host-tests)
    target_compile_options(host-tests PRIVATE --coverage)
    target_link_options(host-tests PRIVATE --coverage)
  endif()

  # The kernels tools/coverage.py boots (CTest's unit.ktest, integration.*,
  # should_panic.* and the sanitizer detectors), and the host tests.
  add_custom_target(coverage-build)
  foreach(target IN LISTS _test_kernels)
    if(target MATCHES "^(ktest-kernel|integration-|should_panic-|detector-ubsan_|detector-kasan_)")
      add_dependencies(coverage-build ${target})
      if(TARGET ${target}_iso)
        add_dependencies(coverage-build ${target}_iso)
      endif()
    endif()
  endforeach()
  if(TARGET host-tests)
    add_dependencies(coverage-build host-tests)
  endif()
endif()

# The host side of the pipeline (the stream reader and the .gcda merger),
# against .gcda files that libgcov itself writes and merges; well under a
# second, so it runs in every `make test`.
find_program(KESTREL_GCC gcc)
if(KESTREL_GCC)
  add_test(NAME coverage.gcda_stream_and_merge
    COMMAND ${Python3_EXECUTABLE} -m unittest -q test_coverage
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tools)
  set_tests_properties(coverage.gcda_stream_and_merge PROPERTIES LABELS coverage TIMEOUT 60)
endif()
