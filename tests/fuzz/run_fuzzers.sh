#!/usr/bin/env bash
# run_fuzzers.sh BUILD_DIR [SECONDS] (make fuzz): each fuzzer in turn for
# SECONDS (default 300; FUZZ_RUNS=N also stops it after N executions), from
# the checked-in seeds and the corpus earlier runs left in
# BUILD_DIR/fuzz/corpus/<parser> (new inputs go there, never into the tree).
# Prints executions, exec/s and libFuzzer's coverage counters per fuzzer; on
# a crash, the report, the saved input and how to replay it, and fails.
set -uo pipefail
build=$1
seconds=${2:-300}
root=$(cd "$(dirname "$0")/../.." && pwd)
status=0
for parser in multiboot2 pvh elf cpio mbr fat acpi; do
    binary=$build/tests/fuzz/fuzz-$parser
    if [ ! -x "$binary" ]; then
        echo "fuzz: no $binary: clang++ with libFuzzer was not found when $build was configured (tools/setup.sh)"
        exit 1
    fi
    corpus=$build/fuzz/corpus/$parser
    artifacts=$build/fuzz/artifacts/$parser
    log=$build/fuzz/$parser.log
    mkdir -p "$corpus" "$artifacts"
    echo "fuzz-$parser: ${seconds} s${FUZZ_RUNS:+ or $FUZZ_RUNS executions} (log: $log)"
    "$binary" -max_total_time="$seconds" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} -max_len=$(case $parser in fat|acpi) echo 65536;; *) echo 8192;; esac) -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "$root/tests/fuzz/corpus/$parser" >"$log" 2>&1
    result=$?
    # The last status line: "#N DONE cov: C ft: F corp: U/Bb ... exec/s: E ...".
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log")
    rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log")
    counters=$(sed -nE 's/.*(cov: [0-9]+ ft: [0-9]+ corp: [^ ]+).*/\1/p' <<<"$last")
    if [ "$result" -eq 0 ]; then
        echo "fuzz-$parser: ${runs:-?} executions, ${rate:-?} exec/s, $counters; nothing found"
    else
        tail -n 40 "$log"
        echo "fuzz-$parser: FAILED (status $result) after about ${last%% *} executions"
        for artifact in "$artifacts"/*; do
            [ -f "$artifact" ] && echo "  saved input $artifact; replay: $binary $artifact"
        done
        status=1
    fi
done
exit $status
