#!/usr/bin/env python3
"""layers.py [--src DIR] [--layers FILE] [--generated-prefix NAME] [--graph]

Keeps the kernel's folders from including upward or in cycles.

The rule (written down in src/layers.txt, bottom layer first): product code in
a folder of src/ may include headers of its own folder and of folders listed
before it, never of folders after it. Tests and benchmarks beside the code
(`*_tests.cpp`, `*_bench.cpp`) are exempt and may include upward. The folder of a file is its first path
component under src/.

Product code is every `*.h`, every `*.cpp` except `*_tests.cpp` and `*_bench.cpp`, and every
`*.asm` under src/. Quoted includes are checked (`#include "..."`, NASM
`%include "..."`); `<...>` system includes are not. An include is resolved as
the kernel's include path does: `<src>/<path>`, then `<src>/lib/<path>` (the
`kstd/...` headers live in src/lib/kstd), then relative to the including
file's folder. An include that resolves to no file under src/ is

  - an error if its first component is the test framework (`ktest/`):
    product code must never include it;
  - accepted if its first component is a `--generated-prefix` (headers the
    build generates);
  - otherwise an error: "cannot resolve".

Errors (exit 1), each naming file:line where there is one:
  (a) an include of a folder above the includer's folder;
  (b) a file in a folder that src/layers.txt does not list;
  (c) a cycle between folders, found without the order: strongly connected
      components of the folder include graph; each is shown by its shortest
      cycles (`a -> b -> a`) with one example include per edge.
Exit 0 with a one-line summary when clean. --graph also prints the folder
include graph (edges marked `^` go upward).
"""
import argparse
import collections
import os
import re
import sys

TEST_FRAMEWORK = {"ktest"}
INCLUDE = {
    ".h": re.compile(r'^\s*#\s*include\s*"([^"]+)"'),
    ".cpp": re.compile(r'^\s*#\s*include\s*"([^"]+)"'),
    ".asm": re.compile(r'^\s*%include\s+["\']([^"\']+)["\']', re.IGNORECASE),
}
Include = collections.namedtuple("Include", "file line text target")  # target: src-relative path


def read_layers(path):
    """The folder names of the layer file, bottom first."""
    layers = []
    with open(path) as lines:
        for number, line in enumerate(lines, 1):
            name = line.split("#", 1)[0].strip()
            if not name:
                continue
            if name in layers or "/" in name or " " in name:
                raise ValueError(f"{path}:{number}: bad or repeated layer {name!r}")
            layers.append(name)
    return layers


def product_files(src):
    """src-relative paths of the product code, sorted."""
    found = []
    for folder, dirs, files in os.walk(src):
        dirs.sort()
        for name in files:
            ext = os.path.splitext(name)[1]
            if ext in INCLUDE and not name.endswith(("_tests.cpp", "_bench.cpp")):
                found.append(os.path.relpath(os.path.join(folder, name), src).replace(os.sep, "/"))
    return sorted(found)


def folder_of(relpath):
    return relpath.split("/", 1)[0] if "/" in relpath else "."


def resolve(src, includer, text):
    """The src-relative path `text` names when included from `includer`, or None."""
    candidates = [text, "lib/" + text, os.path.join(os.path.dirname(includer), text)]
    for candidate in candidates:
        relative = os.path.normpath(candidate).replace(os.sep, "/")
        if not relative.startswith("../") and os.path.isfile(os.path.join(src, relative)):
            return relative
    return None


def scan(src, generated):
    """(files, includes, errors): the product files, their includes that resolve
    under src/, and (file, line, message) for those that resolve nowhere."""
    files, includes, errors = product_files(src), [], []
    for relpath in files:
        pattern = INCLUDE[os.path.splitext(relpath)[1]]
        with open(os.path.join(src, relpath), errors="replace") as lines:
            for number, line in enumerate(lines, 1):
                match = pattern.match(line)
                if not match:
                    continue
                text = match.group(1)
                first = text.split("/", 1)[0]
                target = resolve(src, relpath, text)
                if target is not None:
                    includes.append(Include(relpath, number, text, target))
                elif first in TEST_FRAMEWORK:
                    errors.append((relpath, number, f"product code includes the test framework ({text})"))
                elif first not in generated:
                    errors.append((relpath, number, f"cannot resolve {text} (not under src/, not generated)"))
    return files, includes, errors


def display(src, relpath):
    return f"{os.path.basename(os.path.normpath(src))}/{relpath}"


