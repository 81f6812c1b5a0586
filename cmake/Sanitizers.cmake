# The kernel sanitizers of test kernels (docs/testing.md, "UBSan and KASAN").
#
# The product (kernel.elf) links kernel_objs, compiled without them. Every
# test kernel (add_kernel_image KIND unit|binary) links kernel_objs_sanitized
# instead: the same sources compiled with kernel_sanitizer_flags, and its own
# test sources get the flags too. ktest/ is not instrumented.
#
# UBSan: -fsanitize=undefined is GCC's set of checks that need no run-time
# library beyond the __ubsan_handle_* functions (src/core/ubsan.cpp):
#   shift (exponent and base), integer-divide-by-zero, signed-integer-overflow,
#   bounds (array indices where the bound is known), alignment, null,
#   object-size (accesses past an object GCC can size), return (falling off a
#   value-returning function), unreachable, vla-bound, bool and enum (loads of
#   values the type cannot hold), pointer-overflow, builtin (ctz/clz of zero),
#   nonnull-attribute and returns-nonnull-attribute.
# Left out: vptr (it needs RTTI, and the kernel has none); float-divide-by-
# zero and float-cast-overflow (not in the set, and the kernel has no floating
# point: -mgeneral-regs-only). Checks recover (GCC's default for these): the
# report fails the running case, and the code goes on.
#
# KASAN: -fsanitize=kernel-address with outline instrumentation (every check
# is a call to __asan_{load,store}{1,2,4,8,16,N}_noabort, src/mem/kasan/
# shadow.cpp, which returns after one compare for anything outside the heap
# area). Only the heap has a shadow: no stack red zones (asan-stack=0) and no
# global red zones (asan-globals=0, which would also need module constructors).

add_library(kernel_sanitizer_flags INTERFACE)
target_compile_options(kernel_sanitizer_flags INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=undefined -fno-sanitize=vptr
    -fsanitize=kernel-address --param=asan-instrumentation-with-call-threshold=0
    --param=asan-stack=0 --param=asan-globals=0>)
# The runtimes are compiled only where these are defined.
target_compile_definitions(kernel_sanitizer_flags INTERFACE $<$<COMPILE_LANGUAGE:CXX>:KESTREL_UBSAN KESTREL_KASAN>)
# The lock order checker (src/sync/spinlock.h) is one more check test kernels carry.
target_compile_definitions(kernel_sanitizer_flags INTERFACE $<$<COMPILE_LANGUAGE:CXX>:KESTREL_LOCK_CHECKS>)

# Files the sanitizers must not instrument, and why:
#   UBSan: its handlers and the report writer (a check in them would call
#   them again).
set(UBSAN_UNINSTRUMENTED
  ${CMAKE_SOURCE_DIR}/src/core/ubsan.cpp
  ${CMAKE_SOURCE_DIR}/src/core/sanitizer_report.cpp)
#   KASAN: its runtime (the checks, the shadow, the quarantine), the heap
#   designs (they read and write their headers and free-list links in memory
#   that is poisoned for everyone else), and memcpy & co., which check each
#   whole range once instead of every byte (src/runtime/memory_functions.cpp);
#   and the page walk, which reads page tables through the direct map, never
#   the heap, so its checks could only pass, and which KASAN itself runs for
#   every frame record of the backtrace it saves at each allocation and free;
#   and the frame allocator and the physical memory manager, whose metadata
#   and frames are reached through the direct map, never the heap (their
#   checks could only pass, and cost the allocate-every-frame case 2.3x).
file(GLOB KASAN_RUNTIME CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/mem/kasan/*.cpp)
set(KASAN_UNINSTRUMENTED
  ${KASAN_RUNTIME}
  ${CMAKE_SOURCE_DIR}/src/core/sanitizer_report.cpp
  ${CMAKE_SOURCE_DIR}/src/mem/heap/bump_allocator.cpp
  ${CMAKE_SOURCE_DIR}/src/mem/heap/linked_list_allocator.cpp
  ${CMAKE_SOURCE_DIR}/src/mem/heap/fixed_size_block_allocator.cpp
  ${CMAKE_SOURCE_DIR}/src/runtime/memory_functions.cpp
  ${CMAKE_SOURCE_DIR}/src/mem/page_walk.cpp
  ${CMAKE_SOURCE_DIR}/src/mem/frame_allocator.cpp
  ${CMAKE_SOURCE_DIR}/src/mem/physical_memory.cpp)

# kernel_objs_sanitized: add_sanitized_kernel_objects(<sources>) after
# kernel_objs exists, with the same sources (and after their own source
# properties are set: these are appended).
function(add_sanitized_kernel_objects)
  set_property(SOURCE ${UBSAN_UNINSTRUMENTED} APPEND PROPERTY COMPILE_OPTIONS -fno-sanitize=undefined)
  set_property(SOURCE ${KASAN_UNINSTRUMENTED} APPEND PROPERTY COMPILE_OPTIONS -fno-sanitize=kernel-address)
  # Reports name files relative to the repository (the compiler records them
  # as CMake passed them: absolute).
  set_property(SOURCE ${CMAKE_SOURCE_DIR}/src/core/ubsan.cpp APPEND PROPERTY
    COMPILE_DEFINITIONS KESTREL_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  add_library(kernel_objs_sanitized OBJECT ${ARGN})
  target_link_libraries(kernel_objs_sanitized PUBLIC kernel_flags kernel_sanitizer_flags)
  target_compile_options(kernel_objs_sanitized PRIVATE $<$<COMPILE_LANGUAGE:ASM_NASM>:-I${CMAKE_BINARY_DIR}/>)
  add_dependencies(kernel_objs_sanitized memory_layout)
endfunction()
