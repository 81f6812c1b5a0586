"""One generated section of a Markdown file, between two HTML comments
(`<!-- NAME:begin -->` and `<!-- NAME:end -->`): the benchmark tools write
their tables into docs/performance.md this way, leaving the prose around
them alone."""
from pathlib import Path


def write_section(path: Path, name: str, text: str) -> None:
    """Replaces section `name` of `path` with `text`, or appends it."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    content = path.read_text()
    block = f"{begin}\n{text}\n{end}"
    if begin in content and end in content:
        start, stop = content.index(begin), content.index(end) + len(end)
        content = content[:start] + block + content[stop:]
    else:
        content = content.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(content)