def strongly_connected(graph):
    """Tarjan's strongly connected components of {node: set(successors)}."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def shortest_cycle(graph, start, within):
    """The shortest path start -> ... -> start inside `within` (breadth first)."""
    parent, queue = {start: None}, collections.deque([start])
    while queue:
        node = queue.popleft()
        for successor in sorted(graph.get(node, ())):
            if successor == start:
                path = []
                while node is not None:
                    path.append(node)
                    node = parent[node]
                return path[::-1] + [start]
            if successor in within and successor not in parent:
                parent[successor] = node
                queue.append(successor)
    return None


def cycles(graph, rank):
    """For each strongly connected component of more than one folder: its members
    and its distinct shortest cycles, each starting at its lowest folder."""
    found = []
    for component in strongly_connected(graph):
        if len(component) < 2:
            continue
        members = sorted(component, key=rank)
        seen, shown = set(), []
        for folder in members:
            cycle = shortest_cycle(graph, folder, component)[:-1]
            low = cycle.index(min(cycle, key=rank))
            cycle = cycle[low:] + cycle[:low]
            if tuple(cycle) not in seen:
                seen.add(tuple(cycle))
                shown.append(cycle + [cycle[0]])
        found.append((members, sorted(shown, key=lambda cycle: [rank(f) for f in cycle])))
    return sorted(found, key=lambda item: rank(item[0][0]))


def check(src, layers_file, generated=(), graph_out=None):
    """Runs the check; returns (errors, summary)."""
    layers = read_layers(layers_file)
    position = {name: number for number, name in enumerate(layers, 1)}

    def rank(folder):  # unlisted folders sort after the layers
        return position.get(folder, len(layers) + 1), folder

    files, includes, problems = scan(src, set(p.rstrip("/") for p in generated))

    by_folder = collections.defaultdict(list)
    for relpath in files:
        by_folder[folder_of(relpath)].append(relpath)
    for folder in sorted(set(by_folder) - set(position)):
        what = "files directly in src/ are" if folder == "." else f"folder {folder} is"
        problems.append((by_folder[folder][0], 0, f"{what} not listed in {os.path.basename(layers_file)} "
                                                f"({len(by_folder[folder])} file(s))"))

    graph, example = collections.defaultdict(set), {}
    for include in includes:
        source, target = folder_of(include.file), folder_of(include.target)
        if source == target:
            continue
        graph[source].add(target)
        example.setdefault((source, target), include)
        if source in position and target in position and position[target] > position[source]:
            problems.append((include.file, include.line,
                             f"{source} (layer {position[source]}) includes {include.text} "
                             f"from {target} (layer {position[target]}), which is above it"))

    errors = [f"{display(src, file)}{f':{line}' if line else ''}: {message}"
              for file, line, message in sorted(problems)]
    found = cycles(graph, rank)
    for members, shown in found:
        lines = [f"cycle: {len(members)} folders include each other: {', '.join(members)}"]
        for cycle in shown:
            lines.append("  " + " -> ".join(cycle))
            for source, target in zip(cycle, cycle[1:]):
                include = example[(source, target)]
                lines.append(f"    {source} -> {target}: {display(src, include.file)}:{include.line} "
                             f"includes {include.text}")
        errors.append("\n".join(lines))

    if graph_out is not None:
        for folder in sorted(set(by_folder) | set(graph), key=rank):
            edges = ", ".join(("^" if rank(target) > rank(folder) else "") + target
                              for target in sorted(graph.get(folder, ()), key=rank))
            layer = f"layer {position[folder]}" if folder in position else "not a layer"
            print(f"{folder} ({layer}) -> {edges or '(nothing)'}", file=graph_out)

    summary = f"layers: {len(files)} files, {len(includes)} includes, {len(layers)} layers, "
    if errors:
        summary += f"{len(errors) - len(found)} violations, {len(found)} {'cycle' if len(found) == 1 else 'cycles'}"
    else:
        summary += "no violations"
    return errors, summary


def main(argv=None):
    repository = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", default=os.path.join(repository, "src"), help="source root (default: src/)")
    parser.add_argument("--layers", help="layer file (default: <src>/layers.txt)")
    parser.add_argument("--generated-prefix", action="append", default=[], metavar="NAME",
                        help="first path component of generated headers (repeatable), e.g. generated/")
    parser.add_argument("--graph", action="store_true", help="also print the folder include graph")
    args = parser.parse_args(argv)
    try:
        errors, summary = check(args.src, args.layers or os.path.join(args.src, "layers.txt"),
                                args.generated_prefix, sys.stdout if args.graph else None)
    except (OSError, ValueError) as error:
        print(f"layers: {error}", file=sys.stderr)
        return 2
    for error in errors:
        print(error)
    print(summary)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
