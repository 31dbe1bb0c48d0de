"""The canned research queries of ``queries/``: each file's header and text.

A query file starts with comment lines of the form ``# key: value`` (title, description,
parameters); the rest is the SPARQL text. The /queries pages, the CLI and the tests all
read the queries through this module, so they never disagree.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from publisher.rdf.resources import resource_dir

_HEADER_LINE = re.compile(r"^#\s*(?P<key>[a-z]+)\s*:\s*(?P<value>.*)$")


@dataclass(frozen=True)
class CannedQuery:
    """One query file: its name (file stem), header fields and SPARQL text."""

    name: str
    title: str
    description: str
    text: str
    parameters: list[str] = field(default_factory=list)


def parse_query_file(path: Path) -> CannedQuery:
    """Read one .rq file; a missing title or description is an error, not a blank."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, list[str]] = {}
    key = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER_LINE.match(line)
        if match:
            key = match["key"]
            fields.setdefault(key, []).append(match["value"].strip())
        elif key is not None and line.strip("# "):
            fields[key].append(line.lstrip("#").strip())
    missing = [k for k in ("title", "description") if k not in fields]
    if missing:
        raise ValueError(f"{path}: header lacks {', '.join(missing)} (lines '# title: ...')")
    return CannedQuery(
        name=path.stem,
        title=" ".join(fields["title"]),
        description=" ".join(fields["description"]),
        parameters=[p for p in fields.get("parameters", []) if p and p.lower() != "none"],
        text=text,
    )


def load_queries(folder: Path | None = None) -> list[CannedQuery]:
    """Every query of the folder (the shipped queries/ by default), sorted by name."""
    folder = folder or resource_dir("queries")
    return [parse_query_file(path) for path in sorted(folder.glob("*.rq"))]
