#pragma once
// For test files that are kernels of their own (tests/integration,
// tests/should_panic): how far the kernel initialises before the cases run.
//
//   KTEST_INIT_STAGE(Consoles);   // default: Everything

#include "kernel/init.h"

#define KTEST_INIT_STAGE(stage)                                                                                   \
    extern const ::kernel::InitStage ktest_init_stage;                                                            \
    const ::kernel::InitStage ktest_init_stage = ::kernel::InitStage::stage

// Code a test kernel runs once after initialisation and before its first
// case, outside any case: a panic here is a real kernel panic.
//
//   KTEST_BINARY_SETUP() { start_the_device(); }
#define KTEST_BINARY_SETUP()                                                                                      \
    extern "C" void ktest_binary_setup();                                                                         \
    extern "C" void ktest_binary_setup()
