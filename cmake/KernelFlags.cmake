# Compiler and linker flags for kernel code (freestanding, x86_64 kernel model).
# Host code (tests/host) does not use these.

add_library(kernel_flags INTERFACE)

# Product code sees src/ and src/lib/ only: it cannot include ktest/.
target_include_directories(kernel_flags INTERFACE
  ${CMAKE_SOURCE_DIR}/src
  ${CMAKE_SOURCE_DIR}/src/lib)

# Test code (ktest/, *_tests.cpp, tests/) also sees the repository root.
add_library(ktest_flags INTERFACE)
target_include_directories(ktest_flags INTERFACE ${CMAKE_SOURCE_DIR})

target_compile_options(kernel_flags INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:
    # No hosted environment: no libc, and builtins only where we provide them.
    -ffreestanding
    -U_FORTIFY_SOURCE
    # The kernel has no exception runtime and no RTTI; no unwind tables either.
    -fno-exceptions -fno-rtti
    -fno-asynchronous-unwind-tables -fno-unwind-tables
    # Interrupts write below RSP: the red zone would be overwritten.
    -mno-red-zone
    # Code and data live in the top 2 GiB (linked at 0xFFFFFFFF80000000).
    -mcmodel=kernel -fno-pie -fno-pic -fno-plt
    # No SSE/x87/MMX: interrupt entry does not save FPU state.
    -mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2 -mno-80387
    # Statics are first used on the boot CPU before any concurrency (docs).
    -fno-threadsafe-statics
    # Stack canaries in a global (there is no %fs-based TLS in the kernel).
    -fstack-protector-strong -mstack-protector-guard=global
    # Frame pointers for backtraces in panic and exception reports.
    -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer
    # One section per function/object: the product link drops unused (test)
    # code with --gc-sections.
    -ffunction-sections -fdata-sections
    -fcf-protection=none -fno-stack-clash-protection
    # __FILE__ is relative to the repository: short, machine-independent.
    -fmacro-prefix-map=${CMAKE_SOURCE_DIR}/=
    -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-qual
    -Wimplicit-fallthrough -Wundef
  >
  $<$<COMPILE_LANGUAGE:ASM_NASM>:-w+all -Werror -I${CMAKE_SOURCE_DIR}/src/>
)

target_link_options(kernel_flags INTERFACE
  -nostdlib -static -no-pie
  -Wl,--gc-sections
  -Wl,-z,max-page-size=0x1000
  -Wl,-z,noexecstack
  -Wl,--build-id=none
  -Wl,--fatal-warnings
)
