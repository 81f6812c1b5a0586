#!/bin/sh
# expect_fire.sh GOOD BROKEN INPUT MESSAGE WORK_DIR (CTest fuzz.*_fires):
# the real harness GOOD accepts INPUT; a fuzzing session of the self-test
# harness BROKEN (built with FUZZ_SELFTEST_BROKEN_INVARIANT) from a corpus of
# that one input must stop at it: print MESSAGE, be reported by libFuzzer as
# a crash, and save the input as a crash-* artifact.
set -u
good=$1 broken=$2 input=$3 message=$4 work=$5
rm -rf "$work" && mkdir -p "$work/corpus" && cp "$input" "$work/corpus/" || exit 1
fail() { echo "expect_fire: $*"; exit 1; }
"$good" "$input" >"$work/good.log" 2>&1 || { cat "$work/good.log"; fail "the real harness fails on $input"; }
"$broken" -seed=1 -runs=1 -artifact_prefix="$work/" "$work/corpus" >"$work/broken.log" 2>&1
status=$?
cat "$work/broken.log"
[ "$status" -ne 0 ] || fail "the self-test harness exited 0 on $input"
grep -qF "$message" "$work/broken.log" || fail "no \"$message\" in its output"
grep -qF "libFuzzer: deadly signal" "$work/broken.log" || fail "libFuzzer did not report a crash"
ls "$work"/crash-* >/dev/null 2>&1 || fail "no crash-* artifact saved"
cmp -s "$work"/crash-* "$input" || fail "the saved artifact is not the input"
echo "expect_fire: the planted bug was caught: $message"
