#!/usr/bin/env python3
"""Turns host-bench's JSON into markdown tables: ns per operation (median of
the repetitions), each design's ratio to glibc malloc, and the fixed-size
block allocator's speed-up over the linked list."""

import json
import sys


def main(path):
    with open(path) as f:
        data = json.load(f)
    median = {}
    for bench in data["benchmarks"]:
        if bench.get("aggregate_name") != "median" or bench.get("error_occurred"):
            continue
        name = bench["run_name"]
        # ns per item: batch_churn counts 1024 alloc+free per iteration.
        items = bench.get("items_per_second")
        median[name] = 1e9 / items if items else bench["real_time"]

    context = data.get("context", {})
    print(f"host: {context.get('host_name', '?')}, {context.get('num_cpus', '?')} CPUs at "
          f"{context.get('mhz_per_cpu', '?')} MHz; allocators built with -O2 "
          f"(the Google Benchmark library itself: {context.get('library_build_type', '?')} build)")
    print()
    designs = ["glibc", "bump", "linked_list", "fixed_size_block"]
    workloads = []
    for name in median:
        workload = name.rsplit("/", 1)[0]
        if workload not in workloads and not workload.startswith("frame_pair"):
            workloads.append(workload)
    print("| workload (ns per alloc+free) | " + " | ".join(designs) +
          " | bump / glibc | linked list / glibc | fixed / glibc | linked list / fixed |")
    print("|---" * (len(designs) + 5) + "|")
    for workload in workloads:
        cells = []
        values = {d: median.get(f"{workload}/{d}") for d in designs}
        for d in designs:
            cells.append(f"{values[d]:.1f}" if values[d] is not None else "n/a")

        def ratio(a, b):
            return f"{values[a] / values[b]:.2f}x" if values[a] and values[b] else "n/a"

        cells += [ratio("bump", "glibc"), ratio("linked_list", "glibc"), ratio("fixed_size_block", "glibc"),
                  ratio("linked_list", "fixed_size_block")]
        print(f"| {workload} | " + " | ".join(cells) + " |")
    print()
    for name, value in median.items():
        if name.startswith("frame_pair"):
            print(f"- {name}: {value:.1f} ns per allocate+free")


if __name__ == "__main__":
    main(sys.argv[1])
