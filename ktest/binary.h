#pragma once
// For test files that are kernels of their own (tests/integration,
// tests/should_panic): how far the kernel initialises before the cases run.
//
//   KTEST_INIT_STAGE(Consoles);   // default: Everything

#include "kernel/init.h"

#define KTEST_INIT_STAGE(stage)                                                                                   \
    extern const ::kernel::InitStage ktest_init_stage;                                                            \
    const ::kernel::InitStage ktest_init_stage = ::kernel::InitStage::stage
