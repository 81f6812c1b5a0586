# Kestrel: the two commands are `make run` and `make test`. This Makefile is a
# thin wrapper over CMake (build directory: build/). Missing tools are
# installed first (tools/setup.sh; it uses sudo when not root).

BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
export ACCEL ?= tcg
export DISK DISK_BUS UEFI INIT
# The system interpreter when there is one (as CMake picks for CTest): a
# version manager's shim costs 0.2-0.3 s per start, and the tools start many.
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)

.PHONY: all build deps run run-serial debug record test bench-tests bench coverage fuzz clean help

all: build

help:
	@echo "make run          boot the kernel in QEMU (window, or VGA text in the terminal)"
	@echo "make run-serial   boot with COM1 on the terminal"
	@echo "make debug        boot halted, waiting for gdb (prints the gdb command)"
	@echo "make record       record the boot to the shell: docs/images/boot.gif, boot-screen.png"
	@echo "make test         build and run every test through CTest"
	@echo "make test T=GLOBS only the KTEST cases GLOBS selects (T='vga_text.*,heap.*')"
	@echo "make bench-tests  time the test binaries against the floor kernel"
	@echo "make bench        allocator and kernel benchmarks"
	@echo "make coverage     line coverage of src/ (HTML in $(BUILD)/coverage/)"
	@echo "make fuzz         fuzz the parsers of outside data, FUZZ_SECONDS each (300)"
	@echo "ACCEL=kvm|auto    use KVM (auto: only if a quick probe boots)"
	@echo "DISK=path.img     make run with a disk image attached (DISK_BUS=virtio, the default, or ide)"
	@echo "UEFI=1            make run under UEFI firmware (OVMF) instead of the PC BIOS"
	@echo "INIT=busybox      make run into Debian's busybox sh instead of ours (INIT=/path: any program)"

deps:
	@tools/setup.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

run: build
	@tools/run.sh screen $(BUILD)/os.iso $(BUILD)/kernel.elf

run-serial: build
	@tools/run.sh serial $(BUILD)/os.iso $(BUILD)/kernel.elf

debug: build
	@tools/run.sh debug $(BUILD)/os.iso $(BUILD)/kernel.elf

# QEMU screendumps of the boot and a few commands typed at the shell, put
# together by ImageMagick (tools/record_boot.py); UEFI=1 records under OVMF.
record: build
	$(PYTHON) tools/record_boot.py --iso $(BUILD)/os.iso $(if $(filter-out 0,$(UEFI)),--uefi)

# make test T='vga_text.*': only the cases the globs select, in whichever
# kernels hold them (tools/ktest_select.py).
test: build
ifdef T
	$(PYTHON) tools/ktest_select.py --build $(BUILD) '$(T)'
else
	ctest --test-dir $(BUILD) -j$(JOBS) --output-on-failure
endif

bench-tests: build
	$(PYTHON) tools/bench_tests.py --build $(BUILD) --write docs/performance.md

bench: build
	cmake --build $(BUILD) --target bench -j$(JOBS)

# Coverage: a build tree of its own, instrumented (cmake/Coverage.cmake); the
# normal build and the product are untouched.
COVERAGE_TREE = $(BUILD)/coverage-tree

$(COVERAGE_TREE)/CMakeCache.txt: | deps
	cmake -S . -B $(COVERAGE_TREE) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKESTREL_COVERAGE=ON

coverage: deps $(COVERAGE_TREE)/CMakeCache.txt
	cmake --build $(COVERAGE_TREE) --target coverage-build -j$(JOBS)
	$(PYTHON) tools/coverage.py --tree $(COVERAGE_TREE) --out $(BUILD)/coverage --jobs $(JOBS)
# make fuzz FUZZ_SECONDS=N: each libFuzzer harness for N s (tests/fuzz).
fuzz: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) --target fuzzers -j$(JOBS)
	tests/fuzz/run_fuzzers.sh $(BUILD) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD)
