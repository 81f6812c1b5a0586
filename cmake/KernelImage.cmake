# add_kernel_image(<name> KIND product|unit|binary SOURCES ... [OBJECTS ...] [ISO file [INITRD archive]] [UNSANITIZED])
#
# Links <name>.elf from the kernel's product objects (compiled once, see
# CMakeLists.txt) plus SOURCES/OBJECTS, with the linker script for KIND:
#   product  nothing of ktest is linked; the ktest sections are discarded
#            for good measure
#   unit     the tests beside the kernel code (kernel_test_objs) are linked
#            and every KTEST() case is kept
#   binary   only the KTEST cases of the file's own sources are kept
#   bench    the tests beside the kernel code are linked as for unit, but
#            the cases the executor runs are the KBENCH benchmarks
#            (.ktest_benches); every other kind discards them
# SOURCES of a unit or binary image are test code: they may include ktest/.
#
# Test kernels boot straight from the ELF (QEMU -kernel, through the PVH note
# in boot.asm). Only an image given ISO also gets a GRUB ISO that boots it:
# the product, and the unit kernel (so CTest keeps covering the GRUB path).
#
# A unit or binary image is built with the kernel sanitizers (kernel objects
# and SOURCES alike, cmake/Sanitizers.cmake) unless UNSANITIZED is given (the
# benchmark kernel); the product never is.

find_program(GRUB_MKRESCUE grub-mkrescue REQUIRED)

set(KERNEL_LINKER_TEMPLATE ${CMAKE_SOURCE_DIR}/src/arch/x86_64/linker.ld.in)

function(_kernel_linker_script kind out_var)
  set(script ${CMAKE_BINARY_DIR}/linker/${kind}.ld)
  if(kind STREQUAL "product")
    set(KTEST_SECTIONS "")
    set(KTEST_DISCARD "        *(.ktest_cases) *(.ktest_local_cases) *(.ktest_hooks) *(.ktest_strings) *(.ktest_benches)")
  elseif(kind STREQUAL "unit")
    set(KTEST_SECTIONS "        . = ALIGN(8);\n        __ktest_cases_start = .;\n        KEEP(*(.ktest_cases))\n        __ktest_cases_end = .;\n        . = ALIGN(8);\n        __ktest_hooks_start = .;\n        KEEP(*(.ktest_hooks))\n        __ktest_hooks_end = .;\n        *(.ktest_strings)")
    set(KTEST_DISCARD "        *(.ktest_local_cases) *(.ktest_benches)")
  elseif(kind STREQUAL "binary")
    set(KTEST_SECTIONS "        . = ALIGN(8);\n        __ktest_cases_start = .;\n        KEEP(*(.ktest_local_cases))\n        __ktest_cases_end = .;\n        . = ALIGN(8);\n        __ktest_hooks_start = .;\n        KEEP(*(.ktest_local_hooks))\n        __ktest_hooks_end = .;\n        *(.ktest_strings)")
    set(KTEST_DISCARD "        *(.ktest_cases) *(.ktest_hooks) *(.ktest_benches)")
  elseif(kind STREQUAL "bench")
    set(KTEST_SECTIONS "        . = ALIGN(8);\n        __ktest_cases_start = .;\n        KEEP(*(.ktest_benches))\n        __ktest_cases_end = .;\n        . = ALIGN(8);\n        __ktest_hooks_start = .;\n        KEEP(*(.ktest_hooks))\n        __ktest_hooks_end = .;\n        *(.ktest_strings)")
    set(KTEST_DISCARD "        *(.ktest_cases) *(.ktest_local_cases) *(.ktest_local_hooks)")
  else()
    message(FATAL_ERROR "unknown kernel image kind '${kind}'")
  endif()
  # Coverage builds (cmake/Coverage.cmake): keep every object's gcov_info pointer.
  set(COVERAGE_SECTIONS "")
  if(KESTREL_COVERAGE AND NOT kind STREQUAL "product")
    set(COVERAGE_SECTIONS "        . = ALIGN(8);\n        __gcov_info_start = .;\n        KEEP(*(.gcov_info))\n        __gcov_info_end = .;")
  endif()
  configure_file(${KERNEL_LINKER_TEMPLATE} ${script} @ONLY) # @MEMORY_LAYOUT_LD@: the generated layout
  set(${out_var} ${script} PARENT_SCOPE)
endfunction()

function(add_kernel_image name)
  cmake_parse_arguments(ARG "UNSANITIZED" "KIND;ISO;CMDLINE;INITRD" "SOURCES;OBJECTS" ${ARGN})
  _kernel_linker_script(${ARG_KIND} script)
  if(ARG_KIND STREQUAL "unit")
    list(APPEND ARG_OBJECTS $<TARGET_OBJECTS:kernel_test_objs>)
  elseif(ARG_KIND STREQUAL "bench")
    list(APPEND ARG_OBJECTS $<TARGET_OBJECTS:kernel_bench_objs>)
  endif()
  set(sanitized FALSE)
  set(kernel_objects $<TARGET_OBJECTS:kernel_objs>)
  if(NOT ARG_KIND STREQUAL "product" AND NOT ARG_UNSANITIZED)
    set(sanitized TRUE)
    set(kernel_objects $<TARGET_OBJECTS:kernel_objs_sanitized>)
  endif()
  add_executable(${name} ${ARG_SOURCES} ${kernel_objects} ${ARG_OBJECTS})
  if(sanitized)
    target_link_libraries(${name} PRIVATE kernel_sanitizer_flags)
  endif()
  set_target_properties(${name} PROPERTIES OUTPUT_NAME ${name}.elf LINK_DEPENDS "${script};${MEMORY_LAYOUT_LD}")
  add_dependencies(${name} memory_layout)
  target_link_libraries(${name} PRIVATE kernel_flags)
  if(NOT ARG_KIND STREQUAL "product")
    target_link_libraries(${name} PRIVATE ktest_flags)
  endif()
  target_link_options(${name} PRIVATE -T ${script})
  # libgcc, for any helper routine GCC may call (none is needed today).
  target_link_libraries(${name} PRIVATE gcc)
  if(NOT ARG_KIND STREQUAL "product")
    set_property(GLOBAL APPEND PROPERTY KESTREL_TEST_KERNELS ${name})
    if(KESTREL_COVERAGE) # the counters' dump and libgcov's __gcov_info_to_gcda (cmake/Coverage.cmake)
      target_sources(${name} PRIVATE $<TARGET_OBJECTS:coverage_objs>)
      target_link_libraries(${name} PRIVATE gcov)
    endif()
  endif()

  if(NOT ARG_ISO)
    return()
  endif()
  set(iso ${CMAKE_CURRENT_BINARY_DIR}/${ARG_ISO})
  # With INITRD, the archive rides along as the first multiboot2 module.
  add_custom_command(OUTPUT ${iso}
    COMMAND ${CMAKE_SOURCE_DIR}/tools/make_iso.sh $<TARGET_FILE:${name}> ${iso} "${ARG_CMDLINE}" "${ARG_INITRD}"
    DEPENDS ${name} ${CMAKE_SOURCE_DIR}/tools/make_iso.sh ${ARG_INITRD}
    COMMENT "GRUB ISO ${ARG_ISO}"
    VERBATIM)
  add_custom_target(${name}_iso ALL DEPENDS ${iso})
endfunction()
